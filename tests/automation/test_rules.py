"""Rules run by the ``rules`` reactor: each trigger, each action, the order, "stop
processing", the loop guard, failures noted in the run log, the rule named as the actor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from postroom.automation.models import Rule, RuleRun
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import AccessLevel, Activity, Conversation, Note, Priority, Status
from postroom.web.templatetags.postroom_tags import actor_name

SUBJECT_REFUND = {"field": "subject", "operator": "contains", "value": "refund"}


def make_rule(world, *, trigger="message.received", conditions=None, steps, **options) -> Rule:
    options.setdefault("inbox", world.support)
    options.setdefault("enabled", True)
    return actions.do_save_rule(
        None,
        name=options.pop("name", "Refunds to billing"),
        trigger=trigger,
        conditions=conditions or {"match": "all", "conditions": [SUBJECT_REFUND]},
        actions=steps,
        actor=world.alice,
        **options,
    )


def receive(world, subject: str, *, inbox=None, sender="vera@bigco.test", text="Hello"):
    message = actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(sender=sender, sender_name="Vera", subject=subject, text=text),
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def labels_of(conversation) -> list[str]:
    return sorted(conversation.labels.values_list("name", flat=True))


def test_a_matching_message_gets_the_rules_steps_with_the_rule_as_actor(world):
    rule = make_rule(
        world,
        steps=[
            {"kind": "add_label", "label": world.billing.pk},
            {"kind": "set_priority", "priority": Priority.HIGH},
            {"kind": "assign", "user": world.bob.pk},
        ],
    )
    conversation = receive(world, "Refund for order 77812")
    other = receive(world, "Where is my parcel?")

    assert labels_of(conversation) == ["Billing"]
    assert conversation.priority == Priority.HIGH
    assert list(conversation.assignees.all()) == [world.bob]
    assert labels_of(other) == [] and other.priority == Priority.NORMAL

    events = LoggedEvent.objects.filter(conversation_id=conversation.pk, actor_kind="rule")
    assert [(e.type, e.actor_id) for e in events.order_by("id")] == [
        ("conversation.labelled", rule.pk),
        ("conversation.priority", rule.pk),
        ("conversation.assigned", rule.pk),
        ("notification.created", rule.pk),  # Bob is told, by the rule
    ]
    run = RuleRun.objects.get(rule=rule)
    assert run.conversation == conversation
    assert run.done == ["add label Billing", "set priority High", "assign to Bob"]
    assert run.errors == []
    activity = Activity.objects.get(conversation=conversation, verb="conversation.assigned")
    assert actor_name(activity) == "Rule “Refunds to billing”"


@pytest.mark.parametrize(
    ("trigger", "cause"),
    [
        ("conversation.created", lambda w, c: None),
        ("message.received", lambda w, c: None),
        ("note.added", lambda w, c: actions.do_add_note(c, "refund noted", actor=w.bob)),
        ("conversation.assigned", lambda w, c: actions.do_assign(c, users=[w.bob], actor=w.alice)),
        (
            "conversation.unassigned",
            lambda w, c: (
                actions.do_assign(c, users=[w.bob], actor=w.alice),
                actions.do_unassign(c, actor=w.alice, user=w.bob),
            ),
        ),
        ("conversation.status", lambda w, c: actions.do_change_status(c, "pending", actor=w.bob)),
        ("conversation.labelled", lambda w, c: actions.do_add_label(c, w.billing, actor=w.bob)),
        (
            "conversation.unlabelled",
            lambda w, c: (
                actions.do_add_label(c, w.billing, actor=w.bob),
                actions.do_remove_label(c, w.billing, actor=w.bob),
            ),
        ),
        ("conversation.priority", lambda w, c: actions.do_set_priority(c, 3, actor=w.bob)),
        (
            "message.replied",
            lambda w, c: actions.do_reply(c, body="On it", actor=w.bob),
        ),
    ],
)
def test_every_trigger_starts_its_rules_once(world, trigger, cause):
    rule = make_rule(
        world, trigger=trigger, steps=[{"kind": "add_note", "body": "Rule saw {{ contact.email }}"}]
    )
    conversation = receive(world, "Refund please")
    before = RuleRun.objects.filter(rule=rule).count()
    cause(world, conversation)
    drain()
    runs = RuleRun.objects.filter(rule=rule).count()
    # The two that fire on the mail itself have run by then; the others only after.
    expected = 1 if trigger in ("conversation.created", "message.received") else 0
    assert (before, runs) == (expected, 1)
    note = Note.objects.get(conversation=conversation, author=None)
    assert note.body == "Rule saw vera@bigco.test"


def test_actions_unassign_remove_label_status_and_snooze(world):
    frozen = clock.now().replace(microsecond=0)
    clock.freeze(frozen)
    conversation = receive(world, "Refund please")
    actions.do_assign(conversation, users=[world.bob], actor=world.alice)
    actions.do_add_label(conversation, world.billing, actor=world.alice)
    make_rule(
        world,
        trigger="note.added",
        conditions={"match": "all", "conditions": []},
        steps=[
            {"kind": "unassign"},
            {"kind": "remove_label", "label": world.billing.pk},
            {"kind": "set_status", "status": "pending"},
            {"kind": "snooze", "hours": 4},
        ],
    )
    actions.do_add_note(conversation, "park it", actor=world.bob)
    drain()
    conversation.refresh_from_db()
    assert list(conversation.assignees.all()) == []
    assert labels_of(conversation) == []
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until == frozen + timedelta(hours=4)


def test_rules_run_in_order_and_stop_processing_stops_the_rest(world):
    first = make_rule(
        world,
        name="First",
        steps=[{"kind": "set_priority", "priority": Priority.URGENT}],
        stop_processing=True,
    )
    second = make_rule(world, name="Second", steps=[{"kind": "set_priority", "priority": 0}])
    everywhere = make_rule(
        world,
        name="Workspace",
        inbox=None,
        steps=[{"kind": "add_label", "label": world.billing.pk}],
    )
    conversation = receive(world, "Refund please")
    assert conversation.priority == Priority.URGENT
    assert labels_of(conversation) == ["Billing"]  # workspace-wide rules come first
    assert sorted(RuleRun.objects.values_list("rule__name", flat=True)) == ["First", "Workspace"]
    assert (first.position, second.position, everywhere.position) == (0, 1, 0)
    # In another inbox, only the workspace-wide rule applies.
    elsewhere = receive(world, "Refund please", inbox=world.sales)
    assert elsewhere.priority == Priority.NORMAL and labels_of(elsewhere) == ["Billing"]


def test_disabled_rules_and_non_matching_mail_do_nothing(world):
    make_rule(world, enabled=False, steps=[{"kind": "set_priority", "priority": 3}])
    conversation = receive(world, "Refund please")
    assert conversation.priority == Priority.NORMAL
    assert RuleRun.objects.count() == 0


def test_a_failing_step_is_noted_and_the_others_still_run(world):
    rule = make_rule(
        world,
        steps=[
            {"kind": "assign", "user": world.charlie.pk},  # no access to Support
            {"kind": "set_priority", "priority": Priority.HIGH},
        ],
    )
    conversation = receive(world, "Refund please")
    run = RuleRun.objects.get(rule=rule)
    assert run.done == ["set priority High"]
    assert len(run.errors) == 1 and run.errors[0].startswith("assign to Charlie: ")
    assert conversation.priority == Priority.HIGH
    assert list(conversation.assignees.all()) == []


def test_a_rules_own_change_does_not_trigger_it_and_loops_are_cut(world):
    # Two rules that undo each other: A labels when the label is removed, B removes it
    # when it is added. Each is never triggered by its own change; the pair is cut
    # by the hourly limit per conversation.
    add = make_rule(
        world,
        name="Add",
        trigger="conversation.unlabelled",
        conditions={"match": "all", "conditions": []},
        steps=[{"kind": "add_label", "label": world.billing.pk}],
    )
    remove = make_rule(
        world,
        name="Remove",
        trigger="conversation.labelled",
        conditions={"match": "all", "conditions": []},
        steps=[{"kind": "remove_label", "label": world.billing.pk}],
    )
    conversation = receive(world, "Hello")
    actions.do_add_label(conversation, world.billing, actor=world.bob)
    drain()
    assert RuleRun.objects.filter(rule=remove).count() == 11
    assert RuleRun.objects.filter(rule=add).count() == 10
    last = RuleRun.objects.filter(rule=remove).order_by("-id").first()
    assert (
        last is not None
        and last.done == []
        and last.errors == ["loop guard: ran 10 times in an hour"]
    )


def test_saving_rules_is_for_managers_and_checks_what_it_names(world):
    with pytest.raises(NotAllowed):
        actions.do_save_rule(
            None,
            inbox=world.support,
            name="By Bob",
            trigger="message.received",
            conditions=None,
            actions=[{"kind": "unassign"}],
            actor=world.bob,
        )
    with pytest.raises(ValidationError) as caught:
        make_rule(world, steps=[{"kind": "add_label", "label": 9999}])
    assert caught.value.message_dict == {"label": ["No such label: [9999]"]}
    rule = make_rule(world, steps=[{"kind": "unassign"}])
    assert LoggedEvent.objects.filter(type="rule.created").last().data == {
        "rule": rule.pk,
        "name": "Refunds to billing",
        "enabled": True,
    }
    actions.do_delete_rule(rule, actor=world.alice)
    assert not Rule.objects.filter(pk=rule.pk).exists()


def test_a_workspace_rule_needs_manage_on_every_inbox(world):
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.MANAGE, actor=world.alice
    )
    with pytest.raises(NotAllowed):
        actions.do_save_rule(
            None,
            inbox=None,
            name="Everywhere",
            trigger="message.received",
            conditions=None,
            actions=[{"kind": "unassign"}],
            actor=world.bob,
        )
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Support only",
        trigger="message.received",
        conditions=None,
        actions=[{"kind": "unassign"}],
        actor=world.bob,
    )
    assert rule.created_by == world.bob


def test_the_run_happens_once_even_when_the_event_is_handled_again(world):
    from postroom.automation.reactor import handle

    rule = make_rule(world, steps=[{"kind": "add_note", "body": "once"}])
    conversation = receive(world, "Refund please")
    event = LoggedEvent.objects.get(type="message.received", conversation_id=conversation.pk)
    handle(event)
    assert RuleRun.objects.filter(rule=rule).count() == 1
    assert Note.objects.filter(conversation=conversation).count() == 1


def test_time_conditions_use_the_event_time(world):
    make_rule(
        world,
        conditions={
            "match": "all",
            "conditions": [{"field": "time", "operator": "between", "value": "18:00-08:00"}],
        },
        steps=[{"kind": "add_label", "label": world.billing.pk}],
    )
    clock.freeze(clock.now().replace(hour=23, minute=15))
    late = receive(world, "Late")
    clock.freeze(clock.now().replace(hour=11))
    day = receive(world, "Day")
    assert (labels_of(late), labels_of(day)) == (["Billing"], [])


def test_a_rule_turned_on_acts_only_on_what_happens_afterwards(world):
    rule = make_rule(world, enabled=False, steps=[{"kind": "set_priority", "priority": 3}])
    before = actions.do_receive_message(
        world.support, actions.InboundMessage(sender="vera@bigco.test", subject="Refund 1")
    )
    clock.freeze(clock.now() + timedelta(seconds=1))
    actions.do_save_rule(
        rule,
        inbox=world.support,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions,
        enabled=True,
        actor=world.alice,
    )
    clock.freeze(clock.now() + timedelta(seconds=1))
    after = receive(world, "Refund 2")  # the reactor catches up on both only now
    assert RuleRun.objects.get().conversation == after
    assert Conversation.objects.get(pk=before.conversation_id).priority == Priority.NORMAL


def test_a_rule_moves_mail_to_another_inbox_only_if_its_author_manages_both(world):
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.MANAGE, actor=world.alice
    )
    move = {"kind": "move", "inbox": world.sales.pk}
    with pytest.raises(NotAllowed):
        actions.do_save_rule(
            None,
            inbox=world.support,
            name="To sales",
            trigger="message.received",
            conditions=None,
            actions=[move],
            actor=world.bob,
        )
    rule = make_rule(
        world,
        name="Quotes to sales",
        conditions={
            "match": "all",
            "conditions": [{"field": "subject", "operator": "contains", "value": "quote"}],
        },
        steps=[move],
    )
    conversation = receive(world, "Quote for 20 seats")
    assert conversation.inbox == world.sales
    assert RuleRun.objects.get(rule=rule).done == ["move to Sales"]


def test_inside_business_hours_and_the_notify_step(world):
    from datetime import UTC, datetime

    from postroom.notifications.models import Notification
    from postroom.schedules.hours import parse_spans

    actions.do_set_business_hours(
        world.support,
        time_zone="UTC",
        week=[parse_spans("09:00-17:00")] * 5 + [[], []],
        actor=world.alice,
    )
    make_rule(
        world,
        name="After hours",
        conditions={
            "match": "all",
            "conditions": [{"field": "business_hours", "operator": "is", "value": False}],
        },
        steps=[
            {"kind": "notify", "user": world.bob.pk, "body": "After hours: {{ contact.email }}"}
        ],
    )
    clock.freeze(datetime(2026, 12, 5, 11, 0, tzinfo=UTC))  # a Saturday
    weekend = receive(world, "Saturday question")
    clock.freeze(datetime(2026, 12, 7, 11, 0, tzinfo=UTC))  # Monday, open
    receive(world, "Monday question")
    notices = Notification.objects.filter(user=world.bob, kind="notice")
    assert list(notices.values_list("conversation_id", "text")) == [
        (weekend.pk, "After hours: vera@bigco.test")
    ]
    # Charlie cannot see Support: a notify step naming him is refused, and noted.
    rule = make_rule(
        world,
        name="Tell Charlie",
        conditions={"match": "all", "conditions": []},
        steps=[{"kind": "notify", "user": world.charlie.pk, "body": "x"}],
    )
    receive(world, "Another")
    run = RuleRun.objects.get(rule=rule)
    assert run.errors == ["notify Charlie: Charlie cannot see this conversation."]


def test_the_follow_step_only_for_people_who_can_see_it(world):
    from postroom.notifications.models import Follower

    rule = make_rule(
        world,
        steps=[
            {"kind": "follow", "user": world.bob.pk},
            {"kind": "follow", "user": world.charlie.pk},  # no access to Support
        ],
    )
    conversation = receive(world, "Refund please")
    followers = Follower.objects.filter(conversation=conversation)
    assert list(followers.values_list("user__name", flat=True)) == ["Bob"]
    run = RuleRun.objects.get(rule=rule)
    assert run.done == ["Bob follows it"]
    assert run.errors == ["Charlie follows it: Charlie cannot see this conversation."]


def test_the_add_task_step_gives_a_person_a_task_on_it(world):
    from postroom.inbox.models import Task

    rule = make_rule(
        world,
        steps=[
            {"kind": "add_task", "user": world.bob.pk, "title": "Refund {{ contact.name }}"},
            {"kind": "add_task", "user": world.charlie.pk, "title": "Check the bank"},
        ],
    )
    conversation = receive(world, "Refund please")
    tasks = Task.objects.filter(conversation=conversation)
    assert list(tasks.values_list("title", "assignee__name", "done_at")) == [
        ("Refund Vera", "Bob", None)
    ]
    run = RuleRun.objects.get(rule=rule)
    assert run.done == ["add a task for Bob: “Refund {{ contact.name }}”"]
    assert len(run.errors) == 1 and run.errors[0].startswith("add a task for Charlie: “Check")
    event = LoggedEvent.objects.get(type="task.added")
    assert (event.actor_kind, event.actor_id) == ("rule", rule.pk)
