"""Access levels: highest of own and team grants, admins manage all, revocation is immediate."""

import pytest
from django.http import Http404

from postroom.accounts.models import Role
from postroom.inbox import actions
from postroom.inbox.access import (
    access_attachment,
    access_conversation,
    access_inbox,
    access_label,
    inbox_level,
    inbox_levels,
    visible_labels,
)
from postroom.inbox.models import AccessLevel, InboxAccess
from tests.conftest import make_user


def test_owner_manages_every_inbox(world):
    assert inbox_levels(world.alice) == {
        world.support.pk: AccessLevel.MANAGE,
        world.sales.pk: AccessLevel.MANAGE,
    }


def test_agent_sees_only_granted_inboxes(world):
    assert inbox_levels(world.bob) == {world.support.pk: AccessLevel.REPLY_ON_BEHALF}
    assert inbox_levels(world.charlie) == {}
    assert inbox_levels(world.dora) == {world.sales.pk: AccessLevel.VIEW}


def test_level_is_highest_of_own_and_team_grants(world):
    team = actions.do_create_team(name="Sales crew", members=[world.dora], actor=world.alice)
    actions.do_grant_access(world.sales, team=team, level=AccessLevel.SEND_AS, actor=world.alice)
    assert inbox_level(world.dora, world.sales.pk) == AccessLevel.SEND_AS
    actions.do_grant_access(
        world.sales, user=world.dora, level=AccessLevel.MANAGE, actor=world.alice
    )
    assert inbox_level(world.dora, world.sales.pk) == AccessLevel.MANAGE


def test_team_membership_change_takes_effect_at_once(world):
    team = actions.do_create_team(name="Night shift", members=[world.charlie], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=AccessLevel.VIEW, actor=world.alice)
    assert access_conversation(world.charlie, world.bob_conversation.pk)
    actions.do_set_team_members(team, [], actor=world.alice)
    with pytest.raises(Http404):
        access_conversation(world.charlie, world.bob_conversation.pk)


def test_no_access_is_404_for_every_object(world):
    convo = world.bob_conversation
    attachment = convo.messages.first().attachments.first()
    for fetch in (
        lambda: access_inbox(world.charlie, "support"),
        lambda: access_conversation(world.charlie, convo.pk),
        lambda: access_attachment(world.charlie, attachment.pk),
        lambda: access_conversation(world.dora, convo.pk),
    ):
        with pytest.raises(Http404):
            fetch()


def test_min_level_is_enforced(world):
    with pytest.raises(Http404):
        access_conversation(
            world.dora, world.sales_conversation.pk, min_level=AccessLevel.REPLY_ON_BEHALF
        )
    assert access_conversation(world.dora, world.sales_conversation.pk)


def test_revoking_a_grant_removes_access_at_once(world):
    grant = InboxAccess.objects.get(inbox=world.support, user=world.bob)
    actions.do_revoke_access(grant, actor=world.alice)
    with pytest.raises(Http404):
        access_conversation(world.bob, world.bob_conversation.pk)


def test_deactivated_user_has_no_access(world):
    actions.do_set_user_active(world.bob, False, actor=world.alice)
    world.bob.refresh_from_db()
    assert inbox_levels(world.bob) == {}


def test_team_limited_label_is_invisible_to_others(world):
    team = actions.do_create_team(name="VIP desk", members=[world.bob], actor=world.alice)
    vip = actions.do_create_label(name="VIP", color="#7c3aed", teams=[team], actor=world.alice)
    assert vip in visible_labels(world.bob)
    assert vip not in visible_labels(world.dora)
    assert world.billing in visible_labels(world.dora)
    with pytest.raises(Http404):
        access_label(world.dora, vip.pk)


def test_admins_see_every_label(world):
    erin = make_user("erin", Role.ADMIN)
    team = actions.do_create_team(name="VIP desk", members=[world.bob], actor=world.alice)
    vip = actions.do_create_label(name="VIP", color="#7c3aed", teams=[team], actor=world.alice)
    assert access_label(erin, vip.pk) == vip
