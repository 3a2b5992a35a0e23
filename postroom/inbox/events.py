"""Events for code that has no Activity row to write (live-only notices).

Most events are written by ``postroom.inbox.actions._log.record`` together with their
Activity row. :func:`emit` writes the others (a shared draft appeared, one person's
notification, access changed) to the same log, in the caller's transaction. The event
log itself is ``postroom.events``; the catalogue of types is docs/events.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from postroom.core import clock
from postroom.events.log import Listener, append, listen
from postroom.inbox.actors import Actor, actor_ref


@dataclass(frozen=True)
class Event:
    type: str  # from the catalogue (postroom.events.catalogue.EventType)
    inbox_id: int | None
    conversation_id: int | None = None
    user_id: int | None = None  # set when the event is for one person only
    data: dict[str, Any] = field(default_factory=dict)


def emit(event: Event, *, actor: Actor) -> None:
    """Write ``event`` to the log in the current transaction."""
    kind, actor_id = actor_ref(actor)
    append(
        event.type,
        actor_kind=kind,
        actor_id=actor_id,
        created_at=clock.now(),
        inbox_id=event.inbox_id,
        conversation_id=event.conversation_id,
        user_id=event.user_id,
        data=event.data,
    )


def subscribe(listener: Listener) -> Any:
    """Run ``listener`` right after each commit in this process (live push only)."""
    return listen(listener)
