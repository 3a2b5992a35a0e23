"""Outbound mail: replies, forwards and new conversations, queued in the outbox; their
delivery state; undo (cancel), retry and send now. See docs/outbound.md."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404, HttpRequest
from ninja import Router, Status

from postroom.accounts.models import User
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES, invalid
from postroom.api.present import message_out
from postroom.api.schemas import (
    AttachmentIn,
    DeliveryOut,
    DraftOut,
    EmptyIn,
    ForwardIn,
    HeldOut,
    Id,
    NewConversationIn,
    OutboundMessageOut,
    ReplyIn,
)
from postroom.inbox import actions
from postroom.inbox.access import access_conversation, access_inbox, access_message
from postroom.inbox.actions.collision import Seen
from postroom.inbox.actions.outbox import do_cancel_send, do_retry_send, do_send_now
from postroom.inbox.models import Direction, Inbox, Message
from postroom.outbound.mime import payload_of
from postroom.outbound.queries import deliveries

router = Router(tags=["replies"])
RESPONSES = {201: OutboundMessageOut, 409: HeldOut, **ACTION_RESPONSES}


def files_of(items: list[AttachmentIn], field: str = "attachments") -> list[actions.NewAttachment]:
    """The files of a body's ``field`` (base64); one that does not decode is a 422."""
    files = []
    for item in items:
        try:
            payload = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid("body", field, f"{item.filename} is not valid base64.") from exc
        files.append(actions.NewAttachment(item.filename, item.content_type, payload))
    return files


def _out(message_id: int) -> OutboundMessageOut:
    message = (
        Message.objects.select_related("author").prefetch_related("attachments").get(pk=message_id)
    )
    state = deliveries([message.pk]).get(message.pk)
    delivery = None
    if state is not None:
        delivery = DeliveryOut(
            status=state.status,  # type: ignore[arg-type]
            scheduled_for=state.scheduled_for,
            undo_until=state.undo_until,
            attempts=state.attempts,
            last_error=state.last_error,
            next_attempt_at=state.next_attempt_at,
            sent_at=state.sent_at,
            answer=state.answer,
            transport=state.transport,
            bounce_reason=state.bounce_reason,
            bounced_recipients=state.bounced_recipients,
        )
    return OutboundMessageOut(
        **message_out(message).model_dump(),
        conversation_id=message.conversation_id,
        delivery=delivery,
    )


def _outbound(request: HttpRequest, conversation_id: int, message_id: int) -> Message:
    message = access_message(member(request), message_id)
    if message.conversation_id != conversation_id or message.direction != Direction.OUTBOUND:
        raise Http404
    return message


@router.post("/{conversation_id}/replies", response=RESPONSES, summary="Reply")
def reply(
    request: HttpRequest, conversation_id: Id, payload: ReplyIn
) -> Status[OutboundMessageOut]:
    """Reply from the inbox's address (Markdown body), now or at ``send_at``.

    Needs *reply on behalf* or more; a caller who may only view the inbox gets 403. The
    reply waits in the outbox for the inbox's undo delay (see ``delivery.undo_until``).
    Held with 409 when something newer arrived since ``seen_*``: the reply is then kept
    as the caller's draft, as in the web composer.
    """
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    answered = None
    if payload.reply_to_message is not None:
        answered = access_message(user, payload.reply_to_message)
    from_inbox = _reply_inbox(user, payload.inbox)
    message = actions.do_reply(
        conversation,
        payload.body,
        from_inbox=from_inbox,
        to=payload.to,
        cc=payload.cc,
        bcc=payload.bcc,
        attachments=files_of(payload.attachments),
        replying_to=answered,
        reply_all=payload.reply_all,
        quote=payload.quote,
        send_at=payload.send_at,
        seen=(
            Seen(payload.seen_message_id, payload.seen_note_id)
            if payload.seen_message_id is not None and payload.seen_note_id is not None
            else None
        ),
        send_anyway=payload.send_anyway,
        actor=user,
    )
    return Status(201, _out(message.pk))


def _reply_inbox(user: User, slug: str | None) -> Inbox | None:
    """The inbox chosen to reply from; one the caller cannot see is a bad value (422),
    as is one the conversation is not in (the action says so)."""
    if slug is None:
        return None
    try:
        return access_inbox(user, slug)
    except Http404:
        raise invalid("body", "inbox", f"There is no inbox {slug!r}.") from None


@router.post("/{conversation_id}/forwards", response=RESPONSES, summary="Forward")
def forward(
    request: HttpRequest, conversation_id: Id, payload: ForwardIn
) -> Status[OutboundMessageOut]:
    """Forward one message of the conversation; answers to it come back here."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    original = access_message(user, payload.message)
    files = files_of(payload.attachments)
    if payload.include_attachments:
        files = [
            actions.NewAttachment(a.filename, a.content_type, payload_of(a))
            for a in original.attachments.all()
            if not a.inline
        ] + files
    message = actions.do_forward(
        conversation,
        original,
        payload.body,
        to=payload.to,
        cc=payload.cc,
        bcc=payload.bcc,
        attachments=files,
        send_at=payload.send_at,
        actor=user,
    )
    return Status(201, _out(message.pk))


@router.post("/outbound/new", response=RESPONSES, summary="Start a conversation")
def start(request: HttpRequest, payload: NewConversationIn) -> Status[OutboundMessageOut]:
    """Write to a customer first: a new conversation, assigned to the caller, pending."""
    user = member(request)
    inbox = access_inbox(user, payload.inbox)
    message = actions.do_start_conversation(
        inbox,
        to=payload.to,
        cc=payload.cc,
        bcc=payload.bcc,
        subject=payload.subject,
        body=payload.body,
        attachments=files_of(payload.attachments),
        send_at=payload.send_at,
        actor=user,
    )
    return Status(201, _out(message.pk))


@router.get(
    "/{conversation_id}/replies/{message_id}",
    response={200: OutboundMessageOut, **ERROR_RESPONSES},
    summary="Delivery state",
)
def delivery(request: HttpRequest, conversation_id: Id, message_id: Id) -> OutboundMessageOut:
    """One outbound message with its delivery: queued, sending, sent, failed or bounced."""
    return _out(_outbound(request, conversation_id, message_id).pk)


@router.post(
    "/{conversation_id}/replies/{message_id}/cancel",
    response={200: DraftOut, **ACTION_RESPONSES},
    summary="Undo",
)
def cancel(
    request: HttpRequest, conversation_id: Id, message_id: Id, payload: EmptyIn | None = None
) -> DraftOut:
    """Take back a message that has not gone out (undo, scheduled, failed): it is removed
    and its text returned as the caller's draft. 422 once it is being sent or was sent."""
    draft = do_cancel_send(_outbound(request, conversation_id, message_id), actor=member(request))
    return DraftOut(
        conversation_id=draft.conversation_id,
        subject=draft.subject,
        body=draft.body,
        to=draft.to,
        cc=draft.cc,
        bcc=draft.bcc,
        attachments=[a["filename"] for a in draft.attachments],
    )


@router.post(
    "/{conversation_id}/replies/{message_id}/retry",
    response={200: OutboundMessageOut, **ACTION_RESPONSES},
    summary="Retry",
)
def retry(
    request: HttpRequest, conversation_id: Id, message_id: Id, payload: EmptyIn | None = None
) -> OutboundMessageOut:
    """Send a failed message again."""
    message = _outbound(request, conversation_id, message_id)
    do_retry_send(message, actor=member(request))
    return _out(message.pk)


@router.post(
    "/{conversation_id}/replies/{message_id}/send-now",
    response={200: OutboundMessageOut, **ACTION_RESPONSES},
    summary="Send now",
)
def send_now(
    request: HttpRequest, conversation_id: Id, message_id: Id, payload: EmptyIn | None = None
) -> OutboundMessageOut:
    """Send a scheduled message (or one in its undo window) at once."""
    message = _outbound(request, conversation_id, message_id)
    do_send_now(message, actor=member(request))
    return _out(message.pk)
