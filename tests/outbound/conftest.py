"""A real SMTP server for outbound tests, and helpers to move the outbox along.

The "remote" server is aiosmtpd in its own thread. It records what it accepted, and
can refuse (``peer.refuse = "550 ..."``) or be stopped and started again to play an
outage. The outbox itself runs in the test's thread through ``deliver_due()``, with the
clock moved by hand: no sleeping.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from postroom.core import clock
from postroom.outbound.loop import deliver_due
from tests.api.conftest import api_as  # noqa: F401  (the API tests' fixture, shared here)

ANSWER = "250 2.0.0 Ok: queued as 4F2A1C"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: str | None = None  # answer DATA with this instead of accepting
    refuse_rcpt: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return ANSWER


class Peer:
    """The remote SMTP server: start, stop (an outage), start again on the same port."""

    def __init__(self, **server_kwargs: Any) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.server_kwargs = server_kwargs
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.server_kwargs
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def peer(settings) -> Iterator[Peer]:
    """A running SMTP server, and the workspace's transport pointed at it."""
    server = Peer(enable_SMTPUTF8=True)
    server.start()
    settings.POSTROOM_OUTBOUND_TRANSPORT = "smtp"
    settings.POSTROOM_OUTBOUND_SMTP_HOST = "127.0.0.1"
    settings.POSTROOM_OUTBOUND_SMTP_PORT = server.port
    settings.POSTROOM_OUTBOUND_SMTP_SECURITY = "none"
    settings.POSTROOM_OUTBOUND_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def frozen(world) -> datetime:
    """Freeze the clock (after the world was built); tests move it with ``advance``."""
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment)
    return moment


def advance(seconds: float) -> datetime:
    moment = clock.now() + timedelta(seconds=seconds)
    clock.freeze(moment)
    return moment


def send_due(after: float = 11) -> int:
    """Let ``after`` seconds pass (past the undo window by default), then run the outbox."""
    advance(after)
    return deliver_due()
