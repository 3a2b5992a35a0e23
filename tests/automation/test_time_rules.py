"""Time-based rules: some time after a moment, if it still holds then; once per moment,
and never on history from before the rule was turned on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from postroom.automation.models import RuleRun
from postroom.automation.reactor import run_time_rules
from postroom.core import clock
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Priority, Status


@pytest.fixture
def now(world):
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment)
    return moment


def later(minutes: float):
    clock.freeze(clock.now() + timedelta(minutes=minutes))


def time_rule(world, trigger: str, minutes: int, steps=None, conditions=None):
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name=f"{trigger} {minutes}",
        trigger=trigger,
        after_minutes=minutes,
        conditions=conditions,
        actions=steps or [{"kind": "set_priority", "priority": Priority.URGENT}],
        enabled=True,
        actor=world.alice,
    )


def receive(world, conversation=None, subject="Help", text="Hello?"):
    message = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="vera@bigco.test", subject=subject, text=text),
        conversation=conversation,
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def test_waiting_on_us_for_two_hours_escalates_once_and_a_reply_stops_it(world, now):
    rule = time_rule(world, "after.waiting_on_us", 120)
    later(1)
    waiting = receive(world, subject="No answer yet")
    answered = receive(world, subject="Answered")
    actions.do_reply(answered, "On it", actor=world.bob)
    later(119)
    assert run_time_rules() == 0  # not two hours yet
    later(1)
    assert run_time_rules() == 1
    assert Conversation.objects.get(pk=waiting.pk).priority == Priority.URGENT
    assert Conversation.objects.get(pk=answered.pk).priority == Priority.NORMAL
    later(10)
    assert run_time_rules() == 0  # once per customer message
    assert RuleRun.objects.filter(rule=rule, matched=True).count() == 1
    # The world's conversations came before the rule was on: left alone.
    assert Conversation.objects.get(pk=world.bob_conversation.pk).priority == Priority.NORMAL


def test_a_newer_customer_message_restarts_the_clock(world, now):
    time_rule(world, "after.customer_message", 60)
    later(1)
    conversation = receive(world)
    later(50)
    receive(world, conversation=conversation, text="Still there?")
    later(20)
    assert run_time_rules() == 0  # 70 minutes after the first, 20 after the latest
    later(40)
    assert run_time_rules() == 1


def test_pending_for_a_day_closes_and_created_for_an_hour_labels(world, now):
    time_rule(world, "after.pending", 1440, steps=[{"kind": "set_status", "status": "closed"}])
    time_rule(
        world,
        "after.created",
        60,
        steps=[{"kind": "add_label", "label": world.billing.pk}],
        conditions={
            "match": "all",
            "conditions": [{"field": "subject", "operator": "contains", "value": "invoice"}],
        },
    )
    later(1)
    invoice = receive(world, subject="Invoice question")
    other = receive(world, subject="Other question")
    actions.do_change_status(invoice, Status.PENDING, actor=world.bob)
    later(60)
    assert run_time_rules() == 1  # the label; the other conversation did not match
    assert list(Conversation.objects.get(pk=invoice.pk).labels.values_list("name", flat=True)) == [
        "Billing"
    ]
    assert RuleRun.objects.filter(conversation=other, matched=False).count() == 1
    later(1440)
    assert run_time_rules() == 1
    assert Conversation.objects.get(pk=invoice.pk).status == Status.CLOSED


def test_a_time_trigger_needs_its_minutes(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        time_rule(world, "after.pending", 0)
    assert list(caught.value.message_dict) == ["after_minutes"]


def test_a_time_rule_asks_the_language_of_the_message(world, now):
    dutch = {"field": "language", "operator": "is", "value": "nl"}
    time_rule(
        world, "after.customer_message", 30, conditions={"match": "all", "conditions": [dutch]}
    )
    later(1)
    nl = receive(
        world,
        subject="Factuur",
        text="Goedemorgen, ik heb mijn factuur nog niet ontvangen. Kunt u die opnieuw sturen?",
    )
    en = receive(
        world,
        subject="Invoice",
        text="Good morning, I have not received my invoice yet. Could you send it again?",
    )
    later(30)
    assert run_time_rules() == 1
    assert Conversation.objects.get(pk=nl.pk).priority == Priority.URGENT
    assert Conversation.objects.get(pk=en.pk).priority == Priority.NORMAL
