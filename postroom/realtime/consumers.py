"""The one websocket a signed-in page opens (``/ws/live/``).

On connect it joins the groups of the inboxes the user may see, and their own user
group. A client may ask to *watch* one conversation (to see and share presence); that
is granted only through the access check. Events are re-checked against the user's
current access before they are forwarded, and an ``access.changed`` event makes the
socket recompute its groups, so losing access takes effect at once.

Presence is ephemeral: it travels between sockets through the channel layer and is
never written to the database. Each client repeats its state every few seconds; others
forget a person whose state they have not heard for ``PRESENCE_TTL`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django_otp import DEVICE_ID_SESSION_KEY

from postroom.accounts.models import User
from postroom.accounts.twofactor import second_factor_missing
from postroom.inbox.access import access_conversation, inbox_levels
from postroom.realtime.groups import conversation_group, inbox_group, user_group
from postroom.realtime.publish import note_server_loop

log = logging.getLogger(__name__)

PRESENCE_STATES = {"viewing", "replying", "noting"}
PRESENCE_TTL = 20  # seconds, told to clients
RECHECK_SECONDS = 2.0
REJOIN_SECONDS = 3600.0
# user id → (when, inbox ids): shared by a person's sockets in this process (many tabs),
# refreshed by any of them on access.changed.
_recent: dict[int, tuple[float, set[int]]] = {}
_reading: dict[int, asyncio.Future[set[int]]] = {}


class LiveConsumer(AsyncJsonWebsocketConsumer):
    user: User
    inbox_ids: set[int]
    watching: int | None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, User) or not user.is_active:
            await self.close(code=4401)
            return
        session = self.scope.get("session")
        device = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
        if second_factor_missing(user, device):
            await self.close(code=4401)  # signed in with the password only: not yet
            return
        note_server_loop()
        self.user = user
        self.inbox_ids = set()
        self.watching = None
        await self.accept()
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await self._sync_inboxes(announce=False)
        self._keeper = asyncio.ensure_future(self._keep_memberships())
        await self.send_json(
            {"type": "hello", "inboxes": sorted(self.inbox_ids), "presence_ttl": PRESENCE_TTL}
        )

    async def _keep_memberships(self) -> None:
        """Channel layers forget group members after a day (``group_expiry``); a socket
        that stays open for days joins its groups again well before that."""
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
            for inbox_id in self.inbox_ids:
                await self.channel_layer.group_add(inbox_group(inbox_id), self.channel_name)
            if self.watching is not None:
                await self.channel_layer.group_add(
                    conversation_group(self.watching), self.channel_name
                )

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        keeper = getattr(self, "_keeper", None)
        if keeper is not None:
            keeper.cancel()
        await self._stop_watching()
        for inbox_id in self.inbox_ids:
            await self.channel_layer.group_discard(inbox_group(inbox_id), self.channel_name)
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)

    # Messages from the browser ------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """Decode a frame; one that is not JSON text is answered with an error and a
        one-line warning, never a traceback (the socket stays open)."""
        try:
            if text_data is None:
                raise ValueError("a binary frame")
            content = json.loads(text_data)
        except ValueError as exc:
            size = len(text_data if text_data is not None else bytes_data or b"")
            log.warning(
                "live socket of user %s: frame ignored, not JSON text (%s, %d characters)",
                self.user.pk,
                str(exc).split(":")[0],
                size,
            )
            await self.send_json({"type": "error", "error": "frames must be JSON text"})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        match content.get("type"):
            case "watch":
                await self._watch(content.get("conversation"))
            case "unwatch":
                await self._stop_watching()
            case "presence":
                await self._presence(content.get("state"))
            case _:
                await self.send_json({"type": "error", "error": "unknown message type"})

    async def _watch(self, conversation_id: Any) -> None:
        await self._stop_watching()
        if not isinstance(conversation_id, int) or not await self._may_see(conversation_id):
            # Same answer whether it does not exist or is not theirs: no hint either way.
            await self.send_json({"type": "error", "error": "not found"})
            return
        self.watching = conversation_id
        await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
        await self.send_json({"type": "watching", "conversation": conversation_id})
        await self._presence("viewing")

    async def _stop_watching(self) -> None:
        if self.watching is None:
            return
        group = conversation_group(self.watching)
        await self.channel_layer.group_send(group, self._presence_message("left"))
        await self.channel_layer.group_discard(group, self.channel_name)
        self.watching = None

    async def _presence(self, state: Any) -> None:
        if self.watching is None or state not in PRESENCE_STATES:
            return
        await self.channel_layer.group_send(
            conversation_group(self.watching), self._presence_message(str(state))
        )

    def _presence_message(self, state: str) -> dict[str, Any]:
        return {
            "type": "presence.update",
            "conversation": self.watching,
            "state": state,
            "user": self.user.pk,
            "name": self.user.name,
            "initials": self.user.initials,
            "sender": self.channel_name,
        }

    # Messages from the channel layer ------------------------------------------------

    async def domain_event(self, message: dict[str, Any]) -> None:
        if message.get("event") == "access.changed":
            await self._sync_inboxes()  # tells the client with an "access" message
            return
        inbox_id = message.get("inbox")
        # Re-check: a revoked grant may not have reached this socket's groups yet.
        if (
            inbox_id is not None
            and message.get("user") is None
            and inbox_id not in await self._recent_inbox_ids()
        ):
            await self._sync_inboxes()
            return
        await self.send_json(
            {k: message[k] for k in ("event", "inbox", "conversation")} | {"type": "event"}
        )

    async def presence_update(self, message: dict[str, Any]) -> None:
        if message.get("sender") == self.channel_name:
            return
        await self.send_json(
            {
                "type": "presence",
                **{k: message[k] for k in ("conversation", "state", "user", "name", "initials")},
            }
        )

    # Access -------------------------------------------------------------------------

    async def _recent_inbox_ids(self) -> set[int]:
        """The user's inboxes, read from the database at most every RECHECK_SECONDS.

        Revocations reach the socket at once through ``access.changed``; this bounded
        re-check only covers an event racing that notice, without a query per event per
        socket (a busy inbox with hundreds of agents connected).
        """
        now = time.monotonic()
        cached = _recent.get(self.user.pk)
        if cached is not None and now - cached[0] <= RECHECK_SECONDS:
            return cached[1]
        # One read per person however many of their sockets ask at the same moment.
        pending = _reading.get(self.user.pk)
        if pending is None:
            pending = asyncio.ensure_future(self._current_inbox_ids())
            _reading[self.user.pk] = pending
            try:
                _recent[self.user.pk] = (now, await pending)
            finally:
                _reading.pop(self.user.pk, None)
        return set(await pending)

    async def _current_inbox_ids(self) -> set[int]:
        # Read-only and per call: no need to queue behind every other socket's database
        # work in the one thread-sensitive executor.
        result: set[int] = await database_sync_to_async(
            self._current_inbox_ids_sync, thread_sensitive=False
        )()
        return result

    def _current_inbox_ids_sync(self) -> set[int]:
        self.user.refresh_from_db(fields=["is_active", "role"])
        return set(inbox_levels(self.user))

    @database_sync_to_async
    def _may_see_sync(self, conversation_id: int) -> bool:
        try:
            access_conversation(self.user, conversation_id)
        except Http404:
            return False
        return True

    async def _may_see(self, conversation_id: int) -> bool:
        return bool(await self._may_see_sync(conversation_id))

    async def _sync_inboxes(self, *, announce: bool = True) -> None:
        current = await self._current_inbox_ids()
        _recent[self.user.pk] = (time.monotonic(), current)
        for inbox_id in self.inbox_ids - current:
            await self.channel_layer.group_discard(inbox_group(inbox_id), self.channel_name)
        for inbox_id in current - self.inbox_ids:
            await self.channel_layer.group_add(inbox_group(inbox_id), self.channel_name)
        self.inbox_ids = current
        if self.watching is not None and not await self._may_see(self.watching):
            await self.channel_layer.group_discard(
                conversation_group(self.watching), self.channel_name
            )
            self.watching = None
        if not self.user.is_active:
            await self.close(code=4403)
        elif announce:
            await self.send_json({"type": "access", "inboxes": sorted(current)})
