"""Reactors in real worker processes: a worker killed with SIGKILL mid-reaction, and two
workers sharing the log on PostgreSQL. Each test has a database of its own (a SQLite file
or a new PostgreSQL database) that only its child processes open."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.procs_db import admin, child_environment, database_url, migrate

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def env(tmp_path, migrated_template: str | None) -> Iterator[dict[str, str]]:
    environment = child_environment(tmp_path)
    if migrated_template is None:  # SQLite: a new file in tmp_path
        migrate(environment)
        yield environment
        return
    name = f"procs_{uuid.uuid4().hex[:10]}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    environment["DATABASE_URL"] = database_url(name)
    yield environment
    admin(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def procs(env: dict[str, str], *args: str) -> str:
    return run(env, "-m", "tests.events.procs", *args)


def report(env: dict[str, str]) -> dict:
    return json.loads(procs(env, "report"))


def start_worker(env: dict[str, str], **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.events.procs", "worker"],
        env={**env, **extra},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(check, what: str, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(worker: subprocess.Popen[str]) -> None:
    worker.terminate()
    worker.wait(20)


def test_a_worker_killed_mid_reaction_loses_nothing_and_repeats_nothing(env):
    procs(env, "setup")
    procs(env, "assign")  # committed; no worker is running, so nothing reacted yet
    assert report(env)["notifications"] == []

    crashing = start_worker(env, PROCS_CRASH="1")
    assert crashing.wait(60) == -9  # SIGKILL, inside the reactor's transaction
    assert crashing.stdout is not None and "crashing" in crashing.stdout.read()
    after_crash = report(env)
    assert after_crash["notifications"] == []  # the notification rolled back with it

    worker = start_worker(env)
    try:
        found = wait_for(lambda: report(env)["notifications"], "the notification")
        time.sleep(1.5)  # several more rounds: nothing is handled twice
        assert (
            report(env)["notifications"]
            == found
            == [["dora@example.test", "assigned", "alice@example.test"]]
        )
    finally:
        stop(worker)
    assert report(env)["cursors"]["notifications"] > after_crash["cursors"]["notifications"]


@pytest.mark.skipif(not ON_POSTGRES, reason="several workers share the log on PostgreSQL")
def test_two_workers_handle_each_of_1000_events_once_per_reactor(env):
    probe = {"PROCS_PROBE": "1"}
    # The probes' cursors exist before any event: a reactor first seen later would start
    # at the end of the log and rightly skip what came before it.
    procs({**env, **probe}, "setup")
    workers = [start_worker(env, **probe), start_worker(env, **probe)]
    try:
        # Events are written while both workers read, from two writers at once.
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.events.procs", "priorities", "500", str(k)],
                env={**env, **probe},
                cwd=ROOT,
            )
            for k in range(2)
        ]
        for writer in writers:
            assert writer.wait(120) == 0
        wait_for(lambda: len(report(env)["probe_notes"]) >= 2000, "2,000 probe notes", 120)
        time.sleep(1.5)
        final = report(env)
    finally:
        for worker in workers:
            stop(worker)
    events = final["priority_events"]
    assert len(events) == 1000
    # Every event exactly once per reactor: nothing skipped, nothing twice.
    assert sorted(final["probe_notes"]) == sorted(
        f"{reactor} #{pk}" for reactor in ("probe_a", "probe_b") for pk in events
    )
