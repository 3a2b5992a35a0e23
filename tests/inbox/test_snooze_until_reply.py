"""Snoozed until the customer replies: no wake time, so the wake-up job never sees it; a
real reply wakes it, one that only says thanks does not; reachable from the conversation
page, rules and macros, and shown as "until reply" where a wake time would be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from postroom.automation import vocabulary
from postroom.automation.models import RuleRun
from postroom.automation.reactor import run_time_rules
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, Status


def reply(world, conversation, text: str) -> None:
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Re: Broken invoice", text=text
        ),
        conversation=conversation,
    )


def status_of(conversation) -> tuple[str, object]:
    fresh = Conversation.objects.get(pk=conversation.pk)
    return fresh.status, fresh.snoozed_until


def test_only_a_real_reply_wakes_it_not_thanks_nor_the_timer(world):
    conversation = world.bob_conversation
    actions.do_snooze(conversation, None, actor=world.bob)
    assert status_of(conversation) == (Status.SNOOZED, None)
    assert actions.do_wake_snoozed(clock.now() + timedelta(days=3650)) == 0
    reply(world, conversation, "Thank you so much!\n\nCarol")
    assert status_of(conversation) == (Status.SNOOZED, None)
    reply(world, conversation, "Actually the total is still wrong.")
    assert status_of(conversation) == (Status.OPEN, None)
    last = LoggedEvent.objects.filter(type="conversation.status", conversation_id=conversation.pk)
    assert last.last().data == {"from": "snoozed", "to": "open", "reason": "customer replied"}


def test_the_conversation_page_offers_until_they_reply(world, client_for):
    bob = client_for(world.bob)
    page = bob.get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert 'value="reply"><button data-snooze="reply"' in page
    bob.post(f"/c/{world.bob_conversation.pk}/", {"action": "snooze", "until": "reply"})
    assert status_of(world.bob_conversation) == (Status.SNOOZED, None)
    activity = Activity.objects.get(verb="conversation.snoozed")
    assert (activity.actor_id, activity.data) == (
        world.bob.pk,
        {"from": "open", "to": "snoozed", "until_reply": True},
    )
    page = bob.get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert page.count("until the customer replies") == 2  # the status line and the activity
    listing = bob.get("/inbox/support/?view=snoozed").content.decode()
    assert listing.count('<span class="wakes">until reply</span>') == 1


def test_a_rule_step_snoozes_until_the_reply_and_timed_snoozes_stay_valid(world):
    assert vocabulary.clean_steps([{"kind": "snooze", "until": "reply"}]) == [
        {"kind": "snooze", "until": "reply"}
    ]
    assert vocabulary.clean_steps([{"kind": "snooze", "hours": 4}]) == [
        {"kind": "snooze", "hours": 4}
    ]
    for wrong in (
        {"kind": "snooze", "until": "later"},
        {"kind": "snooze", "until": "reply", "hours": 4},
    ):
        with pytest.raises(ValidationError) as raised:
            vocabulary.clean_steps([wrong])
        assert list(raised.value.message_dict) == ["actions.0.until"]
    now = clock.now().replace(microsecond=0)
    clock.freeze(now)
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Park it",
        trigger="after.customer_message",
        after_minutes=10,
        conditions=None,
        actions=[{"kind": "snooze", "until": "reply"}],
        enabled=True,
        actor=world.alice,
    )
    clock.freeze(now + timedelta(minutes=1))
    reply(world, world.bob_conversation, "Any news?")
    drain()
    clock.freeze(now + timedelta(minutes=11))
    assert run_time_rules() == 1
    run = RuleRun.objects.get(rule=rule)
    assert run.done == ["snooze until the customer replies"]
    assert status_of(world.bob_conversation) == (Status.SNOOZED, None)


def test_the_rule_editor_saves_the_until_reply_step(world, client_for):
    alice = client_for(world.alice)
    alice.post(
        "/admin/inboxes/support/rules/new/",
        {
            "name": "Park",
            "trigger": "message.received",
            "s0-kind": "snooze_until_reply",
            "s0-value": "",
        },
    )
    rule = world.support.rules.get(name="Park")
    assert rule.actions == [{"kind": "snooze", "until": "reply"}]
    page = alice.get(f"/admin/inboxes/support/rules/{rule.pk}/").content.decode()
    assert '<option value="snooze_until_reply" data-kind="" selected' in page
