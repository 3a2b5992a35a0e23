"""Admin actions on the raw store: retry or delete quarantined mail (with activity)."""

from __future__ import annotations

from django.db import transaction

from postroom.inbox.actions._log import record
from postroom.inbox.actors import Actor
from postroom.mail.models import RawMessage, RawStatus
from postroom.mail.store import digest_wakeup


@transaction.atomic
def do_retry_quarantined(raw: RawMessage, *, actor: Actor) -> None:
    """Send a quarantined message back to the digest (after a fix, or to try again)."""
    if raw.status != RawStatus.QUARANTINED:
        return
    raw.status = RawStatus.PENDING
    raw.save(update_fields=["status"])
    record("mail.retried", actor=actor, inbox=raw.inbox, data={"raw": raw.pk})
    transaction.on_commit(digest_wakeup.set)


@transaction.atomic
def do_delete_quarantined(raw: RawMessage, *, actor: Actor) -> None:
    """Delete a quarantined message for good: an admin's explicit decision."""
    if raw.status != RawStatus.QUARANTINED:
        return
    record(
        "mail.deleted",
        actor=actor,
        inbox=raw.inbox,
        data={"raw": raw.pk, "reason": raw.reason.splitlines()[0] if raw.reason else ""},
    )
    raw.delete()
