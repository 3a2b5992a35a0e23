"""``postroom import`` under stress (issue 12): mail over the SMTP size limit, a database
connection lost mid-import, and a kill -9 with its parser worker running.

Before: a 43 MB mail was stored; a lost connection ended in a traceback with no summary;
after a kill -9 the parser worker process stayed behind.
"""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection

from postroom.mail.models import RawMessage
from postroom.mail.sources import importer, smtpd
from postroom.mail.sources.importer import ImportResult, import_paths
from tests.events.test_processes import ON_POSTGRES, ROOT, env, procs, wait_for  # noqa: F401
from tests.ingest.test_import import make_email, write_eml_dir

# --- the size limit ----------------------------------------------------------------------


def big_email(n: int, size: int) -> bytes:
    message = make_email(n)
    message.set_content("x" * size)
    return bytes(message)


def test_import_uses_the_smtp_receivers_size_limit(monkeypatch):
    monkeypatch.setenv("POSTROOM_SMTPD_MAX_BYTES", "4096")

    assert importer.max_message_size() == smtpd.config_from_env().max_size == 4096


def test_an_eml_over_the_limit_is_skipped_and_listed_and_the_rest_imported(
    world, tmp_path, monkeypatch
):
    monkeypatch.setenv("POSTROOM_SMTPD_MAX_BYTES", "4096")
    root = write_eml_dir(tmp_path / "export", count=2)
    huge = root / "huge.eml"
    huge.write_bytes(big_email(9, 300_000))

    result = import_paths(world.support, [root])

    assert (result.stored, result.failed, result.too_big) == (2, 0, 1)
    assert result.skipped == [f"{huge}: 0.3 MB, over the 0.0 MB limit"]
    assert not RawMessage.objects.filter(source_ref=str(huge)).exists()


def test_mbox_and_maildir_messages_over_the_limit_are_skipped_one_by_one(world, tmp_path):
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(path)
    box.add(make_email(1))
    box.add(big_email(2, 50_000))
    box.add(make_email(3))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(big_email(4, 50_000))
    maildir.add(make_email(5))

    result = import_paths(world.support, [path, tmp_path / "Maildir"], max_size=20_000)

    assert (result.stored, result.failed, result.too_big) == (3, 0, 2)
    assert result.skipped[0] == f"{path}#1: 0.0 MB, over the 0.0 MB limit"
    assert result.skipped[1].startswith(f"{tmp_path / 'Maildir'}#")


def test_the_summary_says_what_was_skipped_and_why_and_the_exit_status_is_1(
    world, tmp_path, capsys
):
    root = write_eml_dir(tmp_path / "export", count=1)
    (root / "huge.eml").write_bytes(big_email(9, 3 * 1024 * 1024))

    status = importer.main(["--inbox", "support", "--quiet", "--max-size", "1048576", str(root)])

    out, err = capsys.readouterr()
    assert status == 1
    assert out.strip() == (
        "Imported into support@example.test: 1 stored, 0 already there, 0 failed, "
        "1 skipped as too big; digested 1 (0 quarantined)."
    )
    size = (root / "huge.eml").stat().st_size / (1024 * 1024)
    assert size > 1
    assert f"skipped: {root / 'huge.eml'}: {size:.1f} MB, over the 1.0 MB limit" in err


# --- the database connection lost (in process, both databases) ---------------------------


def lose_the_database(monkeypatch, after: int) -> None:
    """The store works for ``after`` batches, then the connection is gone for good."""
    real = importer.store_raw_many
    calls = []

    def store_many(items, **kwargs):
        calls.append(1)
        if len(calls) > after:
            raise OperationalError("server closed the connection unexpectedly")
        return real(items, **kwargs)

    def store_one(raw, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(importer, "store_raw_many", store_many)
    monkeypatch.setattr(importer, "store_raw", store_one)
    monkeypatch.setattr(connection, "is_usable", lambda: False)


def test_a_lost_connection_stops_the_import_with_what_it_did(world, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    root = write_eml_dir(tmp_path / "export", count=6)
    lose_the_database(monkeypatch, after=1)

    with pytest.raises(importer.ImportInterrupted) as stopped:
        import_paths(world.support, [root])

    assert stopped.value.result == ImportResult(stored=2, duplicates=0, failed=0)
    assert str(stopped.value) == "OperationalError: server closed the connection unexpectedly"


def test_the_command_prints_the_summary_and_a_clear_error_and_exits_3(
    world, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(importer, "BATCH", 2)
    root = write_eml_dir(tmp_path / "export", count=6)
    lose_the_database(monkeypatch, after=1)

    status = importer.main(["--inbox", "support", "--quiet", "--no-digest", str(root)])

    out, err = capsys.readouterr()
    assert status == 3
    assert out.strip() == (
        "Imported into support@example.test: 2 stored, 0 already there, 0 failed; stopped."
    )
    assert err.strip() == (
        "error: lost the database connection (OperationalError: server closed the "
        "connection unexpectedly). What is stored is kept; run the same command again "
        "to resume."
    )


def test_an_error_that_leaves_the_connection_working_is_still_one_failed_message(
    world, tmp_path, monkeypatch
):
    root = write_eml_dir(tmp_path / "export", count=3)
    real = importer.store_raw
    calls = []

    def flaky(raw, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real(raw, **kwargs)

    def failing_batch(items, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(importer, "store_raw_many", failing_batch)
    monkeypatch.setattr(importer, "store_raw", flaky)

    result = import_paths(world.support, [root])

    assert (result.stored, result.failed) == (2, 1)


# --- real processes -----------------------------------------------------------------------


def start_import(environment: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "postroom.cli", "import", "--inbox", "sales", "--quiet", *args],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads child processes from /proc")
def test_after_a_kill_9_the_parser_worker_does_not_stay_behind(env, tmp_path):  # noqa: F811
    procs(env, "setup")
    root = write_eml_dir(tmp_path / "export", count=3000)
    importing = start_import(env, str(root))
    try:
        workers = wait_for(lambda: children(importing.pid), "the parser worker", 60)
    finally:
        importing.send_signal(signal.SIGKILL)
        importing.wait(10)

    try:
        wait_for(lambda: not any(alive(w) for w in workers), "the worker to exit", 15)
    finally:
        for worker in filter(alive, workers):  # left behind: the test failed, tidy up
            os.kill(worker, signal.SIGKILL)


@pytest.mark.skipif(not ON_POSTGRES, reason="a connection to terminate: PostgreSQL")
def test_a_real_lost_connection_ends_with_a_summary_and_no_traceback(env, tmp_path):  # noqa: F811
    procs(env, "setup")
    root = write_eml_dir(tmp_path / "export", count=3000)
    database = env["DATABASE_URL"]
    importing = start_import(env, "--no-digest", str(root))
    with psycopg.connect(database, autocommit=True) as admin:

        def some_stored() -> bool:
            return admin.execute("SELECT count(*) FROM mail_rawmessage").fetchone()[0] > 0

        wait_for(some_stored, "the first stored messages", 60)
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        out, err = importing.communicate(timeout=60)
        stored = admin.execute("SELECT count(*) FROM mail_rawmessage").fetchone()[0]

    assert importing.returncode == 3, err
    assert "Traceback" not in err
    assert out.strip().startswith(f"Imported into sales@example.test: {stored} stored, ")
    assert out.strip().endswith("; stopped.")
    assert err.strip().splitlines()[-1].startswith("error: lost the database connection (")
    assert "run the same command again to resume." in err
    assert stored < 3000


def test_the_watcher_ends_a_process_whose_parent_is_gone(tmp_path):
    """exit_with_parent itself, without a database: a grandchild outlives its parent."""
    script = (
        "import os, sys, time\n"
        "from postroom.core.processes import exit_with_parent\n"
        "if os.fork() == 0:\n"
        "    exit_with_parent(os.getppid(), interval=0.05)\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "time.sleep(30)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    grandchild = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)

    deadline = time.monotonic() + 10
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)
