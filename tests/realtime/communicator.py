"""Talk to the ASGI websocket app the way a browser does, without a network.

A small driver over asgiref's ApplicationCommunicator (the ASGI test harness).
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class Socket:
    def __init__(self, app: Any, path: str, user: Any) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "subprotocols": [],
            "user": user,
        }
        self._io = ApplicationCommunicator(app, scope)
        self.hello: dict[str, Any] = {}

    async def connect(self) -> tuple[bool, int | None]:
        await self._io.send_input({"type": "websocket.connect"})
        reply = await self._io.receive_output(2)
        if reply["type"] == "websocket.accept":
            return True, None
        return False, reply.get("code")

    async def send_json(self, data: Any) -> None:
        await self._io.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def send_frame(self, *, text: str | None = None, data: bytes | None = None) -> None:
        """A raw frame, as a buggy or hostile client may send it."""
        frame: dict[str, Any] = {"type": "websocket.receive"}
        if text is not None:
            frame["text"] = text
        if data is not None:
            frame["bytes"] = data
        await self._io.send_input(frame)

    async def receive(self, timeout: float = 2.0) -> dict[str, Any]:
        return await self._io.receive_output(timeout)

    async def receive_json(self, timeout: float = 2.0) -> Any:
        output = await self.receive(timeout)
        assert output["type"] == "websocket.send", output
        return json.loads(output["text"])

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self._io.receive_nothing(timeout)

    async def close(self) -> None:
        await self._io.send_input({"type": "websocket.disconnect", "code": 1000})
        await self._io.wait(1)
