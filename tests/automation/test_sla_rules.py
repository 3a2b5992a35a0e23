"""Rules on reply-time targets: some minutes before a target is due, or after it was
missed; once per clock (a next-response clock that starts again fires again), and only
while the target is unmet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from postroom.automation import timers
from postroom.automation.models import RuleRun, SlaClock
from postroom.automation.reactor import run_time_rules
from postroom.core import clock
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Priority
from postroom.schedules.hours import parse_spans

START = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def policy(world):
    clock.freeze(START - timedelta(minutes=10))
    return actions.do_save_sla_policy(
        None,
        inbox=world.support,
        name="Gold",
        first_response_minutes=60,
        next_response_minutes=120,
        business_hours=False,
        actor=world.alice,
    )


def sla_rule(world, trigger: str, minutes: int, target: str = ""):
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name=f"{trigger} {minutes}",
        trigger=trigger,
        after_minutes=minutes,
        sla_target=target,
        conditions=None,
        actions=[{"kind": "set_priority", "priority": Priority.URGENT}],
        enabled=True,
        actor=world.alice,
    )


def receive(world, conversation=None, text="Hello?") -> Conversation:
    message = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="vera@bigco.test", subject="Contract", text=text),
        conversation=conversation,
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def at(minutes: int) -> None:
    clock.freeze(START + timedelta(minutes=minutes))


def test_fifteen_minutes_before_the_first_response_is_due_once(world, policy):
    rule = sla_rule(world, "sla.before_due", 15, "first_response")
    at(0)
    conversation = receive(world)
    first = SlaClock.objects.get(conversation=conversation, target="first_response")
    at(44)
    assert run_time_rules() == 0
    at(45)
    assert run_time_rules() == 1
    run = RuleRun.objects.get(rule=rule)
    assert (run.event, run.conversation_id, run.matched) == (-first.pk, conversation.pk, True)
    assert Conversation.objects.get(pk=conversation.pk).priority == Priority.URGENT
    at(50)
    assert run_time_rules() == 0  # once per clock
    assert RuleRun.objects.filter(rule=rule).count() == 1


def test_a_met_target_does_not_fire(world, policy):
    rule = sla_rule(world, "sla.after_breach", 30)
    at(0)
    conversation = receive(world)
    at(20)
    actions.do_reply(conversation, "On it", actor=world.bob)
    drain()
    at(60 + 31)
    assert run_time_rules() == 0
    assert RuleRun.objects.filter(rule=rule).count() == 0


def test_thirty_minutes_after_a_breach_and_again_for_a_new_next_response_clock(world, policy):
    rule = sla_rule(world, "sla.after_breach", 30, "next_response")
    at(0)
    conversation = receive(world)
    at(5)
    actions.do_reply(conversation, "On it", actor=world.bob)
    drain()
    at(10)
    receive(world, conversation, text="And another thing")  # next response due at 130
    at(159)
    assert run_time_rules() == 0
    at(160)
    assert run_time_rules() == 1
    actions.do_reply(conversation, "Done", actor=world.bob)
    drain()
    at(170)
    receive(world, conversation, text="One more")  # a new clock, due at 290
    at(319)
    assert run_time_rules() == 0
    at(320)
    assert run_time_rules() == 1
    clocks = SlaClock.objects.filter(conversation=conversation, target="next_response")
    assert sorted(RuleRun.objects.filter(rule=rule).values_list("event", flat=True)) == sorted(
        -c.pk for c in clocks
    )
    assert timers.due_clocks(rule, clock.now()) == []


def test_any_target_fires_for_each_of_them(world, policy):
    rule = sla_rule(world, "sla.before_due", 60)
    at(0)
    conversation = receive(world)
    receive(world, conversation, text="Still there?")  # first response runs: no next one
    at(1)
    assert run_time_rules() == 1  # first response due at 60: within the hour
    assert RuleRun.objects.filter(rule=rule).count() == 1


def test_sla_rules_cannot_be_dry_run(world, policy):
    from django.core.exceptions import ValidationError

    from postroom.automation.engine import dry_run

    rule = sla_rule(world, "sla.before_due", 15)
    with pytest.raises(ValidationError) as raised:
        dry_run(rule, days=7)
    assert raised.value.message_dict == {
        "trigger": ["A time-based rule cannot be dry-run: its moments are not in the event log."]
    }


def test_an_unknown_target_is_refused(world, policy):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        sla_rule(world, "sla.before_due", 15, "lunch")
    assert list(raised.value.message_dict) == ["sla_target"]


def test_before_due_in_business_hours_counts_the_open_minutes_left(world):
    amsterdam = ZoneInfo("Europe/Amsterdam")
    friday = datetime(2026, 12, 11, 16, 30, tzinfo=amsterdam)
    clock.freeze(friday - timedelta(minutes=10))
    actions.do_set_business_hours(
        world.support,
        time_zone="Europe/Amsterdam",
        week=[parse_spans("09:00-17:00")] * 5 + [[], []],
        country="NL",
        actor=world.alice,
    )
    actions.do_save_sla_policy(
        None, inbox=world.support, name="Gold", first_response_minutes=60, actor=world.alice
    )
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="45 open minutes left",
        trigger="sla.before_due",
        after_minutes=45,
        business_hours=True,
        conditions=None,
        actions=[{"kind": "set_priority", "priority": Priority.URGENT}],
        enabled=True,
        actor=world.alice,
    )
    clock.freeze(friday)
    receive(world)  # due on Monday at 09:30: 30 open minutes on Friday, 30 on Monday
    clock.freeze(friday + timedelta(minutes=14))
    assert run_time_rules() == 0
    clock.freeze(friday + timedelta(minutes=15))  # 16:45: 15 + 30 open minutes left
    assert run_time_rules() == 1
    assert RuleRun.objects.filter(rule=rule, matched=True).count() == 1
