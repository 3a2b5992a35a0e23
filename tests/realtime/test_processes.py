"""Several processes over real Redis: two web servers and a worker.

An event raised in the worker process reaches websocket clients connected to either
web process. Everything here is real: uvicorn processes, Redis, SQLite in WAL mode
shared by the processes, and a websocket client speaking the protocol.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("POSTROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from postroom.accounts.models import Role
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import AccessLevel
alice = actions.do_create_user(email="alice@example.test", name="Alice", password="long password 1",
                               role=Role.OWNER, actor=SYSTEM)
inbox = actions.do_create_inbox(name="Support", slug="support", address="support@example.test",
                                actor=alice)
s = SessionStore()
s[SESSION_KEY] = str(alice.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = alice.get_session_auth_hash()
s.create()
print(s.session_key)
"""

WORKER = """
import django; django.setup()
from postroom.inbox import actions
from postroom.inbox.models import Inbox
actions.do_receive_message(Inbox.objects.get(slug="support"), actions.InboundMessage(
    sender="c@customer.test", subject="From the worker", text="hello"))
"""


def _redis_up() -> bool:
    host, port = REDIS_URL.split("//")[1].split("/")[0].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def env(tmp_path):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip("Redis is not running")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postroom.settings",
        "POSTROOM_DATA_DIR": str(tmp_path),
        "REDIS_URL": REDIS_URL,
        "POSTROOM_CHANNEL_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "postroom.cli", "migrate"], env=environment, check=True, cwd=ROOT
    )
    return environment


def test_an_event_from_a_worker_reaches_clients_on_two_web_processes(env):
    from websockets.sync.client import connect

    session = (
        subprocess.run(
            [sys.executable, "-c", SETUP],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "postroom.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--ws",
                "websockets-sansio",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        for port in ports
    ]
    clients = []
    stack = ExitStack()
    try:
        deadline = time.monotonic() + 20
        for port in ports:
            _wait_port(port, deadline)
        for port in ports:
            client = stack.enter_context(
                connect(
                    f"ws://127.0.0.1:{port}/ws/live/",
                    additional_headers={
                        "Cookie": f"sessionid={session}",
                        "Origin": f"http://127.0.0.1:{port}",
                    },
                    open_timeout=10,
                )
            )
            clients.append(client)
            assert json.loads(client.recv(timeout=10))["type"] == "hello"

        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, cwd=ROOT)

        for client in clients:
            received = json.loads(client.recv(timeout=10))
            assert received["type"] == "event"
            assert received["event"] in {"conversation.created", "message.received"}
    finally:
        stack.close()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)
