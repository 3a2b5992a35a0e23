"""Shared plumbing for actions: the activity row and the event, written together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from postroom.core import clock
from postroom.inbox.actors import Actor, actor_fields
from postroom.inbox.events import Event, emit
from postroom.inbox.models import Activity, Conversation, Inbox

# When set, activity rows are collected and written together (see batched_activity).
_pending: ContextVar[list[Activity] | None] = ContextVar("pending_activity", default=None)


@contextmanager
def batched_activity() -> Iterator[None]:
    """Write the activity rows of many actions in one INSERT at the end of the block.

    For bulk work such as digesting a batch of mail, inside one transaction: the rows
    still commit (or roll back) together with the changes they describe.
    """
    if _pending.get() is not None:  # already batching: the outer block flushes
        yield
        return
    rows: list[Activity] = []
    token = _pending.set(rows)
    try:
        yield
        Activity.objects.bulk_create(rows, batch_size=500)
    finally:
        _pending.reset(token)


def flush_pending_activity() -> None:
    """Write batched activity rows now: for actions that move or delete the rows' targets
    (merging, purging) while a batch is open."""
    pending = _pending.get()
    if pending:
        Activity.objects.bulk_create(pending, batch_size=500)
        pending.clear()


def record(
    verb: str,
    *,
    actor: Actor,
    conversation: Conversation | None = None,
    inbox: Inbox | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    event: str | None = None,
) -> Activity:
    """Write the Activity row for ``verb`` and emit ``event`` (default: the verb) on commit.

    Call inside the action's transaction.
    """
    if conversation is not None and inbox is None:
        inbox = conversation.inbox
    activity = Activity(
        verb=verb,
        inbox=inbox,
        conversation=conversation,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=data or {},
        created_at=clock.now(),
        **actor_fields(actor),
    )
    pending = _pending.get()
    if pending is None:
        activity.save(force_insert=True)
    else:
        pending.append(activity)
    emit(
        Event(
            type=event or verb,
            inbox_id=inbox.pk if inbox is not None else None,
            conversation_id=conversation.pk if conversation is not None else None,
            data=data or {},
        )
    )
    return activity
