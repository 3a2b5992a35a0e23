"""Follow-up reminders: "remind me in 3 days if there is no reply"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from postroom.automation.models import Reminder
from postroom.core import clock
from postroom.inbox import actions
from postroom.notifications.models import Notification


@pytest.fixture
def frozen(world):
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment)
    return moment


def customer_writes(world, text="Any news?"):
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Re: Broken invoice", text=text
        ),
        conversation=world.bob_conversation,
    )


def test_no_reply_in_three_days_notifies_and_a_reply_cancels_it_quietly(world, frozen):
    quiet = actions.do_set_reminder(
        world.bob_conversation, frozen + timedelta(days=3), actor=world.bob
    )
    anyway = actions.do_set_reminder(
        world.bob_conversation, frozen + timedelta(days=3), unless_replied=False, actor=world.alice
    )
    clock.freeze(frozen + timedelta(days=2, hours=23))
    assert actions.do_fire_reminders() == 0  # not due yet
    clock.freeze(frozen + timedelta(days=3))
    assert actions.do_fire_reminders() == 2
    assert sorted(
        Notification.objects.filter(kind="reminder").values_list("user__name", "text")
    ) == [
        ("Alice", "No reply yet on “Broken invoice”"),
        ("Bob", "No reply yet on “Broken invoice”"),
    ]
    quiet.refresh_from_db()
    anyway.refresh_from_db()
    assert (quiet.outcome, anyway.outcome) == ("reminded", "reminded")
    assert actions.do_fire_reminders() == 0  # each fires once

    again = actions.do_set_reminder(
        world.bob_conversation, clock.now() + timedelta(days=1), actor=world.bob
    )
    customer_writes(world)
    clock.freeze(clock.now() + timedelta(days=1))
    assert actions.do_fire_reminders() == 0
    again.refresh_from_db()
    assert again.outcome == "replied"
    assert Notification.objects.filter(kind="reminder").count() == 2


def test_the_time_must_be_in_the_coming_year(world, frozen):
    for when in (frozen - timedelta(minutes=1), frozen + timedelta(days=400)):
        with pytest.raises(ValidationError) as caught:
            actions.do_set_reminder(world.bob_conversation, when, actor=world.bob)
        assert list(caught.value.message_dict) == ["due_at"]


def test_the_sidebar_sets_lists_and_cancels_ones_own_reminders(world, frozen):
    bob, alice = Client(), Client()
    bob.force_login(world.bob)
    alice.force_login(world.alice)
    page = f"/c/{world.bob_conversation.pk}/"
    response = bob.post(page, {"action": "remind", "in": "7d", "unless_replied": "on"}, follow=True)
    reminder = Reminder.objects.get()
    assert (reminder.user, reminder.due_at, reminder.unless_replied) == (
        world.bob,
        frozen + timedelta(days=7),
        True,
    )
    assert 'data-testid="reminder"' in response.content.decode()
    assert 'data-testid="reminder"' not in alice.get(page).content.decode()  # Bob's own
    refused = alice.post(page, {"action": "cancel_reminder", "reminder": reminder.pk}, follow=True)
    assert "That reminder is not yours." in refused.content.decode()
    bob.post(page, {"action": "cancel_reminder", "reminder": reminder.pk})
    reminder.refresh_from_db()
    assert reminder.outcome == "cancelled"
