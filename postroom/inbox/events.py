"""Domain events: small "this changed" notices sent after the transaction commits.

Actions call :func:`emit`; nothing is delivered if the transaction rolls back.
Subscribers (live push, and later rules, notifications, webhooks) register with
:func:`subscribe` and must be cheap: slow work belongs in a task they enqueue.

Audiences are explicit: an event names the inbox whose members may see it, and optionally
the one user it is for. Subscribers must not widen that audience.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str  # from the catalogue in docs/events.md, e.g. "conversation.assigned"
    inbox_id: int | None
    conversation_id: int | None = None
    user_id: int | None = None  # set when the event is for one person only
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Register a subscriber; returns a function that unregisters it."""
    _subscribers.append(subscriber)
    return lambda: _subscribers.remove(subscriber)


def emit(event: Event) -> None:
    """Deliver ``event`` to subscribers once the current transaction commits."""
    transaction.on_commit(lambda: _deliver(event))


def _deliver(event: Event) -> None:
    for subscriber in list(_subscribers):
        try:
            subscriber(event)
        except Exception:  # one broken subscriber must not stop the others
            log.exception("event subscriber %r failed on %s", subscriber, event.type)
