"""Appending to the audit trail and checking it.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields
in a canonical JSON form. Appending locks the head row (``AuditHead``) for the moment
of the insert, so on PostgreSQL concurrent writers chain one after another; SQLite has
one writer anyway. ``verify()`` recomputes the chain from the first entry: a changed,
removed or inserted entry, or a head that disagrees, is reported with its place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from postroom.accounts.models import User
from postroom.audit.models import AuditEntry, AuditHead
from postroom.core import clock

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    fields = {
        "at": entry.at.isoformat(),
        "kind": entry.kind,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "address": entry.address,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash(previous: str, entry: AuditEntry) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + _canonical(entry)).hexdigest()


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", "") or "")[:45]


def append(
    kind: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    address: str = "",
    target_type: str = "",
    target_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry, chained to the one before. Runs in its own savepoint; call it in
    the transaction of what it records, when there is one."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1, hash=GENESIS, count=0)
            head = AuditHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            at=at or clock.now(),
            kind=kind,
            actor_id=actor.pk if actor is not None else None,
            actor_label=actor_label or (actor.email if actor is not None else ""),
            address=address[:45],
            target_type=target_type,
            target_id=target_id,
            data=data or {},
            previous=head.hash,
        )
        entry.hash = _hash(head.hash, entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(hash=entry.hash, count=head.count + 1)
    return entry


def record_read(
    request: HttpRequest,
    user: User,
    target_type: str,
    target_id: int | None,
    *,
    kind: str = "read",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """An entry for what ``user`` read (or exported) through ``request``: a conversation,
    an attachment, the audit trail itself."""
    return append(
        kind,
        actor=user,
        address=client_address(request),
        target_type=target_type,
        target_id=target_id,
        data=data,
    )


@dataclass(frozen=True)
class Verification:
    entries: int
    intact: bool
    problem: str = ""  # where and what, when not intact


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=2000)


def verify() -> Verification:
    """Recompute the chain from the first entry."""
    previous, count = GENESIS, 0
    for entry in _entries():
        count += 1
        if entry.previous != previous:
            return Verification(
                count,
                False,
                f"entry #{entry.pk} does not follow the entry before it "
                "(one was removed or inserted)",
            )
        if _hash(previous, entry) != entry.hash:
            return Verification(count, False, f"entry #{entry.pk} was changed after it was written")
        previous = entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.hash != previous or head.count != count):
        return Verification(
            count,
            False,
            f"the newest {head.count - count} entries are missing"
            if head.count > count
            else "the chain's head does not match its last entry",
        )
    return Verification(count, True)
