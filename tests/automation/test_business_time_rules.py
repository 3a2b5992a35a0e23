"""Time-based rules counted in business hours: the exact moment they fire across a
weekend, a public holiday, the clock changes and another time zone, and that nothing is
marked as looked at before its business time has come."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from postroom.automation import timers
from postroom.automation.models import RuleRun
from postroom.automation.reactor import run_time_rules
from postroom.core import clock
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Priority
from postroom.schedules.hours import parse_spans

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def nine_to_five(world, inbox, zone: str, country: str) -> None:
    actions.do_set_business_hours(
        inbox,
        time_zone=zone,
        week=[parse_spans("09:00-17:00")] * 5 + [[], []],
        country=country,
        actor=world.alice,
    )


@pytest.fixture
def amsterdam(world):
    nine_to_five(world, world.support, "Europe/Amsterdam", "NL")


def business_rule(world, inbox, minutes: int = 120, trigger: str = "after.customer_message"):
    return actions.do_save_rule(
        None,
        inbox=inbox,
        name="Two business hours",
        trigger=trigger,
        after_minutes=minutes,
        business_hours=True,
        conditions=None,
        actions=[{"kind": "set_priority", "priority": Priority.URGENT}],
        enabled=True,
        actor=world.alice,
    )


def receive(inbox, subject: str = "Help") -> Conversation:
    message = actions.do_receive_message(
        inbox, actions.InboundMessage(sender="vera@bigco.test", subject=subject, text="Hello?")
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def fires_first_at(rule, conversation, moments: list[datetime]) -> datetime | None:
    """Runs the job at each moment in turn; the first at which the conversation's run
    exists (and none before it: not even a non-matching one)."""
    for moment in moments:
        clock.freeze(moment)
        run_time_rules()
        if RuleRun.objects.filter(rule=rule, conversation=conversation).exists():
            return moment
    return None


def minutes_from(start: datetime, end: datetime) -> list[datetime]:
    found, moment = [], start
    while moment <= end:
        found.append(moment)
        moment += timedelta(minutes=1)
    return found


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Friday 16:30, two open hours: half an hour on Friday, 90 minutes on Monday.
        (at(AMSTERDAM, 2026, 12, 11, 16, 30), at(AMSTERDAM, 2026, 12, 14, 10, 30)),
        # King's Day, Monday 27 April 2026, is a public holiday: Tuesday.
        (at(AMSTERDAM, 2026, 4, 24, 16, 30), at(AMSTERDAM, 2026, 4, 28, 10, 30)),
        # Summer time began on Sunday 29 March: still 10:30 on the wall clock on Monday.
        (at(AMSTERDAM, 2026, 3, 27, 16, 30), at(AMSTERDAM, 2026, 3, 30, 10, 30)),
        # And ended on Sunday 25 October.
        (at(AMSTERDAM, 2026, 10, 23, 16, 30), at(AMSTERDAM, 2026, 10, 26, 10, 30)),
    ],
)
def test_two_business_hours_after_a_friday_afternoon_message(world, amsterdam, sent, due):
    clock.freeze(sent - timedelta(minutes=5))
    rule = business_rule(world, world.support)
    clock.freeze(sent)
    conversation = receive(world.support)
    # Every half hour from then on until a minute before, then minute by minute.
    moments = [
        sent + timedelta(minutes=30 * n) for n in range(int((due - sent) / timedelta(minutes=30)))
    ]
    assert fires_first_at(rule, conversation, moments) is None
    assert RuleRun.objects.filter(rule=rule).count() == 0  # nothing marked as looked at
    fired = fires_first_at(rule, conversation, minutes_from(due - timedelta(minutes=3), due))
    assert fired == due
    assert RuleRun.objects.filter(rule=rule, matched=True).count() == 1
    assert Conversation.objects.get(pk=conversation.pk).priority == Priority.URGENT
    clock.freeze(due + timedelta(days=1))
    assert run_time_rules() == 0  # once


def test_each_conversation_counts_in_its_own_inboxs_time_zone(world, amsterdam):
    nine_to_five(world, world.sales, "America/New_York", "US")
    sent = at(AMSTERDAM, 2026, 12, 11, 16, 30)  # 10:30 in New York
    clock.freeze(sent - timedelta(minutes=5))
    rule = business_rule(world, None)
    clock.freeze(sent)
    here, there = receive(world.support), receive(world.sales)
    # New York is open until 17:00 its time: due at 12:30 there, Friday 18:30 here.
    assert fires_first_at(rule, there, minutes_from(sent, at(NEW_YORK, 2026, 12, 11, 12, 30))) == (
        at(NEW_YORK, 2026, 12, 11, 12, 30)
    )
    assert not RuleRun.objects.filter(rule=rule, conversation=here).exists()
    assert fires_first_at(rule, here, [at(AMSTERDAM, 2026, 12, 14, 10, 29)]) is None
    assert fires_first_at(rule, here, [at(AMSTERDAM, 2026, 12, 14, 10, 30)]) is not None


def test_an_inbox_without_business_hours_counts_calendar_time(world, amsterdam):
    sent = at(AMSTERDAM, 2026, 12, 11, 16, 30)
    clock.freeze(sent - timedelta(minutes=5))
    rule = business_rule(world, world.sales)
    clock.freeze(sent)
    conversation = receive(world.sales)
    fired = fires_first_at(
        rule,
        conversation,
        minutes_from(sent + timedelta(minutes=118), sent + timedelta(minutes=121)),
    )
    assert fired == sent + timedelta(minutes=120)


def test_a_full_batch_of_moments_not_yet_due_cannot_hold_up_a_due_one(
    world, amsterdam, monkeypatch
):
    monkeypatch.setattr(timers, "BATCH", 2)
    sent = at(AMSTERDAM, 2026, 12, 11, 16, 30)
    clock.freeze(sent - timedelta(minutes=5))
    rule = business_rule(world, None)
    clock.freeze(sent)
    waiting = [receive(world.support, subject=f"Closed now {n}") for n in range(3)]  # older ids
    clock.freeze(sent + timedelta(minutes=1))
    due = receive(world.sales)  # no business hours: calendar time
    clock.freeze(sent + timedelta(minutes=121))
    assert run_time_rules() == 1
    assert list(RuleRun.objects.filter(rule=rule).values_list("conversation_id", flat=True)) == [
        due.pk
    ]
    assert not RuleRun.objects.filter(conversation__in=waiting).exists()


def test_a_calendar_time_rule_ignores_business_hours(world, amsterdam):
    sent = at(AMSTERDAM, 2026, 12, 11, 16, 30)
    clock.freeze(sent - timedelta(minutes=5))
    rule = business_rule(world, world.support)
    rule = actions.do_save_rule(
        rule,
        inbox=world.support,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions,
        enabled=True,
        after_minutes=120,
        actor=world.alice,
    )
    assert rule.business_hours is False
    clock.freeze(sent)
    conversation = receive(world.support)
    assert fires_first_at(rule, conversation, [sent + timedelta(minutes=120)]) == sent + timedelta(
        minutes=120
    )


def test_business_hours_mean_nothing_for_an_event_trigger(world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="On mail",
        trigger="message.received",
        business_hours=True,
        conditions=None,
        actions=[{"kind": "set_priority", "priority": Priority.URGENT}],
        actor=world.alice,
    )
    assert (rule.business_hours, rule.after_minutes, rule.sla_target) == (False, None, "")
