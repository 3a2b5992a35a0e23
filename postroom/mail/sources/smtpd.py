"""SMTP receiver: mail delivered straight to Postroom, acknowledged only once stored.

Contract with the sending MTA:
- RCPT TO is accepted only for an inbox address or alias (case-insensitive, with
  ``local+anything@`` meaning ``local@``); everything else gets 550, so this is never a relay.
- ``250`` after DATA is sent only when :func:`~postroom.mail.store.store_raw` has committed
  the raw bytes. Any failure to store answers ``451`` and the sender retries later; a retry
  of something already stored is deduplicated by the store.
- One message to several of our addresses in one transaction is stored once, for the first
  recipient's inbox, with every accepted recipient kept in ``envelope_to``.

The asyncio server runs in aiosmtpd's own thread; all ORM work goes to one dedicated
database thread (Django connections are per thread, and the event loop must never block).
See docs/ingest-sources.md.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import signal
import socket
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from postroom.core.env import ConfigError, env_int, env_optional, env_str
from postroom.inbox.models import Inbox, InboxAddress
from postroom.mail.models import Source
from postroom.mail.store import store_raw

log = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 25 * 1024 * 1024

NO_SUCH_MAILBOX = "550 5.1.1 <{address}>: no such mailbox here"
TOO_BIG = "552 5.3.4 Message too big"
TRY_AGAIN = "451 4.3.0 Temporary failure, try again"

# aiosmtpd enforces the size limit itself (SIZE= on MAIL FROM, and counting DATA) with
# replies that carry no enhanced status code; these are rewritten to TOO_BIG.
_AIOSMTPD_SIZE_REPLIES = frozenset(
    {
        "552 Error: message size exceeds fixed maximum message size",
        "552 Error: Too much mail data",
    }
)


def _address_candidates(address: str) -> list[str]:
    """The address as given, then without its ``+detail`` (``support+x@`` → ``support@``)."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return []
    candidates = [address]
    if "+" in local:
        base = local.split("+", 1)[0]
        if base:
            candidates.append(f"{base}@{domain}")
    return candidates


def inbox_for_address(address: str) -> Inbox | None:
    """The inbox that ``address`` delivers into (its own address or an alias), if any.

    Read fresh from the database on every call, so a new alias works at once and a
    removed one stops at once.
    """
    for candidate in _address_candidates(address):
        inbox = Inbox.objects.filter(address__iexact=candidate).first()
        if inbox is not None:
            return inbox
        alias = InboxAddress.objects.filter(address__iexact=candidate).select_related("inbox")
        found = alias.first()
        if found is not None:
            return found.inbox
    return None


def _with_connection[T](func: Callable[[], T]) -> T:
    # The same hygiene as a request: drop a connection that broke or outlived
    # CONN_MAX_AGE before the work, and after it.
    close_old_connections()
    try:
        return func()
    finally:
        close_old_connections()


class _DatabaseThread:
    """One thread that runs every ORM call of the receiver, one after another.

    Stored mail is serialised anyway by the database's write lock (SQLite) or is a few
    milliseconds per insert (PostgreSQL); one thread keeps one connection to close on stop.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtpd-db")

    async def run[T](self, func: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _with_connection, func)

    def close(self) -> None:
        self._executor.submit(connections.close_all).result()
        self._executor.shutdown(wait=True)


def _store(raw: bytes, *, mail_from: str, rcpt_tos: list[str], source_ref: str) -> int:
    """Store one received message; returns the raw row id. Runs in the database thread."""
    for address in rcpt_tos:
        inbox = inbox_for_address(address)
        if inbox is not None:
            break
    else:
        # Every recipient vanished between RCPT and DATA (inbox deleted): let the
        # sender retry, and get a 550 at RCPT next time.
        raise LookupError(f"no inbox for any of {rcpt_tos}")
    stored = store_raw(
        raw,
        inbox=inbox,
        source=Source.SMTP,
        source_ref=source_ref,
        envelope_from=mail_from,
        envelope_to=list(rcpt_tos),
    )
    log.info(
        "smtp: %s raw #%s from <%s> to %s",
        "stored" if stored.created else "already had",
        stored.raw_id,
        mail_from,
        ", ".join(rcpt_tos),
    )
    return stored.raw_id


class PostroomHandler:
    """aiosmtpd handler: recipient checks and durable storage of each message."""

    def __init__(self) -> None:
        self.db = _DatabaseThread()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            inbox = await self.db.run(functools.partial(inbox_for_address, address))
        except Exception:
            log.exception("smtp: recipient lookup failed for <%s>", address)
            return TRY_AGAIN
        if inbox is None:
            log.info("smtp: refused <%s> from %s", address, session.peer)
            return NO_SUCH_MAILBOX.format(address=address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        work = functools.partial(
            _store,
            raw,
            # aiosmtpd reports the null sender of bounces (MAIL FROM:<>) as "<>".
            mail_from="" if envelope.mail_from in (None, "<>") else envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            source_ref=f"smtp from {session.host_name or '?'} [{peer}]",
        )
        try:
            await self.db.run(work)
        except Exception:
            log.exception("smtp: could not store a message from <%s>", envelope.mail_from)
            return TRY_AGAIN
        return "250 OK"


class PostroomSMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes on size refusals and lenient lines."""

    # RFC 5321 caps lines at 1000 octets, but real senders exceed it; refusing them would
    # bounce legitimate mail. The message size limit still bounds memory.
    line_length_limit = 1024 * 1024

    async def push(self, status: AnyStr) -> None:
        if isinstance(status, str) and status in _AIOSMTPD_SIZE_REPLIES:
            await super().push(TOO_BIG)
        else:
            await super().push(status)


class PostroomController(Controller):
    """A threaded aiosmtpd controller that also stops the receiver's database thread."""

    handler: PostroomHandler

    def factory(self) -> SMTP:
        return PostroomSMTP(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.db.close()


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context for STARTTLS from a PEM certificate chain and its key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def start_smtpd(
    host: str,
    port: int,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    hostname: str | None = None,
    tls: ssl.SSLContext | None = None,
) -> PostroomController:
    """Start the receiver in its own thread; call ``.stop()`` on the result to end it.

    ``max_size`` (bytes) is advertised as SIZE and enforced; 8BITMIME and SMTPUTF8 are on,
    and the body is kept as bytes exactly as received. With ``tls``, STARTTLS is offered
    (not required: senders that cannot do TLS still deliver, as on any public MX).
    """
    controller = PostroomController(
        PostroomHandler(),
        hostname=host,
        port=port,
        # Resolved once: aiosmtpd would otherwise look the FQDN up on every connection.
        server_hostname=hostname or socket.getfqdn(),
        data_size_limit=max_size,
        enable_SMTPUTF8=True,
        decode_data=False,
        tls_context=tls,
    )
    controller.start()
    log.info("smtp: listening on %s:%s (max %s bytes)", host, port, max_size)
    return controller


@dataclass(frozen=True)
class SmtpdConfig:
    host: str
    port: int
    max_size: int
    tls_cert: str | None
    tls_key: str | None


def max_message_size() -> int:
    """The largest message any door takes, in bytes (POSTROOM_SMTPD_MAX_BYTES): SMTP
    refuses a larger one with 552, import skips and lists it."""
    return env_int("POSTROOM_SMTPD_MAX_BYTES", DEFAULT_MAX_SIZE, minimum=1024)


def config_from_env() -> SmtpdConfig:
    """The receiver's settings from POSTROOM_SMTPD_* (see docs/ingest-sources.md)."""
    config = SmtpdConfig(
        host=env_str("POSTROOM_SMTPD_HOST", "127.0.0.1"),
        port=env_int("POSTROOM_SMTPD_PORT", 2525, minimum=1),
        max_size=max_message_size(),
        tls_cert=env_optional("POSTROOM_SMTPD_TLS_CERT"),
        tls_key=env_optional("POSTROOM_SMTPD_TLS_KEY"),
    )
    if bool(config.tls_cert) != bool(config.tls_key):
        raise ConfigError("POSTROOM_SMTPD_TLS_CERT and POSTROOM_SMTPD_TLS_KEY go together")
    return config


def build_parser() -> argparse.ArgumentParser:
    config = config_from_env()
    parser = argparse.ArgumentParser(
        prog="postroom smtpd", description="Receive mail for the inboxes over SMTP."
    )
    parser.add_argument("--host", default=config.host)
    parser.add_argument("--port", type=int, default=config.port)
    parser.add_argument(
        "--max-size", type=int, default=config.max_size, help="largest message accepted, in bytes"
    )
    parser.add_argument(
        "--hostname", default=None, help="name to greet with (default: this machine's FQDN)"
    )
    parser.add_argument("--tls-cert", default=config.tls_cert, help="PEM chain for STARTTLS")
    parser.add_argument("--tls-key", default=config.tls_key, help="PEM key for STARTTLS")
    return parser


def main(argv: list[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """``postroom smtpd``: serve until SIGINT/SIGTERM (or ``stop`` is set). Needs Django set up."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if stop is None:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: stop.set())
    controller = start_smtpd(
        args.host,
        args.port,
        max_size=args.max_size,
        hostname=args.hostname,
        tls=tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None,
    )
    print(f"Postroom SMTP receiver on {args.host}:{args.port}. Press Ctrl+C to stop.", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
    return 0
