"""A reply that only says thanks does not reopen a closed or snoozed conversation
(unless the inbox says it should); anything more does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.core.thanks import only_thanks
from postroom.events.models import LoggedEvent
from postroom.inbox import actions
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import Status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!", True),
        ("Thank you so much for your help!\n\nBest regards,\nCarol Customer", True),
        ("ok thanks 👍", True),
        ("Dank je wel!", True),
        ("Hartelijk dank, groeten Piet", True),
        ("Grazie mille!", True),
        ("Vielen Dank!", True),
        ("Merci beaucoup", True),
        ("Muchas gracias por todo", True),
        ("谢谢！", True),
        ("非常感谢", True),
        ("ありがとうございます", True),
        ("Thanks, but it still does not work", False),
        ("Thanks, not working", False),
        ("Grazie, ma non funziona", False),
        ("Bedankt, maar de factuur klopt niet", False),
        ("Thanks. Can you also send the invoice?", False),
        ("Thanks for the quick reply, I will try it tomorrow and let you know", False),
        ("谢谢，但是发票还是错的", False),
        ("Hello", False),
        ("", False),
    ],
)
def test_what_counts_as_only_thanks(text, expected):
    assert only_thanks(text) is expected


def reply(world, conversation, text: str):
    return actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Re: Broken invoice", text=text
        ),
        conversation=conversation,
    )


@pytest.mark.parametrize("status", [Status.CLOSED, Status.SNOOZED])
def test_thanks_keeps_it_closed_or_snoozed_and_more_reopens_it(world, status):
    conversation = world.bob_conversation
    if status == Status.SNOOZED:
        actions.do_snooze(conversation, clock.now() + timedelta(days=1), actor=world.bob)
    else:
        actions.do_change_status(conversation, status, actor=world.bob)
    reply(world, conversation, "Thank you so much!\n\nCarol")
    conversation.refresh_from_db()
    assert conversation.status == status
    assert conversation.messages.count() == 2  # the thanks is kept, just not reopening
    reply(world, conversation, "Actually the total is still wrong.")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    reopened = LoggedEvent.objects.filter(
        type="conversation.status", conversation_id=conversation.pk
    )
    assert reopened.last().data == {"from": status, "to": "open", "reason": "customer replied"}


def test_pending_reopens_even_on_thanks_and_the_inbox_can_reopen_on_thanks(world):
    conversation = world.bob_conversation
    actions.do_change_status(conversation, Status.PENDING, actor=world.bob)
    reply(world, conversation, "Thanks!")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    do_set_reply_rules(world.support, reopen_on_thanks=True, actor=world.alice)
    actions.do_change_status(conversation, Status.CLOSED, actor=world.bob)
    reply(world, conversation, "Thanks!")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
