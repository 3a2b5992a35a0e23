"""What the outbox records as mail goes out: claims, outcomes, bounces, acknowledgements.

These are the system's actions (``actor=SYSTEM``). A claim is only a lock and writes no
activity row; every outcome does. Each transition is a compare-and-set on the outbox
row's state, so a slow worker can never overwrite what another one recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from postroom.automation.models import AutoReplySent, Rule
from postroom.core import clock
from postroom.core.tokens import message_id_for
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import SYSTEM, Actor
from postroom.inbox.events import Event, emit
from postroom.inbox.models import DeliveryStatus, Direction, Message, MessageKind
from postroom.outbound import compose
from postroom.outbound.autoack import reply_refusal
from postroom.outbound.models import AutoAck, ComposeMode, OutboxItem, OutboxState
from postroom.outbound.outbox import Threading, enqueue

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# A row still "sending" after this was abandoned by a worker that died mid-send. Far
# longer than any connection timeout, so a live worker is never second-guessed.
STALE_AFTER = timedelta(minutes=15)


def backoff(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: doubling from the base, at most an hour."""
    base = settings.POSTROOM_OUTBOX_RETRY_SECONDS
    return min(timedelta(seconds=base * 2 ** max(attempt - 1, 0)), MAX_BACKOFF)


def _announce(item: OutboxItem, status: str) -> None:
    conversation = item.message.conversation
    emit(
        Event(
            type="message.delivery",
            inbox_id=conversation.inbox_id,
            conversation_id=conversation.pk,
            data={"message": item.message_id, "status": status},
        ),
        actor=SYSTEM,
    )


def due_ids(now: datetime, limit: int) -> list[int]:
    return list(
        OutboxItem.objects.filter(state=OutboxState.QUEUED, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def claim(item_id: int, now: datetime) -> OutboxItem | None:
    """Move one due row from queued to sending; None if another worker (or an undo) got
    there first. The UPDATE's WHERE is the compare-and-set: on PostgreSQL a concurrent
    claimer waits for the row lock and then finds the state changed; SQLite runs writers
    one at a time."""
    with transaction.atomic():
        won = OutboxItem.objects.filter(
            pk=item_id, state=OutboxState.QUEUED, due_at__lte=now
        ).update(state=OutboxState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if not won:
            return None
        item = OutboxItem.objects.select_related(
            "message__conversation__inbox", "message__author", "inbox"
        ).get(pk=item_id)
        Message.objects.filter(pk=item.message_id).update(delivery_status=DeliveryStatus.SENDING)
        _announce(item, DeliveryStatus.SENDING)
    return item


@transaction.atomic
def do_record_sent(item: OutboxItem, *, answer: str, transport: str) -> bool:
    now = clock.now()
    done = OutboxItem.objects.filter(pk=item.pk, state=OutboxState.SENDING).update(
        state=OutboxState.SENT, sent_at=now, answer=answer[:2000], transport=transport[:200]
    )
    if not done:
        return False
    Message.objects.filter(pk=item.message_id).update(delivery_status=DeliveryStatus.SENT)
    record(
        "message.sent",
        actor=SYSTEM,
        conversation=item.message.conversation,
        target=item.message,
        data={"message": item.message_id, "answer": answer[:300], "via": transport},
    )
    return True


@transaction.atomic
def do_record_failure(item: OutboxItem, *, reason: str, permanent: bool, transport: str) -> str:
    """A failed attempt: retried later with backoff, or failed for good when the error is
    permanent or the attempts are used up. Returns the new state."""
    now = clock.now()
    attempts = item.attempts  # as counted by the claim
    give_up = permanent or attempts >= settings.POSTROOM_OUTBOX_MAX_ATTEMPTS
    state = OutboxState.FAILED if give_up else OutboxState.QUEUED
    due = now if give_up else now + backoff(attempts)
    done = OutboxItem.objects.filter(pk=item.pk, state=OutboxState.SENDING).update(
        state=state, last_error=reason[:2000], due_at=due, transport=transport[:200]
    )
    if not done:
        return OutboxItem.objects.filter(pk=item.pk).values_list("state", flat=True).first() or ""
    status = DeliveryStatus.FAILED if give_up else DeliveryStatus.QUEUED
    Message.objects.filter(pk=item.message_id).update(delivery_status=status)
    data: dict[str, object] = {
        "message": item.message_id,
        "reason": reason[:300],
        "attempts": attempts,
        "permanent": permanent,
    }
    if not give_up:
        data["next_attempt"] = due.isoformat()
    record(
        "message.failed" if give_up else "message.deferred",
        actor=SYSTEM,
        conversation=item.message.conversation,
        target=item.message,
        data=data,
    )
    return state


def recover_stale(now: datetime) -> int:
    """Rows left "sending" by a worker that died: failed, not resent.

    The server may have accepted the message before the worker died, and sending it again
    would duplicate it; an agent decides (Retry) instead.
    """
    count = 0
    for item in OutboxItem.objects.filter(
        state=OutboxState.SENDING, claimed_at__lt=now - STALE_AFTER
    ).select_related("message__conversation__inbox"):
        reason = _("Interrupted while sending; it may have been delivered. Retry to send it again.")
        state = do_record_failure(item, reason=reason, permanent=True, transport=item.transport)
        count += state == OutboxState.FAILED
    return count


@transaction.atomic
def do_mark_bounced(
    message: Message, *, recipients: list[str], reason: str, dsn: Message | None
) -> bool:
    """A delivery status notification says ``message`` did not reach ``recipients``.

    The message counts as bounced when none of its recipients got it (or the report does
    not say who); otherwise it stays sent and the failed addresses are noted on it.
    """
    item = OutboxItem.objects.select_for_update().filter(message=message).first()
    if item is None:
        return False
    wanted = {a.lower() for a in [*message.to, *message.cc, *message.bcc]}
    failed = sorted({a.lower() for a in recipients} & wanted) or sorted(recipients)
    whole = not recipients or set(failed) >= wanted
    item.bounced_at = clock.now()
    item.bounce_reason = reason[:2000]
    item.bounced_recipients = sorted(set(item.bounced_recipients) | set(failed))
    fields = ["bounced_at", "bounce_reason", "bounced_recipients"]
    if whole:
        item.state = OutboxState.BOUNCED
        fields.append("state")
        Message.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.BOUNCED)
    item.save(update_fields=fields)
    record(
        "message.bounced",
        actor=SYSTEM,
        conversation=message.conversation,
        target=message,
        data={
            "message": message.pk,
            "recipients": failed,
            "reason": reason[:300],
            "whole": whole,
            "report": dsn.pk if dsn is not None else None,
        },
    )
    return True


def _ack_texts(inbound: Message, name: str) -> tuple[str, str]:
    inbox = inbound.conversation.inbox
    values = {
        "name": name,
        # "Hello there," when the sender gave no name.
        "first_name": name.split()[0] if name.split() else _("there"),
        "subject": inbound.subject,
        "number": str(inbound.conversation_id),
        "inbox": inbox.name,
        "inbox_address": inbox.address,
    }
    subject = (
        compose.fill(inbox.auto_ack_subject, values)
        if inbox.auto_ack_subject
        else compose.reply_subject(inbound.subject)
    )
    body = inbox.auto_ack_body or _(
        "Hello {first_name},\n\nthank you for your message. We have received it and will get "
        "back to you as soon as we can. Your reference is #{number}.\n\n{inbox}"
    )
    return " ".join(subject.split())[:500], compose.fill(body, values)


@transaction.atomic
def do_send_auto_ack(inbound: Message, *, to: str, name: str, source_key: str) -> Message | None:
    """Queue the inbox's acknowledgement of ``inbound`` to ``to``, once per ``source_key``.

    Eligibility (RFC 3834) is decided by the caller (postroom.outbound.autoack); this
    only guarantees that one received email is never acknowledged twice.
    """
    conversation = inbound.conversation
    inbox = conversation.inbox
    now = clock.now()
    try:
        with transaction.atomic():
            ack = AutoAck.objects.create(
                inbox=inbox, email=to.lower(), source_key=source_key[:500], created_at=now
            )
    except IntegrityError:
        return None  # this email was acknowledged already (it reached another inbox too)
    subject, body = _ack_texts(inbound, name)
    message = _queue_automatic(inbound, to=to, subject=subject, body=body, now=now)
    ack.message = message
    ack.save(update_fields=["message"])
    record(
        "message.auto_replied",
        actor=SYSTEM,
        conversation=conversation,
        target=message,
        data={"message": message.pk, "to": [to], "answering": inbound.pk},
    )
    return message


def _queue_automatic(
    inbound: Message, *, to: str, subject: str, body: str, now: datetime
) -> Message:
    """Record and queue an automatic answer to ``inbound`` from its conversation's inbox
    (``Auto-Submitted: auto-replied``, no undo window). Call inside the action."""
    conversation = inbound.conversation
    inbox = conversation.inbox
    parts = compose.bodies(body, signature="", quote=None)
    in_reply_to, references = compose.threading_for(conversation, inbound)
    domain = inbox.address.rpartition("@")[2] or "postroom.invalid"
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        kind=MessageKind.AUTO_REPLY,
        from_name=inbox.name[:200],
        from_email=inbox.address,
        to=[to],
        subject=subject,
        text=parts.text,
        html=parts.html,
        visible_text=body.strip(),
        message_id=message_id_for(conversation.pk, domain),
        delivery_status=DeliveryStatus.QUEUED,
        created_at=now,
    )
    # An automatic answer is not news for the list: preview and order stay the customer's.
    conversation.message_count += 1
    conversation.save(update_fields=["message_count"])
    enqueue(
        message,
        mode=ComposeMode.AUTO_ACK,
        sent_text=parts.sent_text,
        sent_html=parts.sent_html,
        reply_to=[compose.reply_to_for(inbox, conversation, with_token=inbox.reply_address_token)],
        threading_headers=Threading(in_reply_to, tuple(references)),
        auto_submitted=True,
    )
    return message


@transaction.atomic
def do_send_auto_reply(inbound: Message | None, body: str, *, rule: Rule, actor: Actor) -> str:
    """A rule's ``reply_template`` step: answer the customer's ``inbound`` with ``body``
    (placeholders filled), if RFC 3834 allows it (postroom.outbound.autoack). Returns
    what happened, as the run log shows it: "sent to …" or "not sent: …"."""
    require(actor, "do_send_auto_reply")  # a reaction: the rule was checked when saved
    refusal = reply_refusal(inbound, rule.pk)
    if refusal is not None or inbound is None:
        return f"not sent: {refusal}"
    to = inbound.from_email.strip()
    now = clock.now()
    message = _queue_automatic(
        inbound,
        to=to,
        subject=" ".join(compose.reply_subject(inbound.subject).split())[:500],
        body=body,
        now=now,
    )
    AutoReplySent.objects.create(rule=rule, email=to.lower(), message=message, sent_at=now)
    record(
        "message.auto_replied",
        actor=actor,
        conversation=inbound.conversation,
        target=message,
        data={"message": message.pk, "to": [to], "answering": inbound.pk},
    )
    return f"sent to {to}"
