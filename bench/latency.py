"""Latency benchmark: from mail accepted to a connected agent's browser being told.

Runs the real one-process server (`postroom serve` with the SMTP receiver) in a
subprocess, connects websocket clients with a signed-in session, and measures:

- SMTP: from the moment the receiver answers 250 to the moment the client receives the
  new-conversation event (p50/p95 over --messages messages);
- IMAP: from the moment an APPEND into a real Dovecot returns, with the fetcher idling
  (IDLE), to the same event;
- fan-out: with N clients connected to the one web process, the delay until every
  client has the event; the largest N whose p95 stays under 250 ms.

Everything talks over loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
import django, json, sys; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from postroom.accounts.models import Role
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
alice = actions.do_create_user(email="alice@bench.test", name="Alice", password="bench password",
                               role=Role.OWNER, actor=SYSTEM)
inbox = actions.do_create_inbox(name="Support", slug="support", address="support@bench.test",
                                actor=alice)
imap = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
if imap:
    from postroom.mail.actions import do_configure_imap
    do_configure_imap(inbox, host="127.0.0.1", port=imap["port"], security="none",
                      username=imap["user"], password=imap["password"], folder="INBOX",
                      poll_seconds=3600, use_idle=True, actor=alice)
s = SessionStore()
s[SESSION_KEY] = str(alice.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = alice.get_session_auth_hash()
s.create()
print(s.session_key)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mail(i: int, tag: str) -> bytes:
    return (
        f"From: Customer {i} <c{i}@customer.test>\r\nTo: support@bench.test\r\n"
        f"Subject: {tag} {i}\r\nMessage-ID: <{tag}.{i}.{time.time_ns()}@customer.test>\r\n"
        f"\r\nHello number {i}\r\n"
    ).encode()


async def _clients(url: str, session: str, count: int) -> list[Any]:
    from websockets.asyncio.client import connect

    sockets = []
    for _ in range(count):
        ws = await connect(
            url,
            additional_headers={
                "Cookie": f"sessionid={session}",
                "Origin": url.replace("ws://", "http://").split("/ws/")[0],
            },
            max_queue=None,
            open_timeout=20,
        )
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        sockets.append(ws)
    return sockets


async def _next_created(ws: Any, timeout: float = 15) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.perf_counter()))
        if message.get("event") == "conversation.created":
            return time.perf_counter()


async def _smtp_latency(url: str, session: str, smtp_port: int, count: int) -> list[float]:
    [ws] = await _clients(url, session, 1)
    delays = []
    loop = asyncio.get_running_loop()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(count):
            waiter = asyncio.ensure_future(_next_created(ws))
            await loop.run_in_executor(
                None, smtp.sendmail, f"c{i}@customer.test", ["support@bench.test"], _mail(i, "smtp")
            )
            accepted = time.perf_counter()  # sendmail returns after the 250
            delays.append(await waiter - accepted)
    await ws.close()
    return delays


async def _imap_latency(url: str, session: str, dovecot: Any, count: int) -> list[float]:
    [ws] = await _clients(url, session, 1)
    delays = []
    loop = asyncio.get_running_loop()
    with dovecot.client() as imap:
        await asyncio.sleep(2)  # let the fetcher connect and enter IDLE
        for i in range(count):
            waiter = asyncio.ensure_future(_next_created(ws))
            await loop.run_in_executor(None, imap.append, "INBOX", _mail(i, "imap"))
            appended = time.perf_counter()
            delays.append(await waiter - appended)
    await ws.close()
    return delays


async def _fanout(url: str, session: str, smtp_port: int, clients: int, rounds: int) -> float:
    sockets = await _clients(url, session, clients)
    delays: list[float] = []
    loop = asyncio.get_running_loop()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(rounds):
            waiters = [asyncio.ensure_future(_next_created(ws)) for ws in sockets]
            await loop.run_in_executor(
                None,
                smtp.sendmail,
                "f@customer.test",
                ["support@bench.test"],
                _mail(i, f"fan{clients}"),
            )
            accepted = time.perf_counter()
            delays += [t - accepted for t in await asyncio.gather(*waiters)]
    for ws in sockets:
        await ws.close()
    return _pct(delays, 0.95)


def run(messages: int, with_imap: bool, fanout: list[int]) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix="postroom-latency-")
    web_port, smtp_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "POSTROOM_DATA_DIR": data_dir,
        "POSTROOM_SMTPD": "true",
        "POSTROOM_SMTPD_PORT": str(smtp_port),
        "DJANGO_SETTINGS_MODULE": "postroom.settings",
        "PYTHONPATH": str(ROOT),
        "POSTROOM_LOG_LEVEL": os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "postroom.cli", "migrate"], env=env, check=True, cwd=ROOT)
    dovecot = None
    imap_arg = []
    if with_imap:
        sys.path.insert(0, str(ROOT))
        from tests.ingest.dovecot import start_dovecot

        dovecot = start_dovecot()
        imap_arg = [
            json.dumps({"port": dovecot.port, "user": dovecot.user, "password": dovecot.password})
        ]
    session = subprocess.run(
        [sys.executable, "-c", SETUP, *imap_arg],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    with (Path(data_dir) / "server.log").open("wb") as server_log:
        server = subprocess.Popen(
            [sys.executable, *(["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                               if os.environ.get("BENCH_PROFILE") else []),
             "-m", "postroom.cli", "serve", "--port", str(web_port),
             "--no-migrate"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=server_log,
        )  # fmt: skip
    figures: dict[str, object] = {}
    try:
        _wait_port(web_port)
        _wait_port(smtp_port)
        url = f"ws://127.0.0.1:{web_port}/ws/live/"
        smtp = asyncio.run(_smtp_latency(url, session, smtp_port, messages))
        figures.update(
            smtp_p50_ms=round(statistics.median(smtp) * 1000, 1),
            smtp_p95_ms=round(_pct(smtp, 0.95) * 1000, 1),
            smtp_n=len(smtp),
        )
        if dovecot is not None:
            imap = asyncio.run(_imap_latency(url, session, dovecot, messages))
            figures.update(
                imap_p50_ms=round(statistics.median(imap) * 1000, 1),
                imap_p95_ms=round(_pct(imap, 0.95) * 1000, 1),
                imap_n=len(imap),
            )
        best = 0
        for clients in fanout:
            p95 = asyncio.run(_fanout(url, session, smtp_port, clients, rounds=10))
            figures[f"fanout_{clients}_p95_ms"] = round(p95 * 1000, 1)
            if p95 <= 0.25:
                best = clients
            else:
                break
        figures["clients_within_250ms"] = best
    finally:
        server.send_signal(2)  # Ctrl+C: lets a profiled server write its profile
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.terminate()
        server.wait(15)
        if dovecot is not None:
            from tests.ingest.dovecot import stop_dovecot

            stop_dovecot(dovecot)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--no-imap", action="store_true")
    parser.add_argument("--fanout", default="100,250,500")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.messages, not args.no_imap, [int(n) for n in args.fanout.split(",")])
    print(json.dumps({"latency": figures}) if args.json else figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
