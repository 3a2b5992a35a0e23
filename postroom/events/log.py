"""Writing the event log.

:func:`append` writes one event in the caller's transaction (actions call it through
``postroom.inbox.actions._log.record``). Nothing else happens before the transaction
commits; then, in the process that committed:

- *immediate listeners* run (live push to browsers: cheap, best effort, never durable);
- the in-process reactor runner is woken (:data:`committed`), so reactions start at
  once instead of at the next poll. Other processes find the events by polling.

Durable work never hangs off the commit: reactors read the log with their own cursors
(``postroom.events.reactors``), so a process that dies after the commit loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from postroom.events import sequence
from postroom.events.catalogue import check_payload
from postroom.events.models import LoggedEvent

log = logging.getLogger(__name__)

Listener = Callable[[LoggedEvent], None]
_listeners: list[Listener] = []

# Set when events commit in this process: the reactor runner waits on it.
committed = threading.Event()

# When set, events are collected and written together at the end of a batch: (event,
# the activity object it belongs to, whose id is known only once that is written).
_pending: ContextVar[list[tuple[LoggedEvent, Any]] | None] = ContextVar(
    "pending_events", default=None
)


def listen(listener: Listener) -> Callable[[], None]:
    """Run ``listener`` for every event committed in this process, right after the commit.

    For cheap, best-effort work only (live push). Returns a function that stops it.
    """
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def _deliver(event: LoggedEvent) -> None:
    committed.set()
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:  # one broken listener must not stop the others
            log.exception("event listener %r failed on %s", listener, event.type)


def append(
    event_type: str,
    *,
    actor_kind: str,
    actor_id: int | None,
    created_at: datetime,
    inbox_id: int | None = None,
    conversation_id: int | None = None,
    user_id: int | None = None,
    activity: Any = None,
    data: dict[str, Any] | None = None,
    checked: bool = False,
) -> LoggedEvent:
    """Write one event in the current transaction. ``data`` must match the catalogue.

    ``activity``: the Activity row the event belongs to (its id may be known only when a
    batch is written, see :func:`batched`). ``checked``: the caller has already checked
    the payload with :func:`check_payload` (before writing anything of its own).
    """
    payload = data or {}
    if not checked:
        check_payload(event_type, payload)
    event = LoggedEvent(
        type=event_type,
        created_at=created_at,
        actor_kind=actor_kind,
        actor_id=actor_id,
        inbox_id=inbox_id,
        conversation_id=conversation_id,
        user_id=user_id,
        activity_id=getattr(activity, "pk", None),
        data=payload,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append((event, activity))
    elif connection.in_atomic_block:
        event.save(force_insert=True)
        sequence.note(connection, [event.pk])
    else:
        # Outside a transaction: a transaction of its own, so it is sequenced on commit.
        with transaction.atomic():
            event.save(force_insert=True)
            sequence.note(connection, [event.pk])
    transaction.on_commit(lambda: _deliver(event))
    return event


@contextmanager
def batched() -> Iterator[None]:
    """Collect the events of many actions and write them in one INSERT at the end.

    Use inside one transaction, around :func:`flush` (the activity batch of
    ``postroom.inbox.actions._log`` opens both).
    """
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
        flush()
    finally:
        _pending.reset(token)


def flush() -> None:
    """Write collected events now. Call after their activity rows are written."""
    pending = _pending.get()
    if not pending:
        return
    rows = []
    for event, activity in pending:
        if activity is not None:
            event.activity_id = activity.pk
        rows.append(event)
    LoggedEvent.objects.bulk_create(rows, batch_size=500)
    sequence.note(connection, [row.pk for row in rows])
    pending.clear()


def order_column() -> str:
    """The LoggedEvent column that gives log order: ``position`` on PostgreSQL (numbered
    at commit, see postroom.events.db), the id on SQLite (one writer at a time)."""
    return "position" if connection.vendor == "postgresql" else "id"
