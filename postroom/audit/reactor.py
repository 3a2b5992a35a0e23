"""Copies the security-relevant events of the log into the audit trail, in log order,
with their actor and target (a durable reactor: nothing is skipped, nothing twice).
Which events: the "audit" row of ``postroom.events.reactors.REACTORS``."""

from __future__ import annotations

from postroom.accounts.models import User
from postroom.audit.trail import append
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Activity


def handle(event: LoggedEvent) -> None:
    actor = (
        User.objects.filter(pk=event.actor_id).first()
        if event.actor_kind == "user" and event.actor_id is not None
        else None
    )
    activity = (
        Activity.objects.filter(pk=event.activity_id).only("target_type", "target_id").first()
        if event.activity_id is not None
        else None
    )
    target_type, target_id = "", None
    if activity is not None and activity.target_type:
        target_type, target_id = activity.target_type, activity.target_id
    elif event.conversation_id is not None:
        target_type, target_id = "conversation", event.conversation_id
    elif event.inbox_id is not None:
        target_type, target_id = "inbox", event.inbox_id
    append(
        event.type,
        actor=actor,
        actor_label="" if actor is not None else event.actor_kind,
        target_type=target_type,
        target_id=target_id,
        data={"event": event.pk, **event.data},
        at=event.created_at,
    )
