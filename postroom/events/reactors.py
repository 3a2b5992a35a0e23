"""Reactors: durable subscribers that read the event log with cursors of their own.

A reactor names the event types it handles and a handler (``module:function``, imported
when first used, so this package never imports the layers above it). The runner:

- claims the reactor's cursor row (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL;
  SQLite writers queue for the one write lock), so one worker at a time reads for a
  reactor while several workers share the reactors between them;
- hands it the events after the cursor in log order, each in a savepoint, and moves the
  cursor in the same transaction as the handler's writes: a handler that changes only
  the database (through actions) takes effect exactly once, even when a worker is killed;
- on a failure, rolls the handler's writes back, notes the error, and stops the reactor
  at that event until its retry time (exponential backoff): later events, and so every
  conversation's order, wait behind it. After ``MAX_ATTEMPTS`` the event is *parked*
  (a dead letter, shown on the Background work page with a retry button) and the
  reactor goes on.

Handlers must be idempotent all the same: a retried or re-run parked event is handled
again, and work outside the database (an HTTP call) can happen twice.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.db import close_old_connections, connection, transaction
from django.db.models import Max
from django.utils.module_loading import import_string

from postroom.automation.vocabulary import EVENT_TRIGGERS as RULE_TRIGGERS
from postroom.core import clock
from postroom.events import sequence
from postroom.events.catalogue import EventType
from postroom.events.log import committed, order_column
from postroom.events.models import LoggedEvent, ReactorCursor, ReactorFailure
from postroom.search.events import TYPES as SEARCH_EVENTS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BATCH_SIZE = 200
POLL_SECONDS = 0.5
_BACKOFF_BASE = 2.0
_BACKOFF_MAX = timedelta(minutes=10)

Handler = Callable[[LoggedEvent], None]
BatchHandler = Callable[[list[LoggedEvent]], None]


@dataclass(frozen=True)
class Reactor:
    name: str
    handler: str  # "package.module:function"
    types: frozenset[EventType]
    # Optionally a handler of a whole batch at once ("package.module:function" taking
    # the list), for a reactor whose work on many events costs less than on each alone.
    # It must do what the handler would do for each event, in order; if it raises, the
    # batch is handled again one event at a time, so failures are noted per event.
    batch: str = ""

    def handle(self, event: LoggedEvent) -> None:
        _load(self.handler)(event)

    def handle_batch(self, events: list[LoggedEvent]) -> None:
        _load_batch(self.batch)(events)


@cache
def _load(path: str) -> Handler:
    module, _sep, name = path.partition(":")
    handler: Handler = import_string(f"{module}.{name}")
    return handler


@cache
def _load_batch(path: str) -> BatchHandler:
    module, _sep, name = path.partition(":")
    handler: BatchHandler = import_string(f"{module}.{name}")
    return handler


REACTORS: list[Reactor] = [
    Reactor(
        "notifications",
        "postroom.notifications.reactor:handle",
        frozenset({EventType.CONVERSATION_ASSIGNED, EventType.MESSAGE_RECEIVED}),
    ),
    Reactor(
        "bounces",
        "postroom.outbound.reactions:match_bounce",
        frozenset({EventType.MESSAGE_RECEIVED}),
    ),
    Reactor(
        "auto_ack",
        "postroom.outbound.reactions:acknowledge",
        frozenset({EventType.MESSAGE_RECEIVED}),
    ),
    # Rules: what each enabled rule does when its trigger happens (docs/automation.md).
    Reactor(
        "rules",
        "postroom.automation.reactor:handle",
        frozenset(EventType(trigger) for trigger in RULE_TRIGGERS),
    ),
    # Fair assignment: a conversation leaving someone's open load frees a place for
    # one that waits (docs/automation.md).
    Reactor(
        "assignment",
        "postroom.automation.reactor:assign_waiting",
        frozenset({EventType.CONVERSATION_STATUS, EventType.CONVERSATION_UNASSIGNED}),
    ),
    # Out of office: a customer's reply to someone away goes to someone at work.
    Reactor(
        "away",
        "postroom.automation.away:reassign",
        frozenset({EventType.MESSAGE_RECEIVED}),
    ),
    # SLA clocks: started, stopped and re-timed by the conversation's events.
    Reactor(
        "sla",
        "postroom.automation.sla_clocks:keep",
        frozenset(
            {
                EventType.CONVERSATION_CREATED,
                EventType.MESSAGE_RECEIVED,
                EventType.MESSAGE_REPLIED,
                EventType.CONVERSATION_STATUS,
                EventType.CONVERSATION_PRIORITY,
                EventType.CONVERSATION_LABELLED,
                EventType.CONVERSATION_UNLABELLED,
            }
        ),
    ),
    # Full-text search: a conversation's document rebuilt when its words change
    # (docs/search.md).
    Reactor(
        "search",
        "postroom.search.reactor:handle",
        SEARCH_EVENTS,
        batch="postroom.search.reactor:handle_batch",
    ),
    # Satisfaction ratings: "How did we do?" when a conversation is closed (docs/ratings.md).
    Reactor(
        "ratings",
        "postroom.ratings.reactor:ask_on_close",
        frozenset({EventType.CONVERSATION_STATUS}),
    ),
    # What the audit trail keeps of the log: who changed people, access, settings, or
    # deleted something (docs/audit.md).
    Reactor(
        "audit",
        "postroom.audit.reactor:handle",
        frozenset(
            {
                EventType.USER_CREATED,
                EventType.USER_UPDATED,
                EventType.USER_ACTIVATED,
                EventType.USER_DEACTIVATED,
                EventType.USER_ROLE,
                EventType.USER_UNLOCKED,
                EventType.USER_SIGNED_OUT,
                EventType.USER_TWO_FACTOR,
                EventType.SECURITY_KEY_ADDED,
                EventType.SECURITY_KEY_REMOVED,
                EventType.TOKEN_CREATED,
                EventType.TOKEN_REVOKED,
                EventType.TEAM_CREATED,
                EventType.TEAM_MEMBERS,
                EventType.ACCESS_GRANTED,
                EventType.ACCESS_REVOKED,
                EventType.INBOX_CREATED,
                EventType.INBOX_UPDATED,
                EventType.INBOX_OUTBOUND_CONFIGURED,
                EventType.INBOX_REPLY_RULES_CHANGED,
                EventType.MAIL_IMAP_CONFIGURED,
                EventType.MAIL_RETRIED,
                EventType.MAIL_DELETED,
                EventType.LABEL_DELETED,
                EventType.CONVERSATION_PURGED,
                EventType.SECRETS_ROTATED,
                EventType.CRM_CONFIGURED,
                EventType.CONTACT_FORGOTTEN,
                EventType.INBOX_RETENTION_CHANGED,
                EventType.LEGAL_HOLD_CHANGED,
                EventType.RETENTION_APPLIED,
                EventType.INBOX_BUSINESS_HOURS_CHANGED,
                EventType.USER_ROTA_TOKEN,  # a secret address to people's shifts
            }
        ),
    ),
]


def reactor_named(name: str) -> Reactor:
    for reactor in REACTORS:
        if reactor.name == name:
            return reactor
    raise KeyError(name)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … after the 1st, 2nd, 3rd failure; at most ten minutes."""
    return min(timedelta(seconds=_BACKOFF_BASE**attempts), _BACKOFF_MAX)


def _ordered() -> str:
    return order_column()


def _place(event: LoggedEvent) -> int:
    return int(event.position if connection.vendor == "postgresql" else event.pk)  # type: ignore[arg-type]


def log_end() -> int:
    """The place of the newest committed event (0 for an empty log)."""
    column = _ordered()
    return int(LoggedEvent.objects.aggregate(end=Max(column))["end"] or 0)


def _number_own_events() -> None:
    """Inside a caller's transaction (a test's, which never commits), number the events
    it wrote so far, so that PostgreSQL's reader sees them as a later reader would."""
    if connection.in_atomic_block:
        sequence.before_commit(connection)


def ensure_cursors() -> None:
    """Give every reactor a cursor. On a new installation (no cursors at all) they start
    at the beginning of the log. A reactor added to a running installation starts at its
    end: it handles what happens from now on, not years of history."""
    _number_own_events()
    known = set(ReactorCursor.objects.values_list("reactor", flat=True))
    missing = [r.name for r in REACTORS if r.name not in known]
    if not missing:
        return
    with transaction.atomic():
        end = log_end() if known else 0
        for name in missing:
            ReactorCursor.objects.get_or_create(
                reactor=name, defaults={"position": end, "updated_at": clock.now()}
            )


def _claim(reactor: Reactor) -> ReactorCursor | None:
    query = ReactorCursor.objects.filter(reactor=reactor.name)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    return query.first()


def run_reactor(reactor: Reactor, *, limit: int = BATCH_SIZE, now: datetime | None = None) -> int:
    """Handle up to ``limit`` events for ``reactor``; returns how many it looked at.

    0 means nothing to do, another worker holds the reactor, or it waits for a retry.
    """
    now = now or clock.now()
    _number_own_events()
    with transaction.atomic():
        cursor = _claim(reactor)
        if cursor is None:
            return 0
        if cursor.retry_at is not None and cursor.retry_at > now:
            return 0
        column = _ordered()
        end = log_end()
        if end <= cursor.position:
            return 0
        events = list(
            LoggedEvent.objects.filter(
                **{f"{column}__gt": cursor.position, f"{column}__lte": end},
                type__in=[str(t) for t in reactor.types],
            ).order_by(column)[:limit]
        )
        done = 0
        stopped = False
        one_by_one = events
        if reactor.batch and events and _handle_batch(reactor, events):
            cursor.position = _place(events[-1])
            done = len(events)
            one_by_one = []
        for event in one_by_one:
            failure = _handle(reactor, event, now)
            if failure is not None and not failure.parked:
                stopped = True  # it waits for its retry, and later events behind it
                cursor.retry_at = now + backoff(failure.attempts)
                break
            cursor.position = _place(event)
            done += 1
        if not stopped:
            cursor.retry_at = None
            if len(events) < limit:
                cursor.position = end  # everything up to the end was read
        cursor.updated_at = now
        cursor.save()
    return done or (0 if stopped else len(events))


def _handle_batch(reactor: Reactor, events: list[LoggedEvent]) -> bool:
    """Run the batch handler in a savepoint; False (nothing kept) if it failed."""
    try:
        with transaction.atomic():
            reactor.handle_batch(events)
    except Exception:
        log.info("reactor %s: a batch failed, handled one event at a time", reactor.name)
        return False
    ReactorFailure.objects.filter(reactor=reactor.name, event__in=events).delete()
    return True


def _handle(reactor: Reactor, event: LoggedEvent, now: datetime) -> ReactorFailure | None:
    """Run the handler in a savepoint; on a failure, the failure as now recorded."""
    try:
        with transaction.atomic():
            reactor.handle(event)
    except Exception as exc:
        failure = _note_failure(reactor, event, exc, now)
        log.warning(
            "reactor %s failed on event %s (%s)%s",
            reactor.name,
            event.pk,
            event.type,
            ", parked" if failure.parked else "",
            exc_info=True,
        )
        return failure
    ReactorFailure.objects.filter(reactor=reactor.name, event=event).delete()
    return None


def _note_failure(
    reactor: Reactor, event: LoggedEvent, exc: BaseException, now: datetime
) -> ReactorFailure:
    error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
    row, _created = ReactorFailure.objects.get_or_create(
        reactor=reactor.name,
        event=event,
        defaults={"first_failed_at": now, "last_failed_at": now},
    )
    row.attempts += 1
    row.error = error[-4000:]
    row.last_failed_at = now
    row.parked = row.attempts >= MAX_ATTEMPTS  # parked: it no longer holds the reactor up
    row.save()
    return row


def retry_parked(failure_id: int) -> bool:
    """Run a parked event's handler again now (the admin's retry button).

    True if it succeeded (the dead letter is gone); False if it failed again (the error
    is updated and it stays parked).
    """
    now = clock.now()
    with transaction.atomic():
        failure = (
            ReactorFailure.objects.select_for_update()
            .select_related("event")
            .filter(pk=failure_id, parked=True)
            .first()
        )
        if failure is None:
            return False
        reactor = reactor_named(failure.reactor)
        try:
            with transaction.atomic():
                reactor.handle(failure.event)
        except Exception as exc:
            _note_failure(reactor, failure.event, exc, now)
            return False
        failure.delete()
        return True


def run_all_once() -> int:
    """One round over every reactor; returns how many events were handled."""
    return sum(run_reactor(reactor) for reactor in REACTORS)


def drain(*, rounds: int = 100) -> int:
    """Run every reactor until none has work (tests, imports, the worker's catch-up).

    Inside a test's transaction (which never commits), :func:`run_reactor` numbers the
    test's events first, so that PostgreSQL's reactors see them too.
    """
    ensure_cursors()
    total = 0
    for _ in range(rounds):
        handled = run_all_once()
        total += handled
        if not handled:
            break
    return total


def run_reactors(stop: threading.Event, poll: float = POLL_SECONDS) -> None:
    """The reactor loop of a worker: woken at once by commits in this process, and
    polling for events committed by other processes."""
    ready = False
    while not stop.is_set():
        committed.clear()
        handled = 0
        try:
            close_old_connections()
            if not ready:  # inside the loop: a database not up yet is retried
                ensure_cursors()
                ready = True
            handled = run_all_once()
        except Exception:  # keep the loop alive; the next round retries
            log.exception("reactor round failed")
            stop.wait(poll)
        finally:
            close_old_connections()
        if not handled:
            committed.wait(poll)


def discard_parked(failure_id: int) -> bool:
    """Give up on a parked event for good (the admin's discard button)."""
    return bool(ReactorFailure.objects.filter(pk=failure_id, parked=True).delete()[0])


@dataclass(frozen=True)
class ReactorState:
    name: str
    position: int
    behind: int  # events of its types not yet handled
    retry_at: datetime | None
    updated_at: datetime | None


def reactor_states() -> list[ReactorState]:
    """Where every reactor stands, for the Background work page."""
    column = _ordered()
    cursors = {c.reactor: c for c in ReactorCursor.objects.all()}
    states = []
    for reactor in REACTORS:
        cursor = cursors.get(reactor.name)
        position = cursor.position if cursor is not None else 0
        behind = LoggedEvent.objects.filter(
            **{f"{column}__gt": position}, type__in=[str(t) for t in reactor.types]
        ).count()
        states.append(
            ReactorState(
                reactor.name,
                position,
                behind,
                cursor.retry_at if cursor else None,
                cursor.updated_at if cursor else None,
            )
        )
    return states
