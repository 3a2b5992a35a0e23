"""The IMAP fetcher against a real Dovecot (tests/ingest/dovecot.py).

Mail is appended from the test over a second IMAP connection, as another client or the
MTA would. Tests that run the fetcher in a thread use committed data
(``transactional_db``); the others call ``fetch_once`` in the test's own thread.
"""

from __future__ import annotations

import imaplib
import io
import json
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import imapclient
import pytest
from django.db import connections

from postroom.core.crypto import decrypt, encrypt
from postroom.inbox.models import Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import AfterImport, ImapAccount, ImapAuth, RawMessage, Security
from postroom.mail.sources.imap import cli as imap_cli
from postroom.mail.sources.imap import fetcher as imap
from postroom.mail.sources.imap import oauth as imap_oauth
from postroom.mail.sources.imap.fetcher import (
    LOGIN_REFUSED,
    Backoff,
    FetcherBusy,
    ImapLoginFailed,
    fetch_once,
    plan_batches,
    run_fetcher,
)
from postroom.mail.store import store_raw as real_store_raw
from tests.ingest.dovecot import Dovecot

# How long a test waits for something the fetcher should do within about a second.
# Generous on purpose: on a loaded 2-core CI machine a thread can stall for a while, and
# these tests check behaviour (it arrives, and by which path), not a timing budget.
DEADLINE = 10.0


# -- helpers --------------------------------------------------------------------------


def email(tag: str, n: int, *, body: str = "") -> bytes:
    return (
        f"From: Carol {n} <carol{n}@customer.test>\r\n"
        f"To: support@example.test\r\n"
        f"Subject: Question {tag} {n}\r\n"
        f"Message-ID: <{tag}-{n}@customer.test>\r\n"
        f"Date: {format_datetime(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))}\r\n"
        f"\r\n"
        f"Hello, this is question {n}.\r\n{body}"
    ).encode()


def append(dovecot: Dovecot, folder: str, messages: list[bytes]) -> None:
    with dovecot.client() as client:
        for message in messages:
            client.append(folder, message)


def server_flags(dovecot: Dovecot, folder: str) -> dict[int, tuple[bytes, ...]]:
    with dovecot.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()}


def server_uids(dovecot: Dovecot, folder: str) -> list[int]:
    with dovecot.client() as client:
        client.select_folder(folder, readonly=True)
        return sorted(client.search("ALL"))


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def raw_message_ids(tag: str) -> list[str]:
    """Message-IDs of the stored raw messages of one test (one per row, duplicates kept)."""
    pattern = re.compile(rb"^Message-ID: <(" + re.escape(tag.encode()) + rb"-\d+)@", re.M)
    found = (
        pattern.search(bytes(data)) for data in RawMessage.objects.values_list("data", flat=True)
    )
    return [match.group(1).decode() for match in found if match]


def raw_count(tag: str) -> int:
    return len(raw_message_ids(tag))


def fresh(account: ImapAccount) -> ImapAccount:
    account.refresh_from_db()
    return account


@pytest.fixture
def account_for(dovecot: Dovecot, world) -> Callable[..., ImapAccount]:
    """``account_for(**fields)`` → an account for support@ reading a new Dovecot folder."""

    def make(**fields: object) -> ImapAccount:
        values: dict[str, object] = {
            "inbox": world.support,
            "host": dovecot.host,
            "port": dovecot.port,
            "security": Security.NONE,
            "username": dovecot.user,
            "secret_encrypted": encrypt(dovecot.password),
            "folder": fields.pop("folder", None) or dovecot.new_folder(),
        }
        values.update(fields)
        return ImapAccount.objects.create(**values)

    return make


class FetcherThread:
    """``run_fetcher`` for one account in a thread of its own."""

    def __init__(self, account: ImapAccount, shared: list) -> None:
        self.stop_event = threading.Event()
        self.shared = shared
        self.stopped = False
        self.thread = threading.Thread(target=self._run, args=(account.pk,), daemon=True)
        for connection in shared:
            connection.inc_thread_sharing()
        self.thread.start()

    def _run(self, account_id: int) -> None:
        for connection in self.shared:
            connections[connection.alias] = connection
        run_fetcher(account_id, self.stop_event)

    def stop(self) -> None:
        """Ask the fetcher to stop and wait until it has."""
        if self.stopped:
            return
        self.stopped = True
        self.stop_event.set()
        self.thread.join(timeout=DEADLINE)
        assert not self.thread.is_alive(), "the fetcher did not stop within the deadline"
        for connection in self.shared:
            connection.dec_thread_sharing()


@pytest.fixture
def fetcher_thread(monkeypatch) -> Iterator[Callable[[ImapAccount], FetcherThread]]:
    """``fetcher_thread(account)`` starts ``run_fetcher``; it is stopped by the test's end.

    The fetcher checks its stop flag every IDLE_CHECK_SECONDS; half a second keeps the
    tests' teardown short. With SQLite's in-memory test database, the thread must use
    the test's connection (as Django's live server thread does): a second connection to
    a shared-cache memory database fails with "database table is locked" at once.
    """
    monkeypatch.setattr(imap, "IDLE_CHECK_SECONDS", 0.5)
    started: list[FetcherThread] = []

    def start(account: ImapAccount) -> FetcherThread:
        shared = [
            c
            for c in connections.all()
            if c.vendor == "sqlite" and c.is_in_memory_db()  # type: ignore[attr-defined]
        ]
        started.append(FetcherThread(account, shared))
        return started[-1]

    yield start
    for fetcher in started:
        fetcher.stop_event.set()
    for fetcher in started:
        fetcher.stop()


class StoreSpy:
    """Wraps ``store_raw`` in the fetcher to count calls per IMAP message."""

    def __init__(self, monkeypatch, crash_after: int | None = None, on_crash=None) -> None:
        self.refs: list[str] = []
        self.crash_after = crash_after
        self.on_crash = on_crash
        monkeypatch.setattr(imap, "store_raw", self)

    def __call__(self, *args, **kwargs):
        if self.crash_after is not None and len(self.refs) >= self.crash_after:
            if self.on_crash is not None:
                self.on_crash()
            raise RuntimeError("power cut")
        self.refs.append(kwargs["source_ref"])
        return real_store_raw(*args, **kwargs)


# -- 1. push ingestion, exactly once, nothing marked read -----------------------------


def test_500_messages_appended_while_the_fetcher_runs_are_ingested_exactly_once(
    transactional_db, dovecot, account_for, fetcher_thread, monkeypatch
):
    spy = StoreSpy(monkeypatch)
    account = account_for()
    fetcher = fetcher_thread(account)
    wait_until(lambda: fresh(account).connected, "the fetcher to connect")

    append(dovecot, account.folder, [email("burst", n) for n in range(500)])
    wait_until(lambda: RawMessage.objects.count() == 500, "500 raw messages", timeout=30)
    fetcher.stop()

    # Each message was fetched and stored once: the cursor, not only the idempotent
    # store, kept the fetcher from taking anything twice. It stands on the last UID.
    account = fresh(account)
    uids = server_uids(dovecot, account.folder)
    assert sorted(spy.refs) == sorted(f"{account.uidvalidity}:{uid}" for uid in uids)
    assert account.last_uid == uids[-1] and len(uids) == 500
    assert sorted(raw_message_ids("burst")) == sorted(f"burst-{n}" for n in range(500))
    # BODY.PEEK[] and a read-only folder: the mailbox looks untouched to its people.
    flags = server_flags(dovecot, account.folder)
    assert len(flags) == 500
    assert not [uid for uid, f in flags.items() if b"\\Seen" in f]

    digest_all()
    ids = Message.objects.filter(message_id__startswith="burst-").values_list(
        "message_id", flat=True
    )
    assert len(ids) == 500 and len(set(ids)) == 500


# -- 2. a crash between messages ------------------------------------------------------


@pytest.mark.parametrize("connection_survives", [True, False], ids=["clean-crash", "hard-kill"])
def test_a_crash_in_the_middle_of_a_batch_loses_nothing_and_duplicates_nothing(
    db, dovecot, account_for, monkeypatch, connection_survives
):
    """The store fails on the 8th message of the second batch of 50. With the connection
    still up, the 57 stored messages are acknowledged; after a hard kill (the connection
    is gone too), nothing of that batch is, and the restart fetches it again."""
    account = account_for(after_import=AfterImport.MARK_READ)
    append(dovecot, account.folder, [email("crash", n) for n in range(120)])
    uids = server_uids(dovecot, account.folder)
    fetchers: list[imap.ImapFetcher] = []
    original_connect = imap.ImapFetcher.connect

    def connect(self):
        fetchers.append(self)
        return original_connect(self)

    def cut_the_connection() -> None:
        if not connection_survives:
            fetchers[-1].client.shutdown()

    monkeypatch.setattr(imap.ImapFetcher, "connect", connect)
    StoreSpy(monkeypatch, crash_after=57, on_crash=cut_the_connection)
    with pytest.raises(RuntimeError, match="power cut"):
        fetch_once(account)

    # Never is the cursor past an unstored message, nor unstored mail marked read.
    acknowledged = 57 if connection_survives else 50
    assert raw_count("crash") == 57
    assert fresh(account).last_uid == uids[acknowledged - 1]
    flags = server_flags(dovecot, account.folder)
    assert [uid for uid in uids if b"\\Seen" in flags[uid]] == uids[:acknowledged]

    spy = StoreSpy(monkeypatch)
    assert fetch_once(fresh(account)) == 63
    assert len(spy.refs) == 120 - acknowledged  # the restart begins at the cursor
    assert sorted(raw_message_ids("crash")) == sorted(f"crash-{n}" for n in range(120))
    assert fresh(account).last_uid == uids[-1]
    assert all(b"\\Seen" in f for f in server_flags(dovecot, account.folder).values())
    digest_all()
    ids = list(Message.objects.filter(message_id__startswith="crash-").values_list("message_id"))
    assert len(ids) == 120 and len(set(ids)) == 120


# -- 3. UIDVALIDITY -------------------------------------------------------------------


def test_a_new_uidvalidity_resyncs_the_folder_without_duplicates(db, dovecot, account_for):
    account = account_for()
    first = [email("uv", n) for n in range(5)]
    append(dovecot, account.folder, first)
    assert fetch_once(account) == 5
    old_validity = fresh(account).uidvalidity

    # The folder is deleted and made again: same name, new UIDVALIDITY, UIDs from 1.
    with dovecot.client() as client:
        client.delete_folder(account.folder)
        client.create_folder(account.folder)
    append(dovecot, account.folder, [*first, email("uv", 5)])

    assert fetch_once(fresh(account)) == 1
    account = fresh(account)
    assert account.uidvalidity != old_validity
    assert account.last_uid == 6
    assert raw_count("uv") == 6


# -- 4. IDLE --------------------------------------------------------------------------


def test_mail_appended_during_idle_arrives_through_idle_not_a_later_poll(
    transactional_db, dovecot, account_for, fetcher_thread, monkeypatch
):
    idling = threading.Event()
    original_idle = imapclient.IMAPClient.idle

    def idle(self):
        result = original_idle(self)
        idling.set()
        return result

    monkeypatch.setattr(imapclient.IMAPClient, "idle", idle)
    # A poll would come an hour later: only IDLE can bring the message in time.
    account = account_for(poll_seconds=3600, use_idle=True)
    fetcher_thread(account)
    assert idling.wait(DEADLINE), "the fetcher never entered IDLE"
    # The same mailbox is never fetched twice at once in a process.
    with pytest.raises(FetcherBusy):
        fetch_once(account)

    append(dovecot, account.folder, [email("idle", 1)])
    wait_until(lambda: raw_count("idle") == 1, "the message to arrive through IDLE")
    account = fresh(account)
    assert account.last_error == ""  # not brought in by a reconnect either
    assert account.lag_seconds is not None and account.lag_seconds < DEADLINE


def test_mail_announced_while_a_batch_is_fetched_does_not_wait_for_the_next_message(
    transactional_db, dovecot, account_for, fetcher_thread, monkeypatch
):
    """Regression: a message appended during the first of two batches is announced
    (EXISTS) among the second batch's FETCH responses, where it goes unseen; IDLE then
    has nothing new to say. The sync must search again before it idles."""
    account = account_for(poll_seconds=3600)
    append(dovecot, account.folder, [email("race", n) for n in range(60)])

    spy = StoreSpy(monkeypatch)

    def store_and_append_a_latecomer(*args, **kwargs):
        if not spy.refs:  # while the first batch is being stored
            append(dovecot, account.folder, [email("race", 60)])
        return spy(*args, **kwargs)

    monkeypatch.setattr(imap, "store_raw", store_and_append_a_latecomer)
    fetcher_thread(account)
    wait_until(lambda: RawMessage.objects.count() == 61, "the message announced mid-sync")


def test_without_idle_the_fetcher_polls(transactional_db, dovecot, account_for, fetcher_thread):
    account = account_for(poll_seconds=1, use_idle=False)
    fetcher_thread(account)
    wait_until(lambda: fresh(account).last_success_at is not None, "the first poll")
    append(dovecot, account.folder, [email("poll", 1)])
    wait_until(lambda: raw_count("poll") == 1, "the next poll to bring the message")


@pytest.mark.parametrize("how", ["bye", "hang-up"])
def test_a_dropped_connection_is_reestablished(
    transactional_db, dovecot, account_for, fetcher_thread, how
):
    account = account_for(poll_seconds=3600)
    fetcher_thread(account)
    wait_until(lambda: fresh(account).last_success_at is not None, "the first sync")

    if how == "bye":
        dovecot.kick()  # the server says BYE, then closes
    else:
        dovecot.hang_up()  # the session's process dies: the socket just closes
    wait_until(lambda: "connection" in fresh(account).last_error, "the drop to show in health")
    append(dovecot, account.folder, [email("drop", 1)])
    # The first reconnect comes after about a second of backoff.
    wait_until(lambda: raw_count("drop") == 1, "the message after reconnecting")
    wait_until(lambda: fresh(account).connected, "connected again")


# -- 5. health and after-import -------------------------------------------------------


def test_a_refused_password_shows_a_clear_message_in_health(
    transactional_db, dovecot, account_for, fetcher_thread
):
    # connected=True as left by an earlier run: the failure must clear it.
    account = account_for(secret_encrypted=encrypt("not the password"), connected=True)
    fetcher_thread(account)
    wait_until(lambda: fresh(account).last_error_at is not None, "the login error")
    account = fresh(account)
    assert account.last_error == LOGIN_REFUSED
    assert account.connected is False
    assert account.last_success_at is None


def test_fetch_once_raises_the_login_failure_and_records_it(db, dovecot, account_for):
    account = account_for(secret_encrypted=encrypt("wrong"))
    with pytest.raises(ImapLoginFailed):
        fetch_once(account)
    assert fresh(account).last_error == LOGIN_REFUSED


def test_a_network_error_reads_differently_from_a_login_failure(db, account_for):
    account = account_for(port=1)  # nothing listens there
    with pytest.raises(OSError):
        fetch_once(account)
    account = fresh(account)
    assert account.last_error.startswith("IMAP connection to 127.0.0.1:1 failed")
    assert account.connected is False


def test_a_missing_folder_is_named_in_health(db, account_for):
    account = account_for(folder="Does-Not-Exist")
    with pytest.raises(imap.ImapProblem):
        fetch_once(account)
    assert "'Does-Not-Exist' cannot be opened" in fresh(account).last_error


def test_mark_read_flags_imported_mail_seen(db, dovecot, account_for):
    account = account_for(after_import=AfterImport.MARK_READ)
    append(dovecot, account.folder, [email("seen", n) for n in range(3)])
    assert fetch_once(account) == 3
    flags = server_flags(dovecot, account.folder)
    assert len(flags) == 3 and all(b"\\Seen" in f for f in flags.values())


def test_move_puts_imported_mail_in_the_other_folder(db, dovecot, account_for):
    archive = dovecot.new_folder("archive")
    account = account_for(after_import=AfterImport.MOVE, move_to=archive)
    append(dovecot, account.folder, [email("move", n) for n in range(3)])
    assert fetch_once(account) == 3
    assert server_uids(dovecot, account.folder) == []
    assert len(server_uids(dovecot, archive)) == 3
    assert fresh(account).last_error == ""


def test_move_without_the_move_extension_copies_and_expunges(db, dovecot, account_for, monkeypatch):
    original = imapclient.IMAPClient.has_capability
    monkeypatch.setattr(
        imapclient.IMAPClient,
        "has_capability",
        lambda self, cap: cap.upper() != "MOVE" and original(self, cap),
    )
    archive = dovecot.new_folder("archive")
    account = account_for(after_import=AfterImport.MOVE, move_to=archive)
    append(dovecot, account.folder, [email("copy", n) for n in range(2)])
    assert fetch_once(account) == 2
    assert server_uids(dovecot, account.folder) == []
    assert len(server_uids(dovecot, archive)) == 2


def test_a_refused_move_is_reported_but_does_not_stop_the_mail(db, dovecot, account_for):
    account = account_for(after_import=AfterImport.MOVE, move_to="No-Such-Folder")
    append(dovecot, account.folder, [email("nomove", n) for n in range(2)])
    assert fetch_once(account) == 2
    account = fresh(account)
    assert account.last_error.startswith("IMAP after-import (move) failed")
    assert account.last_uid == 2
    assert raw_count("nomove") == 2


# -- TLS ------------------------------------------------------------------------------


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_tls_and_starttls_connections_fetch_mail(db, dovecot, account_for, security):
    port = dovecot.tls_port if security == Security.TLS else dovecot.port
    account = account_for(security=security, port=port)
    append(dovecot, account.folder, [email(f"tls-{security}", 1)])
    assert fetch_once(account, ssl_context=dovecot.ssl_context()) == 1


def test_an_untrusted_certificate_is_refused_with_a_clear_message(db, dovecot, account_for):
    account = account_for(security=Security.TLS, port=dovecot.tls_port)
    with pytest.raises(OSError):
        fetch_once(account)  # the system's CAs do not know the test certificate
    assert "certificate not trusted" in fresh(account).last_error


# -- batching and backoff -------------------------------------------------------------


def test_batches_hold_at_most_50_messages_and_a_huge_message_goes_alone():
    small = [(uid, 1000) for uid in range(1, 121)]
    assert [len(b) for b in plan_batches(small)] == [50, 50, 20]
    huge = imap.BATCH_BYTES + 1
    mixed = [(1, 10), (2, 10), (3, huge), (4, 10)]
    assert list(plan_batches(mixed)) == [[1, 2], [3], [4]]


def test_a_big_message_is_fetched_in_a_batch_of_its_own(db, dovecot, account_for, monkeypatch):
    monkeypatch.setattr(imap, "BATCH_BYTES", 20_000)
    fetched: list[list[int]] = []
    original = imapclient.IMAPClient.fetch

    def fetch(self, messages, data, modifiers=None):
        if "BODY.PEEK[]" in data:
            fetched.append(list(messages))
        return original(self, messages, data, modifiers)

    monkeypatch.setattr(imapclient.IMAPClient, "fetch", fetch)
    account = account_for()
    big = email("big", 2, body=("x" * 76 + "\r\n") * 400)  # about 31 kB
    append(dovecot, account.folder, [email("big", 1), big, email("big", 3)])
    assert fetch_once(account) == 3
    assert fetched == [[1], [2], [3]]


def test_backoff_doubles_from_one_second_to_five_minutes():
    backoff = Backoff()
    delays = [backoff.next_delay() for _ in range(12)]
    assert 0.9 <= delays[0] <= 1.0
    assert 1.8 <= delays[1] <= 2.0
    assert 270 <= delays[-1] <= 300
    backoff.reset()
    assert backoff.next_delay() <= 1.0


# -- one fetcher per mailbox ----------------------------------------------------------


def test_the_supervisor_starts_one_fetcher_per_enabled_mailbox(db, world, account_for):
    support = account_for()
    account_for(inbox=world.sales, enabled=False)
    stop = threading.Event()
    started: list[int] = []

    def fake_fetcher(account_id: int, stop: threading.Event) -> None:
        started.append(account_id)
        stop.wait(DEADLINE)

    threads: dict[int, threading.Thread] = {}
    try:
        assert imap.ensure_fetchers(stop, threads, target=fake_fetcher) == [support.pk]
        # A live fetcher is not started twice; the disabled mailbox gets none.
        assert imap.ensure_fetchers(stop, threads, target=fake_fetcher) == []
        ImapAccount.objects.filter(inbox=world.sales).update(enabled=True)
        sales = ImapAccount.objects.get(inbox=world.sales)
        assert imap.ensure_fetchers(stop, threads, target=fake_fetcher) == [sales.pk]
    finally:
        stop.set()
        for thread in threads.values():
            thread.join(timeout=DEADLINE)
    assert sorted(started) == sorted([support.pk, sales.pk])


def test_postroom_fetch_once_reports_each_mailbox(db, dovecot, account_for, capsys):
    account = account_for()
    append(dovecot, account.folder, [email("cli", n) for n in range(2)])
    assert imap_cli.main(["--once"]) == 0
    assert capsys.readouterr().out.endswith(": 2 new\n")

    ImapAccount.objects.filter(pk=account.pk).update(secret_encrypted=encrypt("wrong"))
    assert imap_cli.main(["--once", "--account", str(account.pk)]) == 1
    assert LOGIN_REFUSED in capsys.readouterr().err


# -- XOAUTH2 (no network: the SASL string and the refresh request) --------------------


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_xoauth2_login_refreshes_a_refused_token_and_stores_the_new_one(
    db, dovecot, account_for, monkeypatch
):
    account = account_for(
        auth=ImapAuth.XOAUTH2,
        secret_encrypted=encrypt("old-token"),
        oauth_refresh_encrypted=encrypt("refresh-1"),
        oauth_token_url="https://oauth2.example.test/token",
        oauth_client_id="client-id",
        oauth_client_secret_encrypted=encrypt("client-secret"),
    )
    sasl: list[tuple[str, bytes]] = []
    original = imaplib.IMAP4.authenticate

    def authenticate(self, mechanism, authobject):
        sasl.append((mechanism, authobject(b"")))
        return original(self, mechanism, authobject)  # Dovecot here refuses XOAUTH2

    requests: list[urllib.request.Request] = []

    def urlopen(request, timeout):
        requests.append(request)
        body = {"access_token": "new-token", "expires_in": 3599, "refresh_token": "refresh-2"}
        return FakeResponse(json.dumps(body).encode())

    monkeypatch.setattr(imaplib.IMAP4, "authenticate", authenticate)
    monkeypatch.setattr(imap_oauth.urllib.request, "urlopen", urlopen)

    with pytest.raises(ImapLoginFailed):
        fetch_once(account)

    assert sasl == [
        ("XOAUTH2", "user=support@example.test\x01auth=Bearer old-token\x01\x01"),
        ("XOAUTH2", "user=support@example.test\x01auth=Bearer new-token\x01\x01"),
    ]
    [request] = requests
    assert request.full_url == "https://oauth2.example.test/token"
    assert request.get_method() == "POST"
    assert isinstance(request.data, bytes)
    assert urllib.parse.parse_qs(request.data.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": ["client-id"],
        "client_secret": ["client-secret"],
    }
    account = fresh(account)
    assert decrypt(account.secret_encrypted) == "new-token"
    assert decrypt(account.oauth_refresh_encrypted) == "refresh-2"
    assert account.last_error == imap.TOKEN_REFUSED


def test_the_refresh_request_only_goes_to_https(db, account_for):
    account = account_for(
        auth=ImapAuth.XOAUTH2,
        oauth_refresh_encrypted=encrypt("r"),
        oauth_token_url="file:///etc/passwd",
    )
    with pytest.raises(imap_oauth.OAuthRefreshFailed, match="https"):
        imap_oauth.build_refresh_request(account)


def test_an_idling_fetcher_gives_its_database_connection_back(
    transactional_db, dovecot, account_for, fetcher_thread, monkeypatch
):
    # On PostgreSQL a process's connections come from one bounded pool that the web
    # requests share: a fetcher per mailbox holding one through IDLE would starve them.
    # SQLite keeps one connection per thread instead (CONN_MAX_AGE=None), on purpose.
    from django.db import connection

    held: list[bool] = []
    idling = threading.Event()
    original_idle = imapclient.IMAPClient.idle

    def idle(self):
        held.append(connection.connection is not None)  # in the fetcher's own thread
        idling.set()
        return original_idle(self)

    monkeypatch.setattr(imapclient.IMAPClient, "idle", idle)
    fetcher_thread(account_for(poll_seconds=3600, use_idle=True))
    assert idling.wait(DEADLINE), "the fetcher never entered IDLE"
    pooled = connection.vendor == "postgresql"
    assert held and held[0] is not pooled
