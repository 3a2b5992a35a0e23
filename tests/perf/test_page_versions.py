"""Page versions move on every write that changes what a page shows, whoever writes.

They key the cache of rendered inbox pages (postroom.web.pagecache): a write that did
not move them would leave agents looking at a stale list. Each case writes one way (the
actions, a bulk update, a raw delete) and checks the version it must move and, where it
matters, one it must leave alone.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from postroom.accounts.models import Team, User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Contact, Conversation, Label, PageVersion, Priority, Status
from postroom.inbox.models.version import NAMES

pytestmark = pytest.mark.django_db


def _versions(world) -> tuple[int, int, int]:
    support, names, _bob = PageVersion.objects.of(world.support.pk, world.bob.pk)
    sales, _names, _bob = PageVersion.objects.of(world.sales.pk, world.bob.pk)
    return support, sales, names


def _moves(world, write: Callable[[], object]) -> tuple[bool, bool, bool]:
    before = _versions(world)
    write()
    after = _versions(world)
    return tuple(a != b for a, b in zip(before, after, strict=True))  # type: ignore[return-value]


SUPPORT, SALES, BOTH, NAMES_ONLY = (
    (True, False, False),
    (False, True, False),
    (True, True, False),
    (False, False, True),
)


def test_conversation_writes_move_their_inbox_only(world):
    convo = world.bob_conversation
    cases: dict[str, tuple[Callable[[], object], tuple[bool, bool, bool]]] = {
        "new conversation": (
            lambda: actions.do_receive_message(
                world.support,
                actions.InboundMessage(sender="new@customer.test", subject="New", text="Hi"),
            ),
            SUPPORT,
        ),
        "customer reply": (
            lambda: actions.do_receive_message(
                world.support,
                actions.InboundMessage(
                    sender="carol@customer.test", subject="Re: Broken invoice", text="Any news?"
                ),
                conversation=convo,
            ),
            SUPPORT,
        ),
        "our reply": (lambda: actions.do_reply(convo, "On it.", actor=world.bob), SUPPORT),
        "assign": (
            lambda: actions.do_assign(convo, users=[world.alice], actor=world.alice),
            SUPPORT,
        ),
        "unassign": (
            lambda: actions.do_unassign(convo, user=world.alice, actor=world.alice),
            SUPPORT,
        ),
        "label": (lambda: actions.do_add_label(convo, world.billing, actor=world.bob), SUPPORT),
        "unlabel": (
            lambda: actions.do_remove_label(convo, world.billing, actor=world.bob),
            SUPPORT,
        ),
        "status": (
            lambda: actions.do_change_status(convo, Status.PENDING, actor=world.bob),
            SUPPORT,
        ),
        "priority": (
            lambda: actions.do_set_priority(convo, Priority.URGENT, actor=world.bob),
            SUPPORT,
        ),
        "sales mail": (
            lambda: actions.do_receive_message(
                world.sales,
                actions.InboundMessage(sender="erin@prospect.test", subject="Hello", text="Hi"),
            ),
            SALES,
        ),
        "bulk update": (
            lambda: Conversation.objects.filter(inbox=world.sales).update(subject="Renamed"),
            SALES,
        ),
        "move": (
            lambda: actions.do_move_conversation(convo, world.sales, actor=world.alice),
            BOTH,
        ),
        "delete": (lambda: Conversation.objects.filter(pk=convo.pk).delete(), SALES),
    }
    for name, (write, expected) in cases.items():
        assert _moves(world, write) == expected, name


def test_names_shown_everywhere_move_the_names_version(world):
    team = actions.do_create_team(name="Tier 2", actor=world.alice)
    convo = world.bob_conversation
    cases: dict[str, Callable[[], object]] = {
        "person renamed": lambda: actions.do_update_profile(
            world.bob, name="Robert", actor=world.bob
        ),
        "person deactivated": lambda: actions.do_set_user_active(
            world.dora, False, actor=world.alice
        ),
        "team renamed": lambda: Team.objects.filter(pk=team.pk).update(name="Second line"),
        "team members": lambda: actions.do_set_team_members(team, [world.bob], actor=world.alice),
        "contact renamed": lambda: Contact.objects.filter(pk=convo.contact_id).update(
            name="Carol C."
        ),
        "label recoloured": lambda: actions.do_update_label(
            world.billing, name="Billing", color="#000000", icon="", teams=[], actor=world.alice
        ),
        "label limited to a team": lambda: actions.do_update_label(
            world.billing, name="Billing", color="#000000", icon="", teams=[team], actor=world.alice
        ),
        "label deleted": lambda: Label.objects.filter(pk=world.billing.pk).delete(),
        "inbox renamed": lambda: actions.do_update_inbox(
            world.sales,
            name="Sales team",
            address="sales@example.test",
            aliases=[],
            signature="",
            actor=world.alice,
        ),
    }
    for name, write in cases.items():
        names = _moves(world, write)[2]
        assert names, name


def test_writes_that_show_nowhere_leave_the_versions_alone(world):
    unchanged = (False, False, False)
    assert (
        _moves(world, lambda: User.objects.filter(pk=world.bob.pk).update(time_zone="Asia/Tokyo"))
        == unchanged
    )
    assert (
        _moves(
            world,
            lambda: Contact.objects.filter(pk=world.bob_conversation.contact_id).update(
                name="Carol Customer"
            ),
        )
        == unchanged
    )


def test_a_recount_moves_every_version(world):
    from postroom.inbox.models.conversation import ViewCount

    assert _moves(world, ViewCount.objects.recount) == (True, True, True)
    assert PageVersion.objects.filter(scope=NAMES).exists()


def test_the_system_actor_is_no_exception(world):
    # Writes by background jobs (snooze wake-ups, the trash purge) go through the same
    # triggers as an agent's.
    convo = world.bob_conversation
    assert (
        _moves(world, lambda: actions.do_change_status(convo, Status.CLOSED, actor=SYSTEM))
        == SUPPORT
    )


def test_a_persons_badge_and_preferences_move_their_own_version(world):
    from postroom.inbox.actions.notifications import do_mark_read, do_set_preferences
    from postroom.notifications.models import Notification

    def bob_moves(write: Callable[[], object]) -> bool:
        before = PageVersion.objects.of(world.support.pk, world.bob.pk)[2]
        write()
        return PageVersion.objects.of(world.support.pk, world.bob.pk)[2] != before

    convo = world.bob_conversation
    assert bob_moves(
        lambda: Notification.objects.create(
            user=world.bob,
            kind="assigned",
            conversation=convo,
            actor=world.alice,
            text="Alice assigned you",
            created_at=clock.now(),
        )
    )
    assert bob_moves(lambda: do_mark_read(world.bob, actor=world.bob))
    assert bob_moves(
        lambda: do_set_preferences(
            world.bob,
            email_mode="off",
            email_mentions=False,
            email_assignments=False,
            email_replies=False,
            desktop=False,
            actor=world.bob,
        )
    )
    # Notified about a conversation that moves to an inbox Bob cannot see: his badge
    # changes, so his version moves too.
    assert bob_moves(lambda: actions.do_move_conversation(convo, world.sales, actor=world.alice))
    # Someone else's notifications leave Bob's version alone.
    assert not bob_moves(lambda: Notification.objects.filter(user=world.alice).delete())
