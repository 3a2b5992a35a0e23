"""Optionally, only the assignee may reply while a conversation is assigned."""

import pytest
from django.core.exceptions import PermissionDenied

from postroom.inbox import actions
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import AccessLevel
from tests.conftest import make_user


@pytest.fixture
def erin(world):
    erin = make_user("erin")
    actions.do_grant_access(
        world.support, user=erin, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    return erin


def test_off_by_default_anyone_with_reply_access_may_reply(world, erin):
    actions.do_reply(world.bob_conversation, "Hi", actor=erin)


def test_when_on_others_must_take_the_conversation_first(world, erin, client_for):
    do_set_reply_rules(world.support, actor=world.alice, only_assignee_replies=True)
    with pytest.raises(PermissionDenied):
        actions.do_reply(world.bob_conversation, "Hi", actor=erin)
    actions.do_reply(world.bob_conversation, "Hi from the assignee", actor=world.bob)
    client_for(erin).post(f"/c/{world.bob_conversation.pk}/", {"action": "take"})
    actions.do_reply(world.bob_conversation, "Now mine too", actor=erin)


def test_members_of_the_assigned_team_may_reply(world, erin):
    team = actions.do_create_team(name="Tier 2", members=[erin], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=AccessLevel.VIEW, actor=world.alice)
    do_set_reply_rules(world.support, actor=world.alice, only_assignee_replies=True)
    actions.do_assign(world.bob_conversation, team=team, actor=world.alice)
    actions.do_reply(world.bob_conversation, "Team reply", actor=erin)
