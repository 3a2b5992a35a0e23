"""Read and unread, per person.

Opening a conversation marks it read for the viewer. That happens on every page view,
so the action is built to cost little: it writes only when the state changes (a
conversation already read since the customer's last message writes nothing), and what
it writes is one row of ``ReadMark`` and one light personal event (no Activity row: a
read is nobody else's business and not part of the conversation's history). The event
lets the reader's other open pages refresh their bold rows; it moves no page version,
so the shared list rows are not rendered again.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import require_on
from postroom.inbox.events import Event, emit
from postroom.inbox.models import Conversation, ReadMark


def latest_customer_activity(conversation: Conversation) -> datetime:
    """What a read must be newer than: the customer's last message, or the start."""
    return conversation.last_customer_at or conversation.created_at


def is_read(mark: ReadMark | None, conversation: Conversation) -> bool:
    return (
        mark is not None
        and not mark.marked_unread
        and mark.seen_at is not None
        and mark.seen_at >= latest_customer_activity(conversation)
    )


def _save(mark: ReadMark) -> None:
    # One statement whether or not the row exists, so two tabs opening the same
    # conversation at once cannot collide on the unique (user, conversation).
    ReadMark.objects.bulk_create(
        [mark],
        update_conflicts=True,
        unique_fields=["user", "conversation"],
        update_fields=["seen_at", "marked_unread"],
    )


def _tell(actor: User, kind: str, conversation: Conversation) -> None:
    """The reader's own event: their other open lists show the row's new state."""
    event = Event(kind, conversation.inbox_id, conversation.pk, user_id=actor.pk)
    emit(event, actor=actor)


@transaction.atomic
def do_mark_conversation_read(conversation: Conversation, *, actor: User) -> datetime | None:
    """Mark ``conversation`` read for ``actor``. Returns when they had read it before
    (None: never), so the page can show what arrived since."""
    require_on(actor, "do_mark_conversation_read", conversation)
    mark = ReadMark.objects.filter(user=actor, conversation=conversation).first()
    before = mark.seen_at if mark is not None else None
    if is_read(mark, conversation):
        return before  # nothing changed: nothing written, no event
    _save(ReadMark(user=actor, conversation=conversation, seen_at=clock.now()))
    _tell(actor, "conversation.read", conversation)
    return before


@transaction.atomic
def do_mark_conversation_unread(conversation: Conversation, *, actor: User) -> bool:
    """Make ``conversation`` unread for ``actor`` until they open it again; when they
    had read it, what is new is still counted from then. Returns whether it changed."""
    require_on(actor, "do_mark_conversation_unread", conversation)
    mark = ReadMark.objects.filter(user=actor, conversation=conversation).first()
    if mark is not None and mark.marked_unread:
        return False
    seen = mark.seen_at if mark is not None else None
    _save(ReadMark(user=actor, conversation=conversation, seen_at=seen, marked_unread=True))
    _tell(actor, "conversation.unread", conversation)
    return True
