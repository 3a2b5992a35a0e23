"""Phase 2 of ingestion: parse stored raw mail, place it in a conversation, record it.

Rows are digested in small batches, each in one transaction with a savepoint per
message: a message that fails is rolled back alone and quarantined with its reason,
and the rest of the batch goes on. Nothing is ever dropped.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
import traceback
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions import NewAttachment
from postroom.inbox.actions._log import batched_activity
from postroom.inbox.actors import CUSTOMER, SYSTEM
from postroom.inbox.models import Direction, Inbox, InboxAddress, Message
from postroom.mail.models import RawMessage, RawStatus, ThreadKey
from postroom.mail.parse import ParsedEmail, parse_email
from postroom.mail.threading import ThreadEvidence, keys_for, place

log = logging.getLogger(__name__)

BATCH_SIZE = 50
# A Date header further in the future than this is not believed (spam, broken clocks).
_FUTURE_TOLERANCE = timedelta(minutes=10)


# Mail providers whose domain says nothing about who works with us.
_PUBLIC_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de",
    "proton.me", "protonmail.com", "qq.com", "163.com", "126.com", "yandex.ru", "mail.ru",
    "libero.it", "orange.fr", "free.fr", "ziggo.nl", "kpnmail.nl",
})  # fmt: skip


class _OurAddresses:
    """Addresses that mean "our side": inboxes, their aliases, teammates, and anyone at
    our own inbox domains (colleagues writing from their own mailboxes), unless that
    domain is a public mail provider."""

    def __init__(self) -> None:
        inbox_addresses = {a.lower() for a in Inbox.objects.values_list("address", flat=True)}
        inbox_addresses |= {
            a.lower() for a in InboxAddress.objects.values_list("address", flat=True)
        }
        self.addresses = inbox_addresses | {
            e.lower() for e in User.objects.filter(is_active=True).values_list("email", flat=True)
        }
        self.domains = {a.rpartition("@")[2] for a in inbox_addresses} - _PUBLIC_DOMAINS

    def __contains__(self, address: str) -> bool:
        address = address.lower()
        return address in self.addresses or address.rpartition("@")[2] in self.domains


def _message_time(parsed: ParsedEmail, received_at: datetime) -> datetime:
    if parsed.date is not None and parsed.date <= received_at + _FUTURE_TOLERANCE:
        return parsed.date
    return received_at


def digest_one(raw: RawMessage, ours: _OurAddresses) -> Message:
    """Digest one raw row. Call inside a transaction (a savepoint of the batch)."""
    parsed = parse_email(bytes(raw.data))
    sender = parsed.from_.email if parsed.from_ else raw.envelope_from
    recipients = [a.email for a in parsed.to + parsed.cc]
    when = _message_time(parsed, raw.received_at)
    evidence = ThreadEvidence(
        message_id=parsed.message_id or "",
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        thread_index=parsed.thread_index,
        subject=parsed.subject,
        recipients=recipients,
        customers=[a for a in [sender, *recipients] if a and a not in ours],
        date=when,
        envelope_to=list(raw.envelope_to),
    )
    placement = place(raw.inbox, evidence)
    outbound = bool(sender) and sender in ours
    customer_to = [a.email for a in parsed.to if a.email not in ours]
    message = actions.do_receive_message(
        raw.inbox,
        from_email=sender,
        from_name=parsed.from_.name if parsed.from_ else "",
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html or "",
        visible_text=parsed.visible_text,
        to=customer_to if outbound else [a.email for a in parsed.to],
        cc=[a.email for a in parsed.cc],
        message_id=parsed.message_id or "",
        kind=parsed.kind,
        attachments=[
            NewAttachment(
                filename=a.filename,
                content_type=a.content_type,
                payload=a.payload,
                content_id=a.content_id or "",
                inline=a.inline,
            )
            for a in parsed.attachments
        ],
        received_at=when,
        conversation=placement.conversation,
        thread_reason=placement.reason,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        actor=SYSTEM if outbound else CUSTOMER,
    )
    ThreadKey.objects.bulk_create(
        ThreadKey(message=message, kind=kind, key=key) for kind, key in keys_for(evidence)
    )
    return message


def _claim_batch(limit: int) -> list[RawMessage]:
    qs = RawMessage.objects.filter(status=RawStatus.PENDING).select_related("inbox")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by("id")[:limit])


class _BatchFailed(Exception):
    pass


def _digest_batch(batch: list[RawMessage], *, isolate: bool) -> None:
    """Digest ``batch`` in the current transaction.

    Optimistic mode (``isolate=False``) spends no savepoints and raises on the first
    failure so the caller can roll back and retry with ``isolate=True``, where each
    message gets its own savepoint and a failure is quarantined alone.
    """
    ours = _OurAddresses()
    now = clock.now()
    # Activity rows are batched only in the optimistic pass: with per-message savepoints
    # a rolled-back message must not leave rows behind in the buffer.
    with nullcontext() if isolate else batched_activity():
        _digest_each(batch, ours, now, isolate=isolate)
    _save_outcomes(batch)


def _save_outcomes(batch: list[RawMessage]) -> None:
    """One UPDATE per row through executemany: bulk_update's CASE expressions cost more
    to build than the whole digest of a message."""
    table = RawMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, reason = %s, attempts = %s, digested_at = %s, "
            "message_id = %s WHERE id = %s",
            [(r.status, r.reason, r.attempts, r.digested_at, r.message_id, r.pk) for r in batch],
        )


def _digest_each(batch: list[RawMessage], ours: _OurAddresses, now: datetime, *,
                 isolate: bool) -> None:
    for raw in batch:
        raw.attempts += 1
        try:
            if isolate:
                with transaction.atomic():
                    message = digest_one(raw, ours)
            else:
                message = digest_one(raw, ours)
        except Exception as exc:
            if not isolate:
                raise _BatchFailed from exc
            raw.status = RawStatus.QUARANTINED
            raw.reason = _reason(exc)
            raw.message = None
            log.warning("quarantined raw #%s: %s", raw.pk, raw.reason.splitlines()[0])
        else:
            raw.status = RawStatus.DONE
            raw.message = message
            raw.reason = ""
        raw.digested_at = now


def digest_pending(limit: int = BATCH_SIZE) -> int:
    """Digest up to ``limit`` pending rows; returns how many were handled (done or not)."""
    try:
        with transaction.atomic():
            batch = _claim_batch(limit)
            if not batch:
                return 0
            _digest_batch(batch, isolate=False)
            return len(batch)
    except _BatchFailed:
        pass
    # Something in the batch failed: everything was rolled back. Again, one by one.
    with transaction.atomic():
        batch = _claim_batch(limit)
        _digest_batch(batch, isolate=True)
        return len(batch)


def digest_all() -> int:
    """Digest until nothing is pending (for imports, tests and the benchmark)."""
    total = 0
    while handled := digest_pending():
        total += handled
    return total


def _reason(exc: BaseException) -> str:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
    return f"{type(exc).__name__}: {exc}\n\n{''.join(frames)}"[:4000]


def retry_quarantined(raw_ids: list[int]) -> int:
    """Send quarantined rows back to the queue (after a fix, or to try again)."""
    return RawMessage.objects.filter(Q(pk__in=raw_ids), status=RawStatus.QUARANTINED).update(
        status=RawStatus.PENDING, reason=""
    )
