"""The search reactor: each event that changes what a conversation can be found by has
its document rebuilt (docs/search.md)."""

from __future__ import annotations

from django.db.models import Q

from postroom.events.catalogue import EventType as E
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation
from postroom.search.events import CONTACT_EVENTS, CONVERSATION_EVENTS
from postroom.search.indexer import reindex


def handle(event: LoggedEvent) -> None:
    reindex(conversations_touched(event))


def handle_batch(events: list[LoggedEvent]) -> None:
    """A batch of events at once: each conversation they touched rebuilt once, from what
    it holds now (what handling them one by one ends with)."""
    touched: set[int] = set()
    for event in events:
        touched.update(conversations_touched(event))
    reindex(touched)


def conversations_touched(event: LoggedEvent) -> list[int]:
    kind = E(event.type)
    data = event.data if isinstance(event.data, dict) else {}
    if kind in CONVERSATION_EVENTS:
        found = [event.conversation_id] if event.conversation_id else []
        if kind == E.CONVERSATION_SPLIT and isinstance(data.get("new"), int):
            found.append(data["new"])
        return found
    if kind in CONTACT_EVENTS:
        owner = Q(contact_id=int(data.get("contact") or 0))
    else:
        owner = Q(contact__company_id=int(data.get("company") or 0))
    return list(Conversation.objects.filter(owner).values_list("pk", flat=True))
