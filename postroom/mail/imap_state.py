"""Cursor and health bookkeeping of an IMAP account (see docs/imap.md).

These are connector state, not domain data: no person acts on them, nothing else reacts
to them, and they need no Activity row. So they are written with a direct ``update()``
on the one row instead of through an action. Each function also mirrors the change on
the in-memory ``account`` when one is given, so a caller's object stays current.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from postroom.core import clock
from postroom.mail.models import ImapAccount

log = logging.getLogger(__name__)


def _write(account_id: int, account: ImapAccount | None, **fields: Any) -> None:
    ImapAccount.objects.filter(pk=account_id).update(**fields)
    if account is not None:
        for name, value in fields.items():
            setattr(account, name, value)


def save_cursor(account: ImapAccount, *, uidvalidity: int, last_uid: int) -> None:
    """Everything up to ``last_uid`` under ``uidvalidity`` is stored (committed)."""
    _write(account.pk, account, uidvalidity=uidvalidity, last_uid=last_uid)


def record_connected(account: ImapAccount) -> None:
    _write(account.pk, account, connected=True)


def record_success(account: ImapAccount, *, lag_seconds: float, at: datetime | None = None) -> None:
    """A sync finished: the mailbox is read up to now, ``lag_seconds`` behind the server."""
    _write(
        account.pk,
        account,
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
) -> None:
    """Show ``message`` to admins. Never raises: it runs while handling another error.

    ``disconnected=False`` for a failure that leaves the session usable.
    """
    fields: dict[str, Any] = {"last_error": message, "last_error_at": clock.now()}
    if disconnected:
        fields["connected"] = False
    try:
        _write(account_id, account, **fields)
    except Exception:
        log.exception("could not record the IMAP error of account %s: %s", account_id, message)


def record_disconnected(account_id: int, account: ImapAccount | None = None) -> None:
    """The connection is closed on purpose. Never raises (runs in cleanup)."""
    try:
        _write(account_id, account, connected=False)
    except Exception:
        log.exception("could not record that IMAP account %s disconnected", account_id)
