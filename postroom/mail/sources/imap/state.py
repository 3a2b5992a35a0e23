"""Cursor, health and lease bookkeeping of an IMAP account (see docs/imap.md).

These are connector state, not domain data: no person acts on them, nothing else reacts
to them, and they need no Activity row. So they are written with a direct ``update()``
on the one row instead of through an action. Each function also mirrors the change on
the in-memory ``account`` when one is given, so a caller's object stays current.

The lease (``lease_owner``, ``lease_expires_at``) lets one fetcher, in any process, serve
a mailbox. It is taken, renewed and released with compare-and-set updates: each is one
``UPDATE ... WHERE`` that changes the row only in the expected state, and succeeds only
if it changed exactly one row. A write given ``owner`` is made only while that owner
holds the lease, so a fetcher that lost it cannot move the cursor or touch the health
that the new holder keeps.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from postroom.core import clock
from postroom.mail.models import ImapAccount

log = logging.getLogger(__name__)

LEASE_SECONDS = 90.0  # a holder that stops renewing may be replaced this long after


class LeaseLost(Exception):
    """Another fetcher holds the account's lease now (or the account is gone): stop."""


def new_lease_owner() -> str:
    """A lease owner id unique to this fetcher: host, process, thread, and a random part
    (so a restarted fetcher, or a reused pid, never passes for an earlier one)."""
    host = socket.gethostname()[:40]
    thread = threading.current_thread().name[:24]
    return f"{host}:{os.getpid()}:{thread}:{uuid.uuid4().hex[:12]}"


def lease_free(now: datetime) -> Q:
    """Accounts whose lease nobody holds: never taken, released, or expired."""
    return Q(lease_owner="") | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)


def take_lease(account_id: int, owner: str, *, seconds: float = LEASE_SECONDS) -> bool:
    """Take (or keep) the lease if it is free or already ``owner``'s; True if taken."""
    now = clock.now()
    changed = ImapAccount.objects.filter(
        lease_free(now) | Q(lease_owner=owner), pk=account_id
    ).update(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
    return changed == 1


def renew_lease(account_id: int, owner: str, *, seconds: float = LEASE_SECONDS) -> bool:
    """Extend ``owner``'s lease; False if someone else has taken it (or the row is gone).

    A lease that expired but was taken by nobody is still ``owner``'s and is renewed.
    """
    expires = clock.now() + timedelta(seconds=seconds)
    changed = ImapAccount.objects.filter(pk=account_id, lease_owner=owner).update(
        lease_expires_at=expires
    )
    return changed == 1


def release_lease(account_id: int, owner: str) -> bool:
    """Give the lease up, only if it is still ``owner``'s; True if it was."""
    changed = ImapAccount.objects.filter(pk=account_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )
    return changed == 1


def _write(account_id: int, account: ImapAccount | None, owner: str | None, **fields: Any) -> int:
    rows = ImapAccount.objects.filter(pk=account_id)
    if owner is not None:
        rows = rows.filter(lease_owner=owner)
    changed = rows.update(**fields)
    if account is not None and changed:
        for name, value in fields.items():
            setattr(account, name, value)
    return changed


def save_cursor(
    account: ImapAccount, *, uidvalidity: int, last_uid: int, owner: str | None = None
) -> None:
    """Everything up to ``last_uid`` under ``uidvalidity`` is stored (committed).

    Raises :class:`LeaseLost` if ``owner`` is given and no longer holds the lease.
    """
    written = _write(account.pk, account, owner, uidvalidity=uidvalidity, last_uid=last_uid)
    if not written and owner is not None:
        raise LeaseLost(f"IMAP account {account.pk}: the lease is no longer {owner!r}'s")


def record_connected(account: ImapAccount, *, owner: str | None = None) -> None:
    _write(account.pk, account, owner, connected=True)


def record_success(
    account: ImapAccount,
    *,
    lag_seconds: float,
    at: datetime | None = None,
    owner: str | None = None,
) -> None:
    """A sync finished: the mailbox is read up to now, ``lag_seconds`` behind the server."""
    _write(
        account.pk,
        account,
        owner,
        connected=True,
        last_success_at=at or clock.now(),
        lag_seconds=max(0.0, lag_seconds),
    )


def record_error(
    account_id: int,
    message: str,
    account: ImapAccount | None = None,
    *,
    disconnected: bool = True,
    owner: str | None = None,
) -> None:
    """Show ``message`` to admins. Never raises: it runs while handling another error.

    ``disconnected=False`` for a failure that leaves the session usable.
    """
    fields: dict[str, Any] = {"last_error": message, "last_error_at": clock.now()}
    if disconnected:
        fields["connected"] = False
    try:
        _write(account_id, account, owner, **fields)
    except Exception:
        log.exception("could not record the IMAP error of account %s: %s", account_id, message)


def record_disconnected(
    account_id: int, account: ImapAccount | None = None, *, owner: str | None = None
) -> None:
    """The connection is closed on purpose. Never raises (runs in cleanup)."""
    try:
        _write(account_id, account, owner, connected=False)
    except Exception:
        log.exception("could not record that IMAP account %s disconnected", account_id)
