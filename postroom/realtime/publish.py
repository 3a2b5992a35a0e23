"""Forward domain events (already committed) to the channel layer, to their audience only."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db.models import Q

from postroom.accounts.models import User
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation, ConversationInbox
from postroom.realtime.groups import inbox_group, user_group

log = logging.getLogger(__name__)

# The event loop serving websockets in this process, noted by the first socket. Sends
# from other threads (views, the digest, the SMTP receiver) are handed to it: the
# in-memory channel layer's queues belong to that loop.
_server_loop: asyncio.AbstractEventLoop | None = None


def note_server_loop() -> None:
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def event_message(event: LoggedEvent) -> dict[str, Any]:
    """The small payload clients get: what changed and where, never the content."""
    return {
        "type": "domain.event",
        "event": event.type,
        "inbox": event.inbox_id,
        "conversation": event.conversation_id,
        "user": event.user_id,
    }


def publish_event(event: LoggedEvent) -> None:
    """Event subscriber: runs after commit, in whichever process made the change."""
    layer = get_channel_layer()
    if layer is None:
        return
    if event.type == "message.received" and event.data.get("new_conversation"):
        return  # "conversation.created" for the same message already told everyone
    message = event_message(event)
    log.debug("publishing %s for inbox %s", event.type, event.inbox_id)
    if event.user_id is not None:
        sends = [(user_group(event.user_id), message)]
    elif event.inbox_id is not None:
        # Each inbox the conversation is in hears it, as an event of that inbox: a
        # socket checks the inbox against the user's grants.
        try:
            places = _audience_inboxes(layer, event.inbox_id, event.conversation_id)
        except Exception:  # the database gone: at least the event's own inbox hears it
            log.exception("could not read the inboxes of conversation %s", event.conversation_id)
            places = [event.inbox_id]
        sends = [(inbox_group(pk), message | {"inbox": pk}) for pk in places]
    elif event.data.get("shared_with"):
        # A saved reply: to the people who saw it before the change or see it now, each
        # in their own group (so pickers open on any page refresh), nobody else.
        if _nobody_listens(layer):
            return
        try:
            people = _shared_with_users(event.data["shared_with"])
        except Exception:  # the database gone: nobody hears rather than too many
            log.exception("could not read who sees saved reply %s", event.data.get("saved_reply"))
            return
        sends = [(user_group(pk), message | {"user": pk}) for pk in people]
    else:
        return  # workspace-level events (labels, teams) have no live audience yet
    for group, each in sends:
        try:
            _send(layer, group, each)
        except Exception:  # a dead channel layer must not break the committed action
            log.exception("could not publish %s to %s", event.type, group)


def _nobody_listens(layer: Any) -> bool:
    return _server_loop is None and isinstance(layer, InMemoryChannelLayer)


def _shared_with_users(shared_with: list[str]) -> list[int]:
    """The active users named by ``user:<id>``, ``team:<id>`` (its members) and
    ``everyone``: one query."""
    if "everyone" in shared_with:
        return list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    users = {int(a[5:]) for a in shared_with if a.startswith("user:")}
    teams = {int(a[5:]) for a in shared_with if a.startswith("team:")}
    found = User.objects.filter(is_active=True).filter(Q(pk__in=users) | Q(teams__in=teams))
    return sorted(set(found.values_list("pk", flat=True)))


def _audience_inboxes(layer: Any, inbox_id: int, conversation_id: int | None) -> list[int]:
    """The event's inbox, then every other inbox the conversation is in: one query, not
    made when no socket in this process could listen."""
    nobody = _nobody_listens(layer)
    if conversation_id is None or nobody:
        return [inbox_id]
    home = Conversation.objects.filter(pk=conversation_id).values_list("inbox_id", flat=True)
    others = ConversationInbox.objects.filter(conversation_id=conversation_id).values_list(
        "inbox_id", flat=True
    )
    return list(dict.fromkeys([inbox_id, *home.union(others, all=True)]))


def _send(layer: Any, group: str, message: dict[str, Any]) -> None:
    loop = _server_loop
    if loop is None and isinstance(layer, InMemoryChannelLayer):  # (LocalChannelLayer too)
        return  # no socket was ever opened in this process: nobody here can listen
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is not None and loop.is_running():
        if running is loop:
            loop.create_task(layer.group_send(group, message))
        else:
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
    elif running is None:
        async_to_sync(layer.group_send)(group, message)
    else:
        # Called from inside some other event loop's thread: send from a helper thread.
        sender = threading.Thread(target=async_to_sync(layer.group_send), args=(group, message))
        sender.start()
        sender.join(5)
