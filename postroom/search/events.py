"""The events that change what a conversation can be found by (docs/search.md): the
search reactor's subscription."""

from __future__ import annotations

from postroom.events.catalogue import EventType as E

# Events whose conversation's words changed: a message, a note, a merge or a split.
CONVERSATION_EVENTS = frozenset(
    {
        E.CONVERSATION_CREATED,
        E.CONVERSATION_MERGED,
        E.CONVERSATION_SPLIT,
        E.MESSAGE_RECEIVED,
        E.MESSAGE_REPLIED,
        E.MESSAGE_FORWARDED,
        E.MESSAGE_AUTO_REPLIED,
        E.MESSAGE_UNSENT,
        E.NOTE_ADDED,
    }
)
# Events about a customer or a company, whose names are in their conversations' documents.
CONTACT_EVENTS = frozenset({E.CONTACT_IDENTITY_ADDED, E.CONTACT_MERGED, E.CONTACT_FORGOTTEN})
COMPANY_EVENTS = frozenset({E.COMPANY_RENAMED, E.COMPANY_MERGED})
TYPES = CONVERSATION_EVENTS | CONTACT_EVENTS | COMPANY_EVENTS
