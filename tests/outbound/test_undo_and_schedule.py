"""Undo and send later are delays on the outbox: the clock decides, never a sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions import NewAttachment
from postroom.inbox.actions.delivery import claim
from postroom.inbox.actions.outbox import do_cancel_send, do_send_now
from postroom.inbox.actions.sending import do_configure_outbound
from postroom.inbox.models import AccessLevel, Activity, Conversation, DeliveryStatus, Message
from postroom.outbound.loop import deliver_due
from postroom.outbound.models import Draft, OutboxItem
from tests.outbound.conftest import advance, send_due


def test_a_reply_waits_for_the_undo_delay(world, peer, frozen):
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)

    assert send_due(after=9) == 0
    assert send_due(after=1) == 1
    assert len(peer.received) == 1


def test_the_delay_is_configurable_per_inbox(world, peer, frozen, settings):
    settings.POSTROOM_UNDO_SEND_SECONDS = 10
    do_configure_outbound(world.support, undo_seconds=30, actor=world.alice)
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)

    assert send_due(after=29) == 0
    assert send_due(after=1) == 1


def test_undo_within_the_delay_sends_nothing_and_brings_the_draft_back(world, peer, frozen):
    reply = actions.do_reply(
        world.bob_conversation,
        "Fixed, *sorry*!",
        cc=["accounts@customer.test"],
        attachments=[NewAttachment("fixed.pdf", "application/pdf", b"%PDF fixed")],
        actor=world.bob,
    )
    advance(5)

    draft = do_cancel_send(reply, actor=world.bob)
    send_due(after=60)

    assert peer.received == []
    assert not Message.objects.filter(pk=reply.pk).exists()
    assert (draft.body, draft.to, draft.cc) == (
        "Fixed, *sorry*!",
        ["carol@customer.test"],
        ["accounts@customer.test"],
    )
    assert [a["filename"] for a in draft.attachments] == ["fixed.pdf"]
    assert draft.conversation_id == world.bob_conversation.pk
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.message_count == 1
    assert world.bob_conversation.preview.startswith("Hello, my invoice")
    assert Activity.objects.filter(verb="message.unsent", conversation=world.bob_conversation)


def test_sending_again_consumes_the_draft(world, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    do_cancel_send(reply, actor=world.bob)
    assert Draft.objects.filter(author=world.bob).count() == 1

    actions.do_reply(world.bob_conversation, "Fixed, finally.", actor=world.bob)

    assert not Draft.objects.filter(author=world.bob).exists()


def test_undo_is_refused_once_the_outbox_took_it(world, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    item = OutboxItem.objects.get(message=reply)
    claim(item.pk, advance(11))

    with pytest.raises(ValidationError) as exc:
        do_cancel_send(reply, actor=world.bob)

    assert "Too late" in exc.value.messages[0]
    assert Message.objects.filter(pk=reply.pk).exists()


def test_only_the_author_or_a_manager_may_undo(world, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    carl = actions.do_create_user(
        email="carl@example.test", name="Carl", password="x" * 12, actor=world.alice
    )
    actions.do_grant_access(world.support, user=carl, level=AccessLevel.SEND_AS, actor=world.alice)

    with pytest.raises(PermissionDenied):
        do_cancel_send(reply, actor=carl)
    do_cancel_send(reply, actor=world.alice)  # the owner manages every inbox


def test_undoing_a_new_conversation_removes_it_and_keeps_the_draft(world, frozen):
    first = actions.do_start_conversation(
        world.support,
        to=["newcustomer@prospect.test"],
        subject="Your trial",
        body="How is it going?",
        actor=world.bob,
    )

    draft = do_cancel_send(first, actor=world.bob)

    assert not Conversation.objects.filter(pk=first.conversation_id).exists()
    assert (draft.conversation_id, draft.inbox_id) == (None, world.support.pk)
    assert (draft.subject, draft.body) == ("Your trial", "How is it going?")


def test_send_later_sends_at_the_time(world, peer, frozen):
    at = clock.now() + timedelta(hours=3)
    reply = actions.do_reply(world.bob_conversation, "Good morning!", send_at=at, actor=world.bob)
    item = OutboxItem.objects.get(message=reply)
    assert item.scheduled and item.due_at == at

    assert send_due(after=3 * 3600 - 1) == 0
    assert peer.received == []
    assert send_due(after=1) == 1

    mail = peer.received[0].message
    assert mail["Date"].datetime == at  # the Date is when it went out
    assert Activity.objects.get(verb="message.replied").data["send_at"] == at.isoformat()


def test_a_scheduled_message_can_be_sent_now_or_cancelled(world, peer, frozen):
    later = clock.now() + timedelta(days=1)
    first = actions.do_reply(world.bob_conversation, "One.", send_at=later, actor=world.bob)
    second = actions.do_reply(world.bob_conversation, "Two.", send_at=later, actor=world.bob)

    do_send_now(first, actor=world.bob)
    deliver_due()
    do_cancel_send(second, actor=world.bob)
    send_due(after=2 * 86400)

    assert [r.message["Subject"] for r in peer.received] == ["Re: Broken invoice"]
    first.refresh_from_db()
    assert first.delivery_status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (lambda now: now - timedelta(minutes=1), "Pick a time in the future."),
        (lambda now: now + timedelta(days=400), "Pick a time within a year."),
        (lambda now: now.replace(tzinfo=None) + timedelta(hours=1), "The time needs a time zone."),
    ],
)
def test_send_later_times_are_checked(world, frozen, moment, message):
    with pytest.raises(ValidationError) as exc:
        actions.do_reply(world.bob_conversation, "Hi", send_at=moment(clock.now()), actor=world.bob)
    assert exc.value.message_dict == {"send_at": [message]}
    assert not Message.objects.filter(direction="out").exists()


def test_undo_emits_its_event_for_the_inbox(world, frozen, django_capture_on_commit_callbacks):
    from postroom.inbox.events import subscribe

    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    pk = reply.pk
    seen = []
    unsubscribe = subscribe(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            do_cancel_send(reply, actor=world.bob)
    finally:
        unsubscribe()

    assert [(e.type, e.data["message"], e.inbox_id) for e in seen] == [
        ("message.unsent", pk, world.support.pk)
    ]
