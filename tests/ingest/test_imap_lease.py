"""One fetcher per mailbox across processes (the lease), and the proactive OAuth refresh.

Each "process" here is a :class:`Process`: a supervisor and fetcher threads of its own,
with lease owner ids of its own and without the process-local registry (the fetchers run
``serve_mailbox``). The lease lives only in the account row, so it cannot tell these from
real processes; one test also runs a real ``postroom fetch --once`` next to a fetcher, on
PostgreSQL (a test's in-memory SQLite database cannot be opened by another process).
The fetchers talk to the real Dovecot of tests/ingest/dovecot.py.
"""

from __future__ import annotations

import imaplib
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections

from postroom.core import clock
from postroom.core.crypto import decrypt, encrypt
from postroom.mail.models import AfterImport, ImapAccount, ImapAuth
from postroom.mail.sources.imap import cli as imap_cli
from postroom.mail.sources.imap import fetcher as imap
from postroom.mail.sources.imap import oauth as imap_oauth
from postroom.mail.sources.imap.fetcher import FetcherBusy, LeaseLost, fetch_once, serve_mailbox
from postroom.mail.sources.imap.state import release_lease, renew_lease, take_lease
from postroom.mail.store import store_raw as real_store_raw
from tests.ingest import test_imap
from tests.ingest.test_imap import (
    DEADLINE,
    FakeResponse,
    append,
    email,
    fresh,
    raw_count,
    raw_message_ids,
    server_flags,
    wait_until,
)

account_for = test_imap.account_for  # the fixture: an account on a new Dovecot folder

# -- helpers --------------------------------------------------------------------------


def shared_memory_connections() -> list[Any]:
    """The test's connections that other threads must use (SQLite in memory)."""
    return [
        c
        for c in connections.all()
        if c.vendor == "sqlite" and c.is_in_memory_db()  # type: ignore[attr-defined]
    ]


class Process:
    """Stands for one server process: a supervisor, its fetcher threads, its owner ids."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stop = threading.Event()
        self.threads: dict[int, threading.Thread] = {}
        self.took: list[bool] = []  # per fetcher started: whether it got the lease
        self.supervisor: threading.Thread | None = None
        self.shared = shared_memory_connections()
        for shared in self.shared:
            shared.inc_thread_sharing()
        self.done = False

    def _use_shared(self) -> None:
        for shared in self.shared:
            connections[shared.alias] = shared

    def fetcher(self, account_id: int, stop: threading.Event) -> None:
        threading.current_thread().name = f"{self.name}-imap-{account_id}"
        self._use_shared()
        try:
            owner = f"{self.name}:{uuid.uuid4().hex[:8]}"
            self.took.append(serve_mailbox(account_id, stop, owner=owner))
        finally:
            connections.close_all()  # a no-op for the shared in-memory database

    def ensure(self, account_id: int) -> list[int]:
        """One supervisor round, in the calling thread."""
        return imap.ensure_fetchers(
            self.stop, self.threads, target=self.fetcher, account_ids=[account_id]
        )

    def supervise(self, account_id: int) -> None:
        """Run the supervisor, with a short interval, in a thread."""

        def run() -> None:
            self._use_shared()
            imap.supervise_fetchers(self.stop, 0.05, account_ids=[account_id], target=self.fetcher)

        self.supervisor = threading.Thread(target=run, name=f"{self.name}-super", daemon=True)
        self.supervisor.start()

    def fetching(self, account_id: int) -> bool:
        thread = self.threads.get(account_id)
        return thread is not None and thread.is_alive()

    def shutdown(self) -> None:
        """Stop the supervisor and every fetcher, and wait until they have stopped."""
        if self.done:
            return
        self.done = True
        self.stop.set()
        for thread in [self.supervisor, *self.threads.values()]:
            if thread is not None:
                thread.join(timeout=DEADLINE)
                assert not thread.is_alive(), f"{thread.name} did not stop within the deadline"
        for shared in self.shared:
            shared.dec_thread_sharing()


@pytest.fixture
def process(monkeypatch) -> Iterator[Callable[[str], Process]]:
    """``process(name)`` → a :class:`Process`, shut down by the test's end."""
    monkeypatch.setattr(imap, "IDLE_CHECK_SECONDS", 0.2)  # quick stops, quick lease checks
    made: list[Process] = []

    def make(name: str) -> Process:
        made.append(Process(name))
        return made[-1]

    yield make
    for each in made:
        each.stop.set()
    for each in made:
        each.shutdown()


class StoreLog:
    """Wraps ``store_raw`` in the fetcher to record which thread stored which message."""

    def __init__(self, monkeypatch) -> None:
        self.stored: list[tuple[str, str]] = []  # (source_ref, thread name)
        self._lock = threading.Lock()
        monkeypatch.setattr(imap, "store_raw", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = real_store_raw(*args, **kwargs)
        with self._lock:
            self.stored.append((kwargs["source_ref"], threading.current_thread().name))
        return result

    def by(self, prefix: str) -> list[str]:
        return [ref for ref, thread in self.stored if thread.startswith(prefix)]


def holder(account: ImapAccount) -> str:
    return fresh(account).lease_owner


def dead_owner() -> str:
    return "gone-host:4242:imap-1:0123456789ab"


# -- the lease, on its own ------------------------------------------------------------


def test_the_lease_is_taken_renewed_and_released_only_by_its_owner(db, account_for):
    account = account_for()
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    clock.freeze(t0)
    assert take_lease(account.pk, "a")
    assert take_lease(account.pk, "a")  # the owner may take it again (a restart)
    assert not take_lease(account.pk, "b")  # a live lease is not taken over
    assert not renew_lease(account.pk, "b")
    assert not release_lease(account.pk, "b")
    assert (holder(account), fresh(account).lease_expires_at) == ("a", t0 + timedelta(seconds=90))

    clock.freeze(t0 + timedelta(seconds=60))
    assert renew_lease(account.pk, "a")
    assert fresh(account).lease_expires_at == t0 + timedelta(seconds=150)

    clock.freeze(t0 + timedelta(seconds=149))
    assert not take_lease(account.pk, "b")
    clock.freeze(t0 + timedelta(seconds=150))  # expired: anyone may take it
    assert take_lease(account.pk, "b")
    assert not renew_lease(account.pk, "a")  # the old holder learns it has lost it
    assert not release_lease(account.pk, "a")  # and cannot release the new one's lease
    assert holder(account) == "b"

    assert release_lease(account.pk, "b")
    account = fresh(account)
    assert (account.lease_owner, account.lease_expires_at) == ("", None)


def test_the_lease_is_renewed_every_30_seconds_and_outlives_a_brief_database_outage(
    transactional_db, account_for, monkeypatch
):
    account = account_for()
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    clock.freeze(t0)
    lease = imap.Lease(account.pk, "me")
    assert lease.take()
    renewals: list[datetime] = []

    def renew(account_id: int, owner: str, *, seconds: float) -> bool:
        renewals.append(clock.now())
        return renew_lease(account_id, owner, seconds=seconds)

    monkeypatch.setattr(imap, "renew_lease", renew)
    clock.freeze(t0 + timedelta(seconds=29))
    lease.keep()  # a wait round: not due yet, no write
    assert renewals == []
    lease.keep(force=True)  # a sync or a batch: always
    clock.freeze(t0 + timedelta(seconds=59))
    lease.keep()
    assert renewals == [t0 + timedelta(seconds=29), t0 + timedelta(seconds=59)]
    assert fresh(account).lease_expires_at == t0 + timedelta(seconds=149)

    def database_down(account_id: int, owner: str, *, seconds: float) -> bool:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imap, "renew_lease", database_down)
    clock.freeze(t0 + timedelta(seconds=148))
    lease.keep()  # the lease is still valid: carry on, and retry at the next round
    assert lease.held
    clock.freeze(t0 + timedelta(seconds=149))  # it could have been taken over by now
    with pytest.raises(LeaseLost, match="could not be renewed before it expired"):
        lease.keep()
    assert not lease.held


def test_lease_owner_ids_are_unique_per_fetcher_and_fit_the_column(db):
    owners = {imap.Lease(1).owner for _ in range(100)}
    assert len(owners) == 100
    field = ImapAccount._meta.get_field("lease_owner")
    assert all(len(owner) <= field.max_length for owner in owners)  # type: ignore[operator]
    _host, pid, thread, _ = next(iter(owners)).split(":")
    assert pid == str(os.getpid()) and thread == threading.current_thread().name[:24]


# -- two processes, one mailbox -------------------------------------------------------


def test_of_two_processes_only_one_fetches_and_100_messages_are_stored_once(
    transactional_db, dovecot, account_for, process, monkeypatch
):
    log = StoreLog(monkeypatch)
    account = account_for(poll_seconds=3600)
    first, second = process("p1"), process("p2")
    first.supervise(account.pk)
    second.supervise(account.pk)  # both supervisors race for the free mailbox
    wait_until(lambda: fresh(account).connected and holder(account) != "", "one to connect")
    winner = holder(account).split(":")[0]
    loser = second if winner == "p1" else first

    append(dovecot, account.folder, [email("two", n) for n in range(100)])
    wait_until(lambda: raw_count("two") == 100, "100 raw messages")
    assert holder(account).startswith(f"{winner}:")  # held all along, never handed over
    assert not loser.fetching(account.pk)
    # Both stop at once: shutting the winner down first would free the lease for the
    # loser's supervisor, still running, to take in between.
    first.stop.set()
    second.stop.set()
    first.shutdown()
    second.shutdown()

    # Exactly one fetcher got the lease; only it stored anything, each message once.
    assert (first.took + second.took).count(True) == 1
    assert loser.took in ([], [False])  # at most it tried once, in the first race
    assert len(log.stored) == 100 and len(log.by(winner)) == 100
    assert len({ref for ref, _ in log.stored}) == 100
    assert sorted(raw_message_ids("two")) == sorted(f"two-{n}" for n in range(100))
    account = fresh(account)
    assert (account.lease_owner, account.lease_expires_at) == ("", None)  # released


def test_when_the_holder_stops_the_other_process_takes_over(
    transactional_db, dovecot, account_for, process, monkeypatch
):
    log = StoreLog(monkeypatch)
    account = account_for(poll_seconds=3600)
    first, second = process("p1"), process("p2")
    assert first.ensure(account.pk) == [account.pk]
    append(dovecot, account.folder, [email("over", 1)])
    wait_until(lambda: raw_count("over") == 1, "the first message, through p1")
    assert holder(account).startswith("p1:")
    assert second.ensure(account.pk) == []  # p1's lease is live: p2 starts nothing

    first.shutdown()
    account = fresh(account)
    assert (account.lease_owner, account.lease_expires_at) == ("", None)
    assert account.connected is False

    assert second.ensure(account.pk) == [account.pk]
    wait_until(lambda: holder(account).startswith("p2:") and fresh(account).connected, "p2")
    append(dovecot, account.folder, [email("over", 2)])
    wait_until(lambda: raw_count("over") == 2, "the second message, through p2")
    assert [ref.split(":")[1] for ref in log.by("p1")] == ["1"]
    assert [ref.split(":")[1] for ref in log.by("p2")] == ["2"]


def test_the_expired_lease_of_a_dead_process_is_taken_over(
    transactional_db, dovecot, account_for, process, monkeypatch
):
    """A process died without releasing its lease. Nobody fetches until it expires;
    then the next supervisor round takes the mailbox over."""
    log = StoreLog(monkeypatch)
    account = account_for(poll_seconds=3600)
    t0 = clock.now()
    clock.freeze(t0)
    ImapAccount.objects.filter(pk=account.pk).update(
        lease_owner=dead_owner(), lease_expires_at=t0 + timedelta(seconds=90)
    )
    append(dovecot, account.folder, [email("dead", n) for n in range(3)])
    survivor = process("p2")
    assert survivor.ensure(account.pk) == []
    with pytest.raises(FetcherBusy, match="gone-host:4242"):
        fetch_once(account)
    clock.freeze(t0 + timedelta(seconds=89))
    assert survivor.ensure(account.pk) == []

    clock.freeze(t0 + timedelta(seconds=90))
    assert survivor.ensure(account.pk) == [account.pk]
    wait_until(lambda: raw_count("dead") == 3, "the mail, through the new holder")
    assert holder(account).startswith("p2:")
    assert fresh(account).lease_expires_at == t0 + timedelta(seconds=180)
    assert len(log.by("p2")) == 3 == len(log.stored)


def test_a_fetcher_whose_renewal_fails_stops_and_leaves_the_new_holder_alone(
    transactional_db, dovecot, account_for, process
):
    """The fetcher stalled past its lease, and another process took the mailbox. At the
    next renewal it finds out: it stops, without releasing the other's lease or writing
    the health that is the new holder's now."""
    account = account_for(poll_seconds=3600)
    first = process("p1")
    t0 = clock.now()
    clock.freeze(t0)
    assert first.ensure(account.pk) == [account.pk]
    wait_until(lambda: fresh(account).last_success_at is not None, "p1's first sync")
    assert first.fetching(account.pk)

    thief = "p2:after-expiry"
    ImapAccount.objects.filter(pk=account.pk).update(
        lease_owner=thief, lease_expires_at=t0 + timedelta(seconds=200)
    )
    clock.freeze(t0 + timedelta(seconds=imap.LEASE_RENEW_SECONDS + 1))  # renewal is due
    wait_until(lambda: not first.fetching(account.pk), "p1 to stop")

    assert first.took == [True]
    account = fresh(account)
    assert (account.lease_owner, account.lease_expires_at) == (thief, t0 + timedelta(seconds=200))
    assert account.connected is True  # p1's disconnect was not written over p2's health
    assert account.last_error == ""
    assert first.ensure(account.pk) == []  # and p1's supervisor leaves the mailbox to p2


def test_a_lease_lost_during_a_sync_stops_before_the_mailbox_or_cursor_is_touched(
    db, dovecot, account_for, monkeypatch
):
    """Storing is idempotent, so a batch fetched while the lease changed hands is stored
    harmlessly; but the fetcher checks the lease before marking mail read, and writes
    the cursor only while it holds the lease."""
    account = account_for(after_import=AfterImport.MARK_READ)
    append(dovecot, account.folder, [email("lost", n) for n in range(3)])

    def store_then_lose_the_lease(*args: Any, **kwargs: Any) -> Any:
        ImapAccount.objects.filter(pk=account.pk).update(lease_owner="p2:took-it")
        return real_store_raw(*args, **kwargs)

    monkeypatch.setattr(imap, "store_raw", store_then_lose_the_lease)
    with pytest.raises(LeaseLost):
        fetch_once(account)

    assert raw_count("lost") == 3
    account = fresh(account)
    assert account.last_uid == 0
    assert account.lease_owner == "p2:took-it"
    assert account.last_error == ""
    assert not [uid for uid, f in server_flags(dovecot, account.folder).items() if b"\\Seen" in f]


def test_fetch_once_leaves_a_leased_mailbox_alone_and_releases_its_own_lease(
    db, dovecot, account_for, capsys
):
    account = account_for()
    append(dovecot, account.folder, [email("once", n) for n in range(2)])
    ImapAccount.objects.filter(pk=account.pk).update(
        lease_owner=dead_owner(), lease_expires_at=clock.now() + timedelta(seconds=90)
    )
    assert imap_cli.main(["--once", "--account", str(account.pk)]) == 0  # not a failure
    assert "skipped: IMAP account" in capsys.readouterr().out
    assert raw_count("once") == 0

    ImapAccount.objects.filter(pk=account.pk).update(lease_owner="", lease_expires_at=None)
    assert fetch_once(fresh(account)) == 2
    account = fresh(account)
    assert (account.lease_owner, account.lease_expires_at) == ("", None)


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="another process cannot open the test's in-memory SQLite database",
)
def test_a_real_second_process_skips_the_mailbox_another_one_fetches(
    transactional_db, dovecot, account_for, process, tmp_path
):
    account = account_for(poll_seconds=3600)
    first = process("p1")
    assert first.ensure(account.pk) == [account.pk]
    append(dovecot, account.folder, [email("proc", 1)])
    wait_until(lambda: raw_count("proc") == 1, "the first message, through p1")

    def postroom_fetch_once() -> str:
        db = connection.settings_dict
        url = "postgres://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(db["USER"] or "", safe=""),
            urllib.parse.quote(db["PASSWORD"] or "", safe=""),
            db["HOST"] or "127.0.0.1",
            db["PORT"] or 5432,
            db["NAME"],
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "POSTROOM_SECRET_KEY": settings.SECRET_KEY,  # to decrypt the password
            "POSTROOM_DATA_DIR": str(tmp_path),
        }
        if settings.POSTROOM_ENCRYPTION_KEY:
            env["POSTROOM_ENCRYPTION_KEY"] = settings.POSTROOM_ENCRYPTION_KEY
        command = [str(Path(sys.executable).parent / "postroom"), "fetch", "--once"]
        done = subprocess.run(
            [*command, "--account", str(account.pk)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "skipped: IMAP account" in postroom_fetch_once()
    assert raw_count("proc") == 1
    first.shutdown()
    append(dovecot, account.folder, [email("proc", 2)])
    assert postroom_fetch_once().endswith(": 1 new\n")
    assert raw_count("proc") == 2
    assert holder(account) == ""


# -- OAuth: refreshing before the token expires -----------------------------------------


def oauth_account(**fields: Any) -> ImapAccount:
    values: dict[str, Any] = {
        "auth": ImapAuth.XOAUTH2,
        "username": "support@example.test",
        "secret_encrypted": encrypt("access-1"),
        "oauth_refresh_encrypted": encrypt("refresh-1"),
        "oauth_token_url": "https://oauth2.example.test/token",
        "oauth_client_id": "client-id",
    }
    values.update(fields)
    return ImapAccount(**values)


NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "refresh"),
    [
        ({"oauth_expires_at": NOW + timedelta(minutes=30)}, False),
        ({"oauth_expires_at": NOW + timedelta(minutes=5, seconds=1)}, False),
        ({"oauth_expires_at": NOW + timedelta(minutes=5)}, True),
        ({"oauth_expires_at": NOW + timedelta(seconds=30)}, True),
        ({"oauth_expires_at": NOW - timedelta(hours=1)}, True),
        ({"oauth_expires_at": None}, False),  # unknown: left to a refused login
        ({"secret_encrypted": "", "oauth_expires_at": None}, True),  # no token yet
        ({"oauth_refresh_encrypted": "", "oauth_expires_at": NOW}, False),  # cannot
        ({"auth": ImapAuth.PASSWORD, "oauth_expires_at": NOW}, False),
    ],
    ids=[
        "30-min-left",
        "just-over-5-min",
        "5-min-left",
        "30-s-left",
        "expired",
        "expiry-unknown",
        "no-access-token",
        "no-refresh-token",
        "password-account",
    ],
)
def test_the_token_is_refreshed_ahead_when_it_expires_within_5_minutes(fields, refresh):
    assert imap_oauth.needs_refresh(oauth_account(**fields), now=NOW) is refresh


@pytest.mark.parametrize(
    ("expires_in", "expected"),
    [
        (3599, NOW + timedelta(seconds=3599)),
        ("3600", NOW + timedelta(seconds=3600)),
        (-5, NOW),
        (None, None),
        ("soon", None),
        (True, None),
    ],
)
def test_the_expiry_comes_from_expires_in(expires_in, expected):
    assert imap_oauth.token_expiry(expires_in, now=NOW) == expected


def test_a_refresh_stores_the_new_token_and_its_expiry(db, account_for, monkeypatch):
    clock.freeze(NOW)
    account = account_for(
        auth=ImapAuth.XOAUTH2,
        secret_encrypted=encrypt("access-1"),
        oauth_refresh_encrypted=encrypt("refresh-1"),
        oauth_token_url="https://oauth2.example.test/token",
        oauth_client_id="client-id",
        oauth_expires_at=NOW + timedelta(minutes=2),
    )
    requests: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> FakeResponse:
        requests.append(request)
        return FakeResponse(json.dumps({"access_token": "access-2", "expires_in": 3599}).encode())

    monkeypatch.setattr(imap_oauth.urllib.request, "urlopen", urlopen)
    assert imap_oauth.refresh_access_token(account) == "access-2"

    [request] = requests
    assert (request.full_url, request.get_method()) == ("https://oauth2.example.test/token", "POST")
    assert request.get_header("Content-type") == "application/x-www-form-urlencoded"
    assert isinstance(request.data, bytes)
    assert urllib.parse.parse_qs(request.data.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": ["client-id"],
    }
    account = fresh(account)
    assert decrypt(account.secret_encrypted) == "access-2"
    assert account.oauth_expires_at == NOW + timedelta(seconds=3599)
    assert decrypt(account.oauth_refresh_encrypted) == "refresh-1"  # not rotated


class SaslLog:
    """Records the XOAUTH2 strings the fetcher sends (Dovecot here refuses them)."""

    def __init__(self, monkeypatch) -> None:
        self.sent: list[str] = []
        original = imaplib.IMAP4.authenticate

        def authenticate(client: imaplib.IMAP4, mechanism: str, authobject: Any) -> Any:
            self.sent.append(authobject(b"").split("\x01")[1])
            return original(client, mechanism, authobject)

        monkeypatch.setattr(imaplib.IMAP4, "authenticate", authenticate)


def test_a_token_about_to_expire_is_refreshed_before_login_not_after(db, account_for, monkeypatch):
    clock.freeze(NOW)
    account = account_for(
        auth=ImapAuth.XOAUTH2,
        secret_encrypted=encrypt("access-1"),
        oauth_refresh_encrypted=encrypt("refresh-1"),
        oauth_token_url="https://oauth2.example.test/token",
        oauth_expires_at=NOW + timedelta(minutes=4),
    )
    sasl = SaslLog(monkeypatch)
    refreshes: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> FakeResponse:
        refreshes.append(request)
        return FakeResponse(json.dumps({"access_token": "access-2", "expires_in": 3600}).encode())

    monkeypatch.setattr(imap_oauth.urllib.request, "urlopen", urlopen)
    with pytest.raises(imap.ImapLoginFailed):
        fetch_once(account)

    # The old token was never offered; the fresh one, refused, is not refreshed again.
    assert sasl.sent == ["auth=Bearer access-2"]
    assert len(refreshes) == 1
    assert fresh(account).oauth_expires_at == NOW + timedelta(hours=1)


def test_if_the_early_refresh_fails_the_still_valid_token_is_used(db, account_for, monkeypatch):
    clock.freeze(NOW)
    account = account_for(
        auth=ImapAuth.XOAUTH2,
        secret_encrypted=encrypt("access-1"),
        oauth_refresh_encrypted=encrypt("refresh-1"),
        oauth_token_url="https://oauth2.example.test/token",
        oauth_expires_at=NOW + timedelta(minutes=4),
    )
    sasl = SaslLog(monkeypatch)

    def urlopen(request: urllib.request.Request, timeout: float) -> FakeResponse:
        raise ConnectionRefusedError("token endpoint down")

    monkeypatch.setattr(imap_oauth.urllib.request, "urlopen", urlopen)
    with pytest.raises(OSError):
        fetch_once(account)  # Dovecot refuses the token; refreshing then fails again

    assert sasl.sent == ["auth=Bearer access-1"]
    assert "token endpoint down" in fresh(account).last_error
