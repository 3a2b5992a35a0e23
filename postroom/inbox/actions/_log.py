"""Shared plumbing for actions: the activity row and the event, written together."""

from __future__ import annotations

from typing import Any

from django.db import models

from postroom.core import clock
from postroom.inbox.actors import Actor, actor_fields
from postroom.inbox.events import Event, emit
from postroom.inbox.models import Activity, Conversation, Inbox


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
    activity = Activity.objects.create(
        verb=verb,
        inbox=inbox,
        conversation=conversation,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=data or {},
        created_at=clock.now(),
        **actor_fields(actor),
    )
    emit(
        Event(
            type=event or verb,
            inbox_id=inbox.pk if inbox is not None else None,
            conversation_id=conversation.pk if conversation is not None else None,
            data=data or {},
        )
    )
    return activity
