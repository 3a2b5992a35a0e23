"""The outbox loop: claim what is due, send it, record the outcome.

Runs as a thread of ``postroom serve`` (postroom/jobs.py); several processes may run it
side by side because each row is claimed with a compare-and-set. Nothing is sent inside
a database transaction, so SQLite's write lock is never held across the network.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections
from django.utils.translation import gettext as _

from postroom.core import clock
from postroom.core.crypto import SecretUnreadable
from postroom.inbox.actions.delivery import (
    claim,
    do_record_failure,
    do_record_sent,
    due_ids,
    recover_stale,
)
from postroom.outbound.config import transport_for
from postroom.outbound.mime import build
from postroom.outbound.models import OutboxItem
from postroom.outbound.outbox import outbox_wakeup
from postroom.outbound.transport import deliver

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 20


def send_one(item: OutboxItem) -> str:
    """Send a claimed item and record what happened; returns the new state."""
    try:
        config = transport_for(item.inbox)
    except SecretUnreadable:
        reason = _("The stored password cannot be decrypted; enter it again in the settings.")
        return do_record_failure(item, reason=reason, permanent=False, transport="")
    via = config.describe()
    try:
        mail = build(item)
    except OSError as exc:  # an attachment's file is missing or unreadable
        reason = _("An attachment cannot be read: %(error)s") % {"error": exc}
        return do_record_failure(item, reason=reason, permanent=False, transport=via)
    outcome = deliver(item, config, mail)
    if outcome.delivered:
        do_record_sent(item, answer=outcome.answer, transport=via)
        return "sent"
    log.info("outbox item %s not sent: %s", item.pk, outcome.answer)
    return do_record_failure(
        item, reason=outcome.answer, permanent=outcome.permanent, transport=via
    )


def deliver_due(limit: int = BATCH) -> int:
    """Send up to ``limit`` due items now; returns how many were attempted."""
    now = clock.now()
    recover_stale(now)
    attempted = 0
    for item_id in due_ids(now, limit):
        item = claim(item_id, now)
        if item is None:  # another worker, or an undo, was first
            continue
        send_one(item)
        attempted += 1
    return attempted


def run_outbox_loop(stop: threading.Event, poll: float = POLL_SECONDS) -> None:
    """Deliver due mail until ``stop`` is set; wakes early when something became due."""
    while not stop.is_set():
        outbox_wakeup.clear()
        try:
            close_old_connections()
            while not stop.is_set() and deliver_due():
                pass
        except Exception:  # keep the loop alive; the next round retries
            log.exception("outbox loop failed; retrying")
        finally:
            close_old_connections()
        outbox_wakeup.wait(poll)
    # This thread's own connections: a stopped loop must not hold the database open.
    connections.close_all()
