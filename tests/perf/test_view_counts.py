"""The maintained view counts equal a full recount after every kind of write, and the
copies on assignee and label rows equal their conversation's values.

Both are kept by database triggers (declared in postroom.inbox.derived), so they hold
for the actions and for any other writer: bulk updates, deletes and their cascades.
"""

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import (
    Conversation,
    ConversationAssignee,
    ConversationLabel,
    Message,
    Status,
)
from postroom.inbox.models.conversation import ViewCount
from postroom.inbox.queries import label_counts, sidebar_counts, view_counts

TRIGGER_TABLES = ("inbox_conversation", "inbox_conversationassignee", "inbox_conversationlabel")


def assert_counts_match_a_recount():
    assert ViewCount.objects.stored() == ViewCount.objects.expected()
    assert ViewCount.objects.stale_copies() == 0


def _receive(world, n=1, inbox=None, conversation=None):
    return actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(
            sender=f"customer{n}@example.test", subject=f"Question {n}", text="Hello"
        ),
        conversation=conversation,
    )


def test_the_triggers_exist_after_migrating(db):
    # A later migration that rebuilds one of these tables on SQLite (AlterField, say)
    # drops its triggers with the old table; test_derived_triggers.py checks every one.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
        tables = [row[0] for row in cursor.fetchall()]
    # SQLite: insert, delete and update for the counts, plus the copies' own; PostgreSQL:
    # write and update for the counts, plus the copies' own.
    for table in TRIGGER_TABLES:
        assert tables.count(table) >= (4 if connection.vendor == "sqlite" else 3), table


def test_new_conversations_are_counted_open_and_unassigned(world):
    before = view_counts(world.bob, world.support)
    _receive(world)
    after = view_counts(world.bob, world.support)
    assert after["open"] == before["open"] + 1
    assert after["unassigned"] == before["unassigned"] + 1
    assert_counts_match_a_recount()


def test_status_assignment_and_label_changes_move_the_counts(world):
    convo = world.bob_conversation  # open, assigned to bob
    actions.do_add_label(convo, world.billing, actor=world.alice)
    counts, per_label = sidebar_counts(world.bob, world.support, [world.billing])
    assert (counts["mine"], counts["open"], per_label[world.billing.pk]) == (1, 1, 1)

    actions.do_change_status(convo, Status.SPAM, actor=world.bob)
    counts, per_label = sidebar_counts(world.bob, world.support, [world.billing])
    assert (counts["mine"], counts["open"], counts["spam"]) == (0, 0, 1)
    assert per_label[world.billing.pk] == 0  # spam is not live

    actions.do_change_status(convo, Status.OPEN, actor=world.bob)
    actions.do_unassign(convo, actor=world.alice)
    counts = view_counts(world.bob, world.support)
    assert (counts["mine"], counts["unassigned"]) == (0, 1)
    assert label_counts(world.bob, world.support, [world.billing]) == {world.billing.pk: 1}
    assert_counts_match_a_recount()


def test_every_action_keeps_the_counts_exact(world):
    """A seeded random mix of every action that changes status, assignment, labels,
    inbox or existence, checked against a recount after each step."""
    rng = random.Random(6)
    billing, vip = world.billing, actions.do_create_label(name="VIP", actor=world.alice)
    team = actions.do_create_team(name="Tier 2", members=[world.bob], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=20, actor=world.alice)
    clock.freeze(clock.now())
    for n in range(12):
        _receive(world, n, inbox=rng.choice([world.support, world.sales]))

    def conversations():
        return list(Conversation.objects.order_by("pk"))

    steps = [
        lambda c: actions.do_change_status(
            c, rng.choice(["open", "pending", "closed", "spam", "trash"]), actor=world.alice
        ),
        lambda c: actions.do_snooze(c, clock.now() + timedelta(hours=1), actor=world.alice),
        lambda c: actions.do_assign(
            c, users=rng.sample([world.alice, world.bob], rng.randint(1, 2)), actor=world.alice
        ),
        lambda c: (
            actions.do_assign(c, team=team, actor=world.alice)
            if c.inbox_id == world.support.pk
            else None
        ),
        lambda c: actions.do_assign(c, users=[world.alice], replace=True, actor=world.alice),
        lambda c: actions.do_unassign(c, user=world.bob, actor=world.alice),
        lambda c: actions.do_unassign(c, actor=world.alice),
        lambda c: actions.do_add_label(c, rng.choice([billing, vip]), actor=world.alice),
        lambda c: actions.do_remove_label(c, rng.choice([billing, vip]), actor=world.alice),
        lambda c: _receive(world, rng.randint(0, 99), inbox=c.inbox, conversation=c),
        lambda c: actions.do_move_conversation(
            c, rng.choice([world.support, world.sales]), actor=world.alice
        ),
        lambda c: actions.do_set_priority(c, rng.randint(0, 3), actor=world.alice),
    ]
    for step in range(150):
        convo = rng.choice(conversations())
        with contextlib.suppress(ValidationError):  # refused (bob cannot see sales@)
            rng.choice(steps)(convo)
        if step % 25 == 24:
            clock.freeze(clock.now() + timedelta(hours=2))
            actions.do_wake_snoozed()
        assert_counts_match_a_recount()

    # Merge, split, purge and label deletion remove or create whole sets of keys.
    by_inbox = [c for c in conversations() if c.inbox_id == world.support.pk]
    actions.do_merge_conversations(by_inbox[0], by_inbox[1], actor=world.alice)
    assert_counts_match_a_recount()
    message = Message.objects.filter(conversation=by_inbox[0]).order_by("pk").last()
    if Message.objects.filter(conversation=by_inbox[0]).count() > 1:
        actions.do_split_message(message, actor=world.alice)
        assert_counts_match_a_recount()
    for convo in conversations()[:3]:
        actions.do_change_status(convo, Status.TRASH, actor=world.alice)
    clock.freeze(clock.now() + timedelta(days=365))
    assert actions.do_purge_trash() >= 3
    assert_counts_match_a_recount()
    actions.do_delete_label(vip, actor=world.alice)
    assert_counts_match_a_recount()


def test_writes_outside_the_actions_are_counted_too(world):
    for n in range(5):
        convo = _receive(world, n).conversation
        actions.do_add_label(convo, world.billing, actor=world.alice)
        actions.do_assign(convo, users=[world.bob], actor=world.alice)
    Conversation.objects.filter(inbox=world.support).update(status=Status.CLOSED)
    assert_counts_match_a_recount()
    moved = Conversation.objects.filter(inbox=world.support).order_by("pk")[:2]
    Conversation.objects.filter(pk__in=list(moved.values_list("pk", flat=True))).update(
        inbox=world.sales, status=Status.OPEN
    )
    assert_counts_match_a_recount()  # counts and copies (inbox too) follow a bulk move
    ConversationLabel.objects.filter(conversation__inbox=world.support).delete()
    ConversationAssignee.objects.filter(user=world.bob).update(user=world.alice)
    assert_counts_match_a_recount()
    Conversation.objects.filter(inbox=world.support).delete()
    assert_counts_match_a_recount()
    assert view_counts(world.bob, world.support) == dict.fromkeys(
        view_counts(world.bob, world.support), 0
    )


def test_recount_repairs_drifted_counts_and_copies(world):
    ViewCount.objects.filter(view="open").update(total=999)
    assert ViewCount.objects.stored() != ViewCount.objects.expected()
    ViewCount.objects.recount()
    with connection.cursor() as cursor:  # behind the triggers' back
        cursor.execute("UPDATE inbox_conversationassignee SET status = 'trash'")
    assert ViewCount.objects.stale_copies() == 1
    ViewCount.objects.refresh_copies()
    assert_counts_match_a_recount()


def test_copies_follow_new_messages_and_status(world):
    convo = world.bob_conversation
    actions.do_add_label(convo, world.billing, actor=world.alice)
    clock.freeze(clock.now() + timedelta(minutes=5))
    _receive(world, conversation=convo)
    actions.do_reply(convo, "On it", actor=world.bob)
    actions.do_change_status(convo, Status.TRASH, actor=world.bob)
    convo.refresh_from_db()
    label_row = ConversationLabel.objects.get(conversation=convo)
    assignee_row = ConversationAssignee.objects.get(conversation=convo)
    assert label_row.last_activity_at == assignee_row.last_activity_at == convo.last_activity_at
    assert (label_row.live, assignee_row.status) == (False, Status.TRASH)
    assert_counts_match_a_recount()


@pytest.mark.parametrize("labels", [0, 3])
def test_sidebar_counts_are_one_query(world, labels, django_assert_num_queries):
    chosen = [world.billing] * labels
    with django_assert_num_queries(1):
        sidebar_counts(world.bob, world.support, chosen)
