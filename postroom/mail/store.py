"""Phase 1 of ingestion: store the raw bytes durably, once, before the source is answered."""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from postroom.core import clock
from postroom.core.text import clean_text
from postroom.inbox.models import Inbox
from postroom.mail.models import RawMessage, RawStatus

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*)$")

# Set whenever new raw mail is committed, so an in-process digest loop wakes at once.
digest_wakeup = threading.Event()


@dataclass(frozen=True)
class Stored:
    raw_id: int
    created: bool  # False when the same email was already stored


def _header_fields(raw: bytes, wanted: set[bytes]) -> dict[bytes, bytes]:
    """First occurrence of each wanted header, unfolded, from the header block only.

    A byte-level scan: far cheaper than a MIME parse, and it cannot fail on broken mail.
    """
    match = _HEADER_END.search(raw)
    block = raw[: match.start()] if match else raw[:65536]
    found: dict[bytes, bytes] = {}
    current: bytes | None = None
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                found[current] += b" " + line.strip()
            continue
        current = None
        field = _FIELD.match(line)
        if field:
            name = field.group(1).lower()
            if name in wanted and name not in found:
                found[name] = field.group(2).strip()
                current = name
    return found


def idempotency_key(raw: bytes) -> str:
    """Same email → same key, whichever mailbox or route it arrived through.

    With a Message-ID: that ID with the From and Date it came with (trace headers such as
    Received and Delivered-To differ per route, so the bytes cannot be compared). Without
    one: From, Date, Subject and the body bytes.
    """
    fields = _header_fields(raw, {b"message-id", b"from", b"date", b"subject"})
    message_id = fields.get(b"message-id", b"").strip().strip(b"<>").lower()
    parts = [fields.get(b"from", b""), fields.get(b"date", b"")]
    if message_id:
        material = b"mid\0" + message_id + b"\0" + b"\0".join(parts)
    else:
        match = _HEADER_END.search(raw)
        body = raw[match.end() :] if match else raw
        material = b"raw\0" + b"\0".join([*parts, fields.get(b"subject", b""), body])
    return hashlib.sha256(material).hexdigest()


def store_raw(
    raw: bytes,
    *,
    inbox: Inbox,
    source: str,
    source_ref: str = "",
    envelope_from: str = "",
    envelope_to: list[str] | None = None,
    received_at: datetime | None = None,
) -> Stored:
    """Store ``raw`` for ``inbox`` unless the same email is already stored.

    Contract: call outside a transaction; when this returns, the row is committed and the
    source may be acknowledged (IMAP cursor, SMTP 250, webhook 200).
    """
    key = idempotency_key(raw)
    existing = RawMessage.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()
    if existing is not None:
        return Stored(existing, False)
    try:
        with transaction.atomic():
            row = RawMessage.objects.create(
                inbox=inbox,
                source=source,
                # Envelope and names come from outside too (SMTP commands, file names).
                source_ref=clean_text(source_ref)[:300],
                envelope_from=clean_text(envelope_from)[:320],
                envelope_to=[clean_text(a) for a in envelope_to or []],
                idempotency_key=key,
                data=raw,
                size=len(raw),
                status=RawStatus.PENDING,
                received_at=received_at or clock.now(),
            )
            transaction.on_commit(digest_wakeup.set)
    except IntegrityError:
        # A concurrent delivery of the same email won the race: that copy is the one.
        pk = RawMessage.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()
        if pk is None:
            raise
        return Stored(pk, False)
    return Stored(row.pk, True)


@dataclass(frozen=True)
class RawInput:
    raw: bytes
    source_ref: str = ""
    envelope_from: str = ""


def store_raw_many(
    items: list[RawInput], *, inbox: Inbox, source: str, received_at: datetime | None = None
) -> list[bool]:
    """Store a batch (imports): one transaction, one INSERT. Returns, per item, whether it
    was new. Same contract as :func:`store_raw`: committed when this returns; the same
    email twice (in the batch or already stored) is stored once."""
    keys = [idempotency_key(item.raw) for item in items]
    known = set(
        RawMessage.objects.filter(idempotency_key__in=set(keys)).values_list(
            "idempotency_key", flat=True
        )
    )
    now = received_at or clock.now()
    created: list[bool] = []
    rows = []
    for item, key in zip(items, keys, strict=True):
        if key in known:
            created.append(False)
            continue
        known.add(key)
        created.append(True)
        rows.append(
            RawMessage(
                inbox=inbox,
                source=source,
                source_ref=clean_text(item.source_ref)[:300],
                envelope_from=clean_text(item.envelope_from)[:320],
                envelope_to=[],
                idempotency_key=key,
                data=item.raw,
                size=len(item.raw),
                status=RawStatus.PENDING,
                received_at=now,
            )
        )
    with transaction.atomic():
        # A concurrent store of one of these wins; ours is then skipped, not duplicated.
        RawMessage.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)
        transaction.on_commit(digest_wakeup.set)
    return created
