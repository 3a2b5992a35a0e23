"""Phase 2 of ingestion: parse stored raw mail, place it in a conversation, record it.

Rows are digested in small batches, each in one transaction with a savepoint per
message: a message that fails is rolled back alone and quarantined with its reason,
and the rest of the batch goes on. Nothing is ever dropped.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.processes import exit_with_parent
from postroom.inbox import actions
from postroom.inbox.actions import InboundMessage, NewAttachment
from postroom.inbox.actions.activity import batched_activity
from postroom.inbox.actors import CUSTOMER, SYSTEM
from postroom.inbox.models import (
    Channel,
    Conversation,
    Direction,
    Inbox,
    Message,
    MessageKind,
)
from postroom.mail.digest.recipients import InboxAddresses, addressed_inboxes, inboxes_to_add
from postroom.mail.digest.threading import ThreadEvidence, keys_for, links_of, place
from postroom.mail.models import RawMessage, RawStatus, ThreadKey
from postroom.mail.parsing.parse import ParsedEmail
from postroom.mail.parsing.parse_many import Parsed, parse_many

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
        self.inboxes = InboxAddresses.read()
        inbox_addresses = set(self.inboxes.by_address)
        self.addresses = inbox_addresses | {
            e.lower() for e in User.objects.filter(is_active=True).values_list("email", flat=True)
        }
        self.domains = {a.rpartition("@")[2] for a in inbox_addresses} - _PUBLIC_DOMAINS

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        address = address.lower()
        return address in self.addresses or address.rpartition("@")[2] in self.domains


def _participants(
    parsed: ParsedEmail, sender: str, customer_to: list[str], outbound: bool, ours: _OurAddresses
) -> list[tuple[str, str]]:
    """The customers on a person's message besides its contact (the sender; on a copy of
    our own, its first customer recipient): each address once, with the first role it
    came in. None on automatic mail (a list's address, a bounce) nor on our own."""
    if parsed.kind != MessageKind.NORMAL:
        return []
    contact = (customer_to[0] if customer_to else "") if outbound else sender
    candidates = [
        *(("to", address) for address in customer_to),
        *(("cc", a.email) for a in parsed.cc),
        *(("reply_to", a.email) for a in parsed.reply_to),
    ]
    found: dict[str, tuple[str, str]] = {}
    for role, address in candidates:
        key = address.lower()
        if address and key != contact.lower() and address not in ours and key not in found:
            found[key] = (role, address)
    return list(found.values())


def _message_time(parsed: ParsedEmail, received_at: datetime) -> datetime:
    if parsed.date is not None and parsed.date <= received_at + _FUTURE_TOLERANCE:
        return parsed.date
    return received_at


def digest_one(raw: RawMessage, ours: _OurAddresses, parsed: ParsedEmail) -> Message:
    """Digest one raw row. Call inside a transaction (a savepoint of the batch)."""
    sender = (parsed.from_.email if parsed.from_ else "") or raw.envelope_from
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
    links = links_of(evidence)
    placement = place(raw.inbox_id, evidence, links, ours)
    outbound = bool(sender) and sender in ours
    customer_to = [a.email for a in parsed.to if a.email not in ours]
    inbound = InboundMessage(
        channel=Channel.EMAIL,
        sender=sender,
        sender_name=parsed.from_.name if parsed.from_ else "",
        to=customer_to if outbound else [a.email for a in parsed.to],
        cc=[a.email for a in parsed.cc],
        participants=_participants(parsed, sender, customer_to, outbound, ours),
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html or "",
        visible_text=parsed.visible_text,
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
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
    )
    message = actions.do_receive_message(
        raw.inbox,
        inbound,
        conversation=placement.conversation,
        thread_reason=placement.reason,
        actor=SYSTEM if outbound else CUSTOMER,
    )
    ThreadKey.objects.bulk_create(
        ThreadKey(message=message, kind=kind, key=key) for kind, key in keys_for(links)
    )
    for other, reason in placement.joins:
        source = Conversation.objects.select_related("inbox").get(pk=other)
        actions.do_merge_conversations(message.conversation, source, actor=SYSTEM, reason=reason)
    _add_addressed_inboxes(raw, message, [*recipients, *raw.envelope_to], ours)
    return message


def _add_addressed_inboxes(
    raw: RawMessage, message: Message, recipients: list[str], ours: _OurAddresses
) -> None:
    """Put the conversation in every other inbox the message was addressed to."""
    addressed = addressed_inboxes(ours.inboxes, raw.inbox_id, recipients)
    if len(addressed) == 1 and addressed[0] == message.conversation.inbox_id:
        return  # the common case: one inbox, the conversation's own
    conversation = message.conversation
    for pk in inboxes_to_add(conversation, addressed):
        inbox = Inbox.objects.get(pk=pk)
        reason = _("addressed to %(address)s") % {"address": inbox.address}
        actions.do_add_to_inbox(conversation, inbox, actor=SYSTEM, reason=reason)


def _peek(limit: int, after: int = 0) -> list[RawMessage]:
    """Pending rows in id order, read without a lock (they are claimed when written)."""
    return list(
        RawMessage.objects.filter(status=RawStatus.PENDING, pk__gt=after)
        .select_related("inbox")
        .order_by("id")[:limit]
    )


def _payloads(batch: list[RawMessage]) -> list[tuple[int, bytes]]:
    return [(raw.pk, bytes(raw.data)) for raw in batch]


def _claim(batch: list[RawMessage]) -> list[RawMessage]:
    """The rows of ``batch`` that are still pending, locked for this transaction."""
    qs = RawMessage.objects.filter(pk__in=[r.pk for r in batch], status=RawStatus.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    still = set(qs.values_list("pk", flat=True))
    return [raw for raw in batch if raw.pk in still]


class _BatchFailed(Exception):
    pass


def _digest_batch(batch: list[RawMessage], parsed: Parsed, *, isolate: bool) -> None:
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
        _digest_each(batch, parsed, ours, now, isolate=isolate)
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


def _digest_each(
    batch: list[RawMessage], parsed: Parsed, ours: _OurAddresses, now: datetime, *, isolate: bool
) -> None:
    for raw in batch:
        raw.attempts += 1
        try:
            result = parsed[raw.pk]
            if isinstance(result, BaseException):
                raise result
            if isolate:
                with transaction.atomic():
                    message = digest_one(raw, ours, result)
            else:
                message = digest_one(raw, ours, result)
        except Exception as exc:
            if not isolate:
                raise _BatchFailed from exc
            if is_transient(exc):
                # Not the message's fault: the batch rolls back, its rows stay pending
                # and the next round digests them.
                raise
            raw.status = RawStatus.QUARANTINED
            raw.reason = _reason(exc)
            raw.message = None
            log.warning("quarantined raw #%s: %s", raw.pk, raw.reason.splitlines()[0])
        else:
            raw.status = RawStatus.DONE
            raw.message = message
            raw.reason = ""
            if result.parts_dropped or result.parts_flattened:  # rare: the MIME caps cut it
                RawMessage.objects.filter(pk=raw.pk).update(
                    parts_dropped=result.parts_dropped, parts_flattened=result.parts_flattened
                )
        raw.digested_at = now


def _write(batch: list[RawMessage], parsed: Parsed) -> int:
    """Record a parsed batch: one transaction, redone message by message on a failure."""
    try:
        with transaction.atomic():
            claimed = _claim(batch)
            _digest_batch(claimed, parsed, isolate=False)
            return len(claimed)
    except _BatchFailed:
        pass
    with transaction.atomic():
        claimed = _claim(batch)
        _digest_batch(claimed, parsed, isolate=True)
        return len(claimed)


def digest_pending(limit: int = BATCH_SIZE) -> int:
    """Digest up to ``limit`` pending rows; returns how many were handled (done or not).

    Parsing happens before the write transaction, so SQLite's write lock is held only
    for the database work.
    """
    batch = _peek(limit)
    if not batch:
        return 0
    return _write(batch, parse_many(_payloads(batch)))


_pool: ProcessPoolExecutor | None = None


def start_parser_pool() -> ProcessPoolExecutor:
    """The worker process that parses ahead for :func:`digest_all` (started once, kept).

    Starting it early (an import calls this before reading its files) hides the cost of
    launching a Python process behind other work.
    """
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            # Gone with this process even after a kill -9 (which skips atexit).
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        )
        _pool.submit(parse_many, [])  # make it start its process now
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


def digest_all(*, parallel: bool = False) -> int:
    """Digest until nothing is pending (imports, tests, benchmarks).

    With ``parallel``, a worker process parses the next batch while this one records
    the current batch, so a backlog uses both cores of a small server.
    """
    if not parallel:
        total = 0
        while handled := digest_pending():
            total += handled
        return total
    pool = start_parser_pool()
    total = 0
    batch = _peek(BATCH_SIZE)
    if not batch:
        return 0
    upcoming = _peek(BATCH_SIZE, after=batch[-1].pk)
    future = pool.submit(parse_many, _payloads(upcoming)) if upcoming else None
    parsed = parse_many(_payloads(batch))  # the first batch here, while the worker starts
    while True:
        total += _write(batch, parsed)
        if future is None:
            break
        batch, parsed = upcoming, future.result()
        upcoming = _peek(BATCH_SIZE, after=batch[-1].pk)
        future = pool.submit(parse_many, _payloads(upcoming)) if upcoming else None
    # Rows stored meanwhile, or skipped because another worker held them.
    return total + digest_all()


# Deadlock, serialization failure, lock not available: the database's doing, not the
# message's. (Two batches spanning the same inboxes in different orders can deadlock on
# their view count and page version rows; the database aborts one of them.)
_TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}


def is_transient(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.__cause__, "sqlstate", None)
    return state in _TRANSIENT_SQLSTATES or "database is locked" in str(exc)


def _reason(exc: BaseException) -> str:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
    return f"{type(exc).__name__}: {exc}\n\n{''.join(frames)}"[:4000]
