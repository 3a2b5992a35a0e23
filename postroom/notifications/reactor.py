"""Turn committed domain events into notifications (a reactor: it only calls actions)."""

from __future__ import annotations

import logging

from postroom.accounts.models import User
from postroom.inbox.actors import SYSTEM
from postroom.inbox.events import Event
from postroom.inbox.models import Activity, Conversation, Direction, Message, MessageKind
from postroom.notifications.models import Follower

log = logging.getLogger(__name__)


def on_event(event: Event) -> None:
    if event.conversation_id is None:
        return
    if event.type == "conversation.assigned":
        _assigned(event)
    elif event.type == "message.received":
        _received(event)


def _actor_of(event: Event) -> User | None:
    assert event.conversation_id is not None
    activity = (
        Activity.objects.filter(conversation_id=event.conversation_id, verb=event.type)
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    return activity.actor if activity is not None else None


def _assigned(event: Event) -> None:
    from postroom.inbox.actions.notifications import do_notify_assigned

    added = event.data.get("added") or []
    assert event.conversation_id is not None
    conversation = Conversation.objects.filter(pk=event.conversation_id).first()
    if not added or conversation is None:
        return
    users = list(User.objects.filter(pk__in=added, is_active=True))
    do_notify_assigned(conversation, users, actor=_actor_of(event) or SYSTEM)


def _received(event: Event) -> None:
    from postroom.inbox.actions.notifications import do_notify_reply

    data = event.data
    assert event.conversation_id is not None
    # Cheap exits first: this runs for every message received.
    if (
        data.get("new_conversation")
        or data.get("direction", Direction.INBOUND) != Direction.INBOUND
        or data.get("kind", MessageKind.NORMAL) != MessageKind.NORMAL
        or not Follower.objects.filter(conversation_id=event.conversation_id).exists()
    ):
        return
    message = (
        Message.objects.filter(pk=int(data.get("message") or 0))
        .select_related("conversation")
        .first()
    )
    if (
        message is None
        or message.direction != Direction.INBOUND
        or message.kind != MessageKind.NORMAL
        or message.conversation.message_count < 2
    ):
        return
    do_notify_reply(
        message.conversation, sender=message.from_name or message.from_email, actor=SYSTEM
    )
