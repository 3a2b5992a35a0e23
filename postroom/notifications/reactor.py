"""The ``notifications`` reactor: committed events become notifications.

Runs under ``postroom.events.reactors`` (its own cursor over the log) and changes things
only through actions. The actor of a notification is the event's own actor.
"""

from __future__ import annotations

from postroom.accounts.models import User
from postroom.automation.models import Rule
from postroom.events.models import LoggedEvent
from postroom.inbox.actors import SYSTEM, Actor, NonUserActor
from postroom.inbox.models import ActorKind, Conversation, Direction, Message, MessageKind
from postroom.notifications.models import Follower


def handle(event: LoggedEvent) -> None:
    if event.conversation_id is None:
        return  # every event it handles belongs to a conversation
    if event.type == "conversation.assigned":
        _assigned(event, event.conversation_id)
    elif event.type == "message.received":
        _received(event, event.conversation_id)


def actor_of(event: LoggedEvent) -> Actor:
    """The event's actor as actions take it (a deleted user becomes the system)."""
    if event.actor_kind == ActorKind.USER and event.actor_id is not None:
        user = User.objects.filter(pk=event.actor_id).first()
        return user if user is not None else SYSTEM
    if event.actor_kind == ActorKind.SYSTEM:
        return SYSTEM
    if event.actor_kind == ActorKind.RULE and event.actor_id is not None:
        rule = Rule.objects.filter(pk=event.actor_id).first()
        name = rule.name if rule is not None else str(event.actor_id)
        return NonUserActor(ActorKind.RULE, name, event.actor_id)
    return NonUserActor(ActorKind(event.actor_kind), event.actor_kind, event.actor_id)


def _assigned(event: LoggedEvent, conversation_id: int) -> None:
    from postroom.inbox.actions.notifications import do_notify_assigned

    added = event.data.get("added") or []
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if not added or conversation is None:
        return
    users = list(User.objects.filter(pk__in=added, is_active=True))
    do_notify_assigned(conversation, users, actor=actor_of(event))


def _received(event: LoggedEvent, conversation_id: int) -> None:
    from postroom.inbox.actions.notifications import do_notify_reply

    data = event.data
    # Cheap exits first: this runs for every message received.
    if (
        data.get("new_conversation")
        or data.get("direction", Direction.INBOUND) != Direction.INBOUND
        or data.get("kind", MessageKind.NORMAL) != MessageKind.NORMAL
        or not Follower.objects.filter(conversation_id=conversation_id).exists()
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
