"""The in-process channel layer of the one-process server.

Channels' ``InMemoryChannelLayer`` sweeps every channel for expired messages on each
send and receive, and makes a task and a deep copy per member of a group: a group send
to N sockets costs O(N²). With hundreds of agents connected that is the whole latency
budget. This layer keeps the same semantics (capacity, expiry, groups) but sweeps at
most once a second and delivers a group send in one pass, sharing one copy of the
message (consumers never mutate it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    def _sweep(self) -> None:
        now = time.monotonic()
        if now - self._swept_at >= SWEEP_EVERY:
            self._swept_at = now
            self._clean_expired()

    def _put(self, channel: str, item: tuple[float, dict[str, Any]]) -> None:
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull as exc:
            raise ChannelFull(channel) from exc

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._sweep()
        self._put(channel, (time.time() + self.expiry, deepcopy(message)))

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._sweep()
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)
        result: dict[str, Any] = message
        return result

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._sweep()
        item = (time.time() + self.expiry, deepcopy(message))
        for channel in list(self.groups.get(group, {})):
            # A stuck socket loses this notice; the others still get it.
            with contextlib.suppress(ChannelFull):
                self._put(channel, item)
