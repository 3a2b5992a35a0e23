"""The IMAP fetcher: one per mailbox, storing new mail (phase 1) before acknowledging it.

Design page: docs/imap.md. In short:

- The cursor ``(uidvalidity, last_uid)`` says everything up to ``last_uid`` is stored.
  It advances only after :func:`store_raw` has committed, never past an unstored
  message. A new UIDVALIDITY resets it to 0; re-fetching is harmless because raw
  storage is idempotent.
- New UIDs are fetched in bounded batches with ``BODY.PEEK[]`` (nothing is marked read
  by fetching); sizes are read first so one huge message is fetched alone.
- After-import (mark read, move) runs only for messages whose store committed.
- Push by IDLE when the server offers it, else polling; reconnect with exponential
  backoff; health fields say what is wrong in words an admin can act on.
- One fetcher per mailbox: a registry within the process, and a lease on the account
  row across processes, taken and renewed with compare-and-set updates. A fetcher that
  loses its lease stops; the supervisor starts one where no live lease is held.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connections
from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from postroom.core import clock
from postroom.core.crypto import SecretUnreadable, decrypt
from postroom.mail.models import AfterImport, ImapAccount, ImapAuth, Security, Source
from postroom.mail.sources.imap.oauth import OAuthRefreshFailed, needs_refresh, refresh_access_token
from postroom.mail.sources.imap.state import (
    LEASE_SECONDS,
    LeaseLost,
    lease_free,
    new_lease_owner,
    record_connected,
    record_disconnected,
    record_error,
    record_success,
    release_lease,
    renew_lease,
    save_cursor,
    take_lease,
)
from postroom.mail.store import store_raw

log = logging.getLogger(__name__)

BATCH_UIDS = 50  # messages per FETCH of bodies
BATCH_BYTES = 16 * 1024 * 1024  # a batch stops growing here; a bigger message goes alone
META_CHUNK = 500  # UIDs per FETCH of sizes and dates
IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before servers' 30-minute logout
# After mail arrived, IDLE this long before one more look (see wait_for_news).
SETTLE_SECONDS = 1.0
ACTIVE_SECONDS = 60.0  # how long after the last arrival mail counts as "flowing"
ACTIVE_RECHECK_SECONDS = 5.0
IDLE_CHECK_SECONDS = 2.0  # how long one wait blocks; bounds how long a stop takes
LEASE_RENEW_SECONDS = 30.0  # renew the 90-second lease this often while waiting
KEEPALIVE_SECONDS = 5 * 60  # NOOP at least this often while polling
SUPERVISE_SECONDS = 15.0  # how soon a new or re-enabled mailbox gets its fetcher
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 5 * 60.0
CONNECT_TIMEOUT_SECONDS = 20.0
READ_TIMEOUT_SECONDS = 120.0

LOGIN_REFUSED = "IMAP login failed: the server refused the username or password"
TOKEN_REFUSED = "IMAP login failed: the server refused the OAuth access token"
SEEN = b"\\Seen"
DELETED = b"\\Deleted"


class ImapProblem(Exception):
    """A failure whose message is written for the admin who must fix it."""


class ImapLoginFailed(ImapProblem):
    """The server refused the credentials (retrying will not help until they change)."""


class FetcherBusy(RuntimeError):
    """Another fetcher, in this process or another, already serves the account."""


# One fetcher per mailbox within the process; across processes, the lease (Lease).
_running: set[int] = set()
_running_lock = threading.Lock()


@contextmanager
def exclusive(account_id: int) -> Iterator[None]:
    """Hold the account for the duration; raises :class:`FetcherBusy` if already held."""
    with _running_lock:
        if account_id in _running:
            raise FetcherBusy(f"IMAP account {account_id} already has a fetcher")
        _running.add(account_id)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(account_id)


def release_db_connection() -> None:
    """Give this thread's database connection back before waiting on the mail server.

    On PostgreSQL the process's connections come from one bounded pool, shared with the
    web requests: a fetcher per mailbox holding one through every IDLE would starve them.
    (SQLite's connections are kept per thread, and this leaves a healthy one open.)
    """
    close_old_connections()


class Lease:
    """A fetcher's hold on its account's row, so no other process fetches the mailbox.

    :meth:`take` once; :meth:`keep` at every sync, batch and wait round (it renews when
    forced or when :data:`LEASE_RENEW_SECONDS` have passed, and raises
    :class:`LeaseLost` when another fetcher has taken the lease since); :meth:`release`
    on the way out. Times come from :func:`postroom.core.clock.now`.
    """

    def __init__(self, account_id: int, owner: str | None = None) -> None:
        self.account_id = account_id
        self.owner = owner or new_lease_owner()
        self.held = False
        self._renewed_at: datetime | None = None

    def take(self) -> bool:
        """Take the lease if nobody else holds a live one; True if it is ours now."""
        now = clock.now()
        self.held = take_lease(self.account_id, self.owner, seconds=LEASE_SECONDS)
        self._renewed_at = now if self.held else None
        return self.held

    def keep(self, *, force: bool = False) -> None:
        """Renew the lease if due (or ``force``); raise :class:`LeaseLost` if it is gone.

        A database error is not a loss while the lease is still valid: it is retried at
        the next call. Once the lease could have expired unrenewed, it is a loss.
        """
        if not self.held or self._renewed_at is None:
            raise LeaseLost(f"IMAP account {self.account_id}: the lease is not held")
        now = clock.now()
        since = now - self._renewed_at
        if not force and timedelta(0) <= since < timedelta(seconds=LEASE_RENEW_SECONDS):
            return
        try:
            renewed = renew_lease(self.account_id, self.owner, seconds=LEASE_SECONDS)
        except DatabaseError as exc:
            if timedelta(0) <= since < timedelta(seconds=LEASE_SECONDS):
                log.warning("IMAP account %s: could not renew the lease: %s", self.account_id, exc)
                close_old_connections()  # drop a broken connection; the next call retries
                return
            self.held = False
            raise LeaseLost(
                f"IMAP account {self.account_id}: the lease could not be renewed before it "
                f"expired ({exc})"
            ) from exc
        if not renewed:
            self.held = False
            raise LeaseLost(f"IMAP account {self.account_id}: another fetcher holds the lease")
        self._renewed_at = now

    def release(self) -> None:
        """Give the lease up if it is still ours. Never raises (runs in cleanup): a lease
        that could not be released expires by itself."""
        self.held = False
        try:
            release_lease(self.account_id, self.owner)
        except Exception:
            log.exception("could not release the lease of IMAP account %s", self.account_id)


@dataclass
class Backoff:
    """Exponential delays, 1 s doubling to a 5-minute cap, with a little jitter."""

    first: float = BACKOFF_FIRST_SECONDS
    cap: float = BACKOFF_CAP_SECONDS
    _next: float = BACKOFF_FIRST_SECONDS

    def __post_init__(self) -> None:
        self._next = self.first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self.cap, delay * 2)
        # Up to 10% less, so many mailboxes on one server do not reconnect in step.
        return delay * random.uniform(0.9, 1.0)

    def reset(self) -> None:
        self._next = self.first


def describe_error(exc: BaseException, account: ImapAccount) -> str:
    """One line for the health panel: what went wrong, in terms an admin can act on."""
    where = f"{account.host}:{account.port}"
    if isinstance(exc, ImapProblem | LeaseLost):
        return str(exc)
    if isinstance(exc, SecretUnreadable):
        return "IMAP login failed: the stored secret cannot be decrypted; enter it again"
    if isinstance(exc, OAuthRefreshFailed):
        return f"IMAP login failed: the OAuth token could not be refreshed ({exc})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"IMAP connection to {where} failed: certificate not trusted ({exc.verify_message})"
    if isinstance(exc, socket.gaierror):
        return f"IMAP connection to {where} failed: host name not found ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return f"IMAP connection to {where} failed: timed out"
    if isinstance(exc, OSError | IMAPClientAbortError):
        return f"IMAP connection to {where} failed: {exc}"
    if isinstance(exc, IMAPClientError):
        return f"IMAP server error from {where}: {exc}"
    return f"IMAP fetch failed: {type(exc).__name__}: {exc}"


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plan_batches(sizes: Iterable[tuple[int, int]]) -> Iterator[list[int]]:
    """Group ``(uid, size)`` pairs, in order, into batches of at most BATCH_UIDS messages
    and about BATCH_BYTES; a message of BATCH_BYTES or more is a batch of its own."""
    batch: list[int] = []
    total = 0
    for uid, size in sizes:
        if batch and (len(batch) >= BATCH_UIDS or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


class ImapFetcher:
    """Fetches new mail of one :class:`ImapAccount`: connect, then :meth:`sync` and
    :meth:`wait_for_news` in turn, then :meth:`close`. Not thread-safe; one per thread.

    With a ``lease``, the fetcher keeps it renewed, raises :class:`LeaseLost` as soon as
    it finds it gone, and writes the cursor and health only while it holds it.
    """

    def __init__(
        self,
        account: ImapAccount,
        *,
        ssl_context: ssl.SSLContext | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.account = account
        self.ssl_context = ssl_context
        self.lease = lease
        self.owner = lease.owner if lease is not None else None
        self.client: Any = None  # IMAPClient once connected (the library is untyped)
        self.uidvalidity = 0

    def keep_lease(self, *, force: bool = False) -> None:
        if self.lease is not None:
            self.lease.keep(force=force)

    # -- connection -------------------------------------------------------------------

    def connect(self) -> None:
        """Connect, log in, select the folder, and reset the cursor on a new UIDVALIDITY."""
        account = self.account
        timeout = SocketTimeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS)
        context = self.ssl_context or ssl.create_default_context()
        tls = account.security == Security.TLS
        client = IMAPClient(
            account.host, port=account.port, ssl=tls, ssl_context=context, timeout=timeout
        )
        self.client = client
        client.normalise_times = False  # aware INTERNALDATEs, for the lag
        if account.security == Security.STARTTLS:
            # Raises if the server does not offer STARTTLS: never fall back to plain text.
            client.starttls(context)
        self._login()
        # EXAMINE (read-only) when nothing is to be changed on the server: a second
        # guarantee, beside BODY.PEEK[], that fetching never marks mail read.
        readonly = account.after_import == AfterImport.NOTHING
        try:
            selected = client.select_folder(account.folder, readonly=readonly)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise ImapProblem(f"IMAP folder {account.folder!r} cannot be opened: {exc}") from exc
        uidvalidity = selected.get(b"UIDVALIDITY")
        if not uidvalidity:
            raise ImapProblem(f"IMAP folder {account.folder!r} has no UIDVALIDITY")
        self.uidvalidity = int(uidvalidity)
        if account.uidvalidity != self.uidvalidity:
            if account.uidvalidity is not None:
                log.warning(
                    "IMAP account %s: UIDVALIDITY of %r changed (%s → %s); re-syncing",
                    account.pk,
                    account.folder,
                    account.uidvalidity,
                    self.uidvalidity,
                )
            save_cursor(account, uidvalidity=self.uidvalidity, last_uid=0, owner=self.owner)
        record_connected(account, owner=self.owner)

    def _login(self) -> None:
        account, client = self.account, self.client
        if account.auth == ImapAuth.XOAUTH2:
            self._oauth_login()
            return
        try:
            client.login(account.username, decrypt(account.secret_encrypted))
        except LoginError as exc:
            raise _login_problem(exc, LOGIN_REFUSED) from exc

    def _oauth_login(self) -> None:
        account, client = self.account, self.client
        token = decrypt(account.secret_encrypted)
        refreshed = False
        now = clock.now()
        if not token or needs_refresh(account, now=now):
            # Refresh before the token expires rather than after a refused login.
            log.info("IMAP account %s: access token missing or expiring; refreshing", account.pk)
            try:
                token = refresh_access_token(account)
                refreshed = True
            except (OSError, OAuthRefreshFailed) as exc:
                expires = account.oauth_expires_at
                if not token or expires is None or expires <= now:
                    raise
                # The stored token still works for a few minutes: use it, and say why
                # the refresh failed while there is time to fix it.
                message = (
                    f"IMAP OAuth token refresh failed ({exc}); logging in with the stored "
                    f"access token, which expires at {expires.isoformat(timespec='seconds')}"
                )
                log.warning("IMAP account %s: %s", account.pk, message)
                record_error(account.pk, message, account, disconnected=False, owner=self.owner)
        try:
            client.oauth2_login(account.username, token)
            return
        except LoginError as exc:
            # Access tokens last about an hour: a refused stored one is usually expired.
            # A token just refreshed would not fare better after another refresh.
            if refreshed or not account.oauth_refresh_encrypted:
                raise _login_problem(exc, TOKEN_REFUSED) from exc
            log.info("IMAP account %s: access token refused; refreshing it", account.pk)
        token = refresh_access_token(account)
        try:
            client.oauth2_login(account.username, token)
        except LoginError as exc:
            raise _login_problem(exc, TOKEN_REFUSED) from exc

    def close(self) -> None:
        """Log out (or just drop the socket if the connection is already broken)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            try:
                client.shutdown()
            except Exception:
                log.debug("IMAP socket of account %s already closed", self.account.pk)
        record_disconnected(self.account.pk, self.account, owner=self.owner)

    # -- fetching ---------------------------------------------------------------------

    def sync(self, stop: threading.Event | None = None) -> int:
        """Store every message above the cursor; returns how many raw rows were new.

        Searches again until a search finds nothing new, so the last thing said before
        IDLE is an empty search: mail announced while a batch was being fetched (its
        EXISTS arrives among the FETCH responses and is not seen) is never left waiting
        for the next message to wake the fetcher. Stops between batches when ``stop``
        is set; records success and lag when done. Renews the lease (if any) at the start
        and before each batch, and stops with :class:`LeaseLost` if it is gone.
        """
        client = self.client
        created = 0
        newest: datetime | None = None
        self.keep_lease(force=True)
        while True:
            client.noop()  # the command that asks the server to report new mail
            last_uid = self.account.last_uid
            # "n:*" always matches the highest UID, even below n (RFC 3501 §6.4.8).
            found = client.search(["UID", f"{last_uid + 1}:*"])
            uids = sorted(uid for uid in found if uid > last_uid)
            if not uids:
                break
            for chunk in _chunks(uids, META_CHUNK):
                meta = client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE"])
                missing = [u for u in chunk if b"RFC822.SIZE" not in meta.get(u, {})]
                gone = self._expunged(missing)
                if len(gone) < len(missing):
                    first = min(set(missing) - gone)
                    raise ImapProblem(f"IMAP server did not return the size of UID {first}")
                sizes = [(u, int(meta[u][b"RFC822.SIZE"])) for u in chunk if u not in gone]
                for batch in plan_batches(sizes):
                    if stop is not None and stop.is_set():
                        return created
                    self.keep_lease(force=True)
                    created += self._fetch_batch(batch, meta)
                    newest = meta[batch[-1]].get(b"INTERNALDATE") or newest
        lag = (clock.now() - newest).total_seconds() if isinstance(newest, datetime) else 0.0
        record_success(self.account, lag_seconds=lag, owner=self.owner)
        return created

    def _fetch_batch(self, batch: list[int], meta: dict[int, dict[bytes, Any]]) -> int:
        """Fetch and store one batch in UID order, then acknowledge what was stored."""
        bodies = self.client.fetch(batch, ["BODY.PEEK[]"])
        missing = [uid for uid in batch if b"BODY[]" not in bodies.get(uid, {})]
        gone = self._expunged(missing)
        stored: list[int] = []
        done = 0  # batch[:done] is stored or gone: the cursor may pass it
        created = 0
        try:
            for uid in batch:
                if uid in gone:
                    done += 1
                    continue
                if uid not in bodies or b"BODY[]" not in bodies[uid]:
                    raise ImapProblem(f"IMAP server did not return message UID {uid}")
                received = meta.get(uid, {}).get(b"INTERNALDATE")
                result = store_raw(
                    bytes(bodies[uid][b"BODY[]"]),
                    inbox=self.account.inbox,
                    source=Source.IMAP,
                    source_ref=f"{self.uidvalidity}:{uid}",
                    received_at=received if isinstance(received, datetime) else None,
                )
                created += int(result.created)
                stored.append(uid)
                done += 1
        except BaseException:
            if done:
                try:
                    self._acknowledge(stored, through=batch[done - 1])
                except Exception:
                    log.warning("IMAP account %s: acknowledging failed", self.account.pk)
            raise
        if done:
            self._acknowledge(stored, through=batch[done - 1])
        return created

    def _expunged(self, uids: list[int]) -> set[int]:
        """Which of ``uids`` no longer exist (deleted between SEARCH and FETCH)."""
        if not uids:
            return set()
        still_there = set(self.client.search(["UID", ",".join(map(str, uids))]))
        return {uid for uid in uids if uid not in still_there}

    def _acknowledge(self, stored: list[int], *, through: int) -> None:
        """After-import for stored messages, then the cursor up to ``through``.

        The store has committed, so a crash from here on loses nothing: at worst the
        batch is fetched again (storing is idempotent) and the after-import repeated.
        A server that refuses the after-import (a missing target folder, say) is shown
        in health but does not hold the cursor back: mail keeps flowing in.
        """
        account = self.account
        if stored and account.after_import != AfterImport.NOTHING:
            # Changing the mailbox is the one thing a second fetcher would do twice:
            # check the lease just before, not only at the start of the batch.
            self.keep_lease(force=True)
            try:
                if account.after_import == AfterImport.MARK_READ:
                    self.client.add_flags(stored, [SEEN], silent=True)
                elif account.after_import == AfterImport.MOVE:
                    self._move(stored)
            except IMAPClientAbortError:
                raise
            except (IMAPClientError, ImapProblem) as exc:
                message = f"IMAP after-import ({account.after_import}) failed: {exc}"
                log.warning("IMAP account %s: %s", account.pk, message)
                record_error(account.pk, message, account, disconnected=False, owner=self.owner)
        save_cursor(account, uidvalidity=self.uidvalidity, last_uid=through, owner=self.owner)

    def _move(self, uids: list[int]) -> None:
        client, target = self.client, self.account.move_to
        if not target:
            raise ImapProblem("no folder to move imported mail to is set")
        if client.has_capability("MOVE"):
            client.move(uids, target)
            return
        # RFC 6851 fallback. Without UIDPLUS, EXPUNGE also removes other messages that
        # someone flagged \Deleted in this folder: that is what such a server offers.
        client.copy(uids, target)
        client.add_flags(uids, [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()

    # -- waiting ----------------------------------------------------------------------

    def can_idle(self) -> bool:
        return bool(self.account.use_idle) and bool(self.client.has_capability("IDLE"))

    def wait_for_news(self, stop: threading.Event, *, since_arrival: float = 1e9) -> None:
        """Return when new mail may have arrived, when it is time to look anyway, or soon
        after ``stop`` is set. Keeps the lease renewed; raises :class:`LeaseLost`.

        ``since_arrival``: seconds since the last fetch found mail. Mail that lands while
        IDLE is being set up can escape the server's notification (Dovecot then reports it
        only at its next periodic check, 30 s later). So while mail is flowing, IDLE is cut
        short for a cheap re-check: after 1 s right after mail arrived, every 5 s for a
        minute after that; in quiet times IDLE lasts its full term.
        """
        if since_arrival < 1:
            limit = SETTLE_SECONDS
        elif since_arrival < ACTIVE_SECONDS:
            limit = ACTIVE_RECHECK_SECONDS
        else:
            limit = IDLE_RENEW_SECONDS
        if self.can_idle():
            self._idle(stop, limit=limit)
        else:
            self._poll(stop)

    def _idle(self, stop: threading.Event, limit: float = 0) -> None:
        client = self.client
        client.idle()
        # A message that arrived between the last search and the IDLE command is announced
        # before the server's "+ idling"; imapclient files such untagged EXISTS away
        # instead of returning them from idle_check, so look there first.
        if _pop_untagged_news(client):
            client.idle_done()
            return
        started = time.monotonic()
        quick_empties = 0
        while not stop.is_set():
            remaining = (limit or IDLE_RENEW_SECONDS) - (time.monotonic() - started)
            if remaining <= 0:
                break
            wait = min(IDLE_CHECK_SECONDS, remaining)
            asked = time.monotonic()
            responses = client.idle_check(timeout=wait)
            try:
                self.keep_lease()
            except Exception:
                # Leave IDLE first: a LOGOUT sent in IDLE would be taken for a bad DONE
                # and never answered.
                client.idle_done()
                raise
            release_db_connection()
            if any(r and r[0] == b"BYE" for r in responses):
                raise ConnectionError("the IMAP server closed the connection (BYE)")
            if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                break
            # imapclient returns [] at once, again and again, once the server has hung up.
            quick_empties = quick_empties + 1 if not responses and _quick(asked, wait) else 0
            if quick_empties >= 3:
                raise ConnectionError("the IMAP server closed the connection during IDLE")
        client.idle_done()

    def _poll(self, stop: threading.Event) -> None:
        deadline = time.monotonic() + max(self.account.poll_seconds, 1)
        keepalive = time.monotonic() + KEEPALIVE_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or stop.wait(min(remaining, IDLE_CHECK_SECONDS)):
                return
            self.keep_lease()
            release_db_connection()
            if time.monotonic() >= keepalive and deadline - time.monotonic() > 0:
                self.client.noop()  # keep a long poll interval from timing the session out
                keepalive = time.monotonic() + KEEPALIVE_SECONDS


def _quick(since: float, wait: float) -> bool:
    return time.monotonic() - since < wait / 10


def _login_problem(exc: LoginError, refused: str) -> ImapProblem:
    text = str(exc)
    if "UNAVAILABLE" in text or "Temporary" in text:
        return ImapProblem(f"IMAP login failed: the server cannot check credentials now ({text})")
    log.info("IMAP login refused: %s", text)
    return ImapLoginFailed(refused)


def fetch_once(account: ImapAccount, *, ssl_context: ssl.SSLContext | None = None) -> int:
    """Connect, store everything new, disconnect; returns how many raw rows were new.

    Holds the account's lease meanwhile: raises :class:`FetcherBusy` if another fetcher
    (in this process or another) serves the mailbox. Errors are recorded in the
    account's health and raised.
    """
    with exclusive(account.pk):
        lease = Lease(account.pk)
        if not lease.take():
            raise FetcherBusy(_busy_message(account.pk))
        fetcher = ImapFetcher(account, ssl_context=ssl_context, lease=lease)
        try:
            fetcher.connect()
            return fetcher.sync()
        except LeaseLost:
            raise  # the mailbox is in other hands now: its health is theirs to write
        except Exception as exc:
            record_error(account.pk, describe_error(exc, account), account, owner=lease.owner)
            raise
        finally:
            fetcher.close()
            lease.release()


def _busy_message(account_id: int) -> str:
    holder = (
        ImapAccount.objects.filter(pk=account_id)
        .values_list("lease_owner", "lease_expires_at")
        .first()
    )
    if holder is None:
        return f"IMAP account {account_id} does not exist"
    owner, expires = holder
    until = f" until {expires.isoformat(timespec='seconds')}" if expires else ""
    return f"IMAP account {account_id} is being fetched by {owner}{until}"


def run_fetcher(
    account_id: int,
    stop: threading.Event,
    *,
    ssl_context: ssl.SSLContext | None = None,
    owner: str | None = None,
) -> None:
    """Fetch mail for one account until ``stop`` is set, the account is disabled or
    deleted, or another process holds (or takes over) its lease. Meant to be a thread's
    target; returns within a few seconds of ``stop``."""
    try:
        with exclusive(account_id):
            serve_mailbox(account_id, stop, ssl_context=ssl_context, owner=owner)
    except FetcherBusy:
        log.warning("IMAP account %s already has a fetcher in this process", account_id)
    finally:
        connections.close_all()  # this thread's connections die with it


def serve_mailbox(
    account_id: int,
    stop: threading.Event,
    *,
    ssl_context: ssl.SSLContext | None = None,
    owner: str | None = None,
) -> bool:
    """The fetcher loop of :func:`run_fetcher` under the account's lease, without the
    process-local registry. Returns False at once if another fetcher holds the lease;
    True when it stopped after holding it (the lease is then released if still ours).
    ``owner`` names the lease holder; by default a new unique id."""
    lease = Lease(account_id, owner)
    if not lease.take():
        log.info("IMAP account %s: %s", account_id, _busy_message(account_id))
        return False
    log.info("IMAP account %s: fetching as %s", account_id, lease.owner)
    try:
        _run(account_id, stop, ssl_context, lease)
    except LeaseLost as exc:
        log.warning("%s; this fetcher stops", exc)
    finally:
        lease.release()
    return True


# Failures that need no traceback in the log: the health message says it all.
_EXPECTED = (ImapProblem, OSError, IMAPClientError, OAuthRefreshFailed, SecretUnreadable)


def _run(
    account_id: int, stop: threading.Event, ssl_context: ssl.SSLContext | None, lease: Lease
) -> None:
    """Connect, sync and wait until ``stop``; reconnect after failures. Raises
    :class:`LeaseLost` when the lease is found gone."""
    backoff = Backoff()
    while not stop.is_set():
        close_old_connections()
        lease.keep()
        account = (
            ImapAccount.objects.select_related("inbox").filter(pk=account_id, enabled=True).first()
        )
        if account is None:
            log.info("IMAP account %s is disabled or gone; its fetcher stops", account_id)
            return
        fetcher = ImapFetcher(account, ssl_context=ssl_context, lease=lease)
        try:
            fetcher.connect()
            last_arrival = 0.0
            while not stop.is_set():
                if fetcher.sync(stop):
                    last_arrival = time.monotonic()
                backoff.reset()
                release_db_connection()
                fetcher.wait_for_news(stop, since_arrival=time.monotonic() - last_arrival)
                close_old_connections()  # the wait may have outlived the DB connection
        except LeaseLost:
            raise
        except Exception as exc:
            message = describe_error(exc, account)
            expected = isinstance(exc, _EXPECTED)
            log.warning("IMAP account %s: %s", account_id, message, exc_info=not expected)
            record_error(account_id, message, owner=lease.owner)
            fetcher.close()
            _pause(stop, backoff.next_delay(), lease)
        finally:
            fetcher.close()


def _pause(stop: threading.Event, seconds: float, lease: Lease) -> None:
    """Wait ``seconds``, or until ``stop``, keeping the lease renewed meanwhile (the
    backoff after a failure reaches 5 minutes; the lease lasts 90 seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or stop.wait(min(remaining, IDLE_CHECK_SECONDS)):
            return
        lease.keep()


def ensure_fetchers(
    stop: threading.Event,
    threads: dict[int, threading.Thread],
    *,
    target: Callable[[int, threading.Event], None] = run_fetcher,
    account_ids: Collection[int] | None = None,
) -> list[int]:
    """Start a fetcher thread for each enabled account (of ``account_ids``, if given)
    that has no live thread here and whose lease no fetcher holds: none in another
    process, and none left by one that died (its lease expires by itself). Returns the
    ids of the accounts started. ``threads`` is the caller's record, updated in place."""
    accounts = ImapAccount.objects.filter(lease_free(clock.now()), enabled=True)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
    started = []
    for account_id in accounts.order_by("pk").values_list("pk", flat=True):
        current = threads.get(account_id)
        if current is not None and current.is_alive():
            continue
        thread = threading.Thread(
            target=target, args=(account_id, stop), name=f"imap-{account_id}", daemon=True
        )
        thread.start()
        threads[account_id] = thread
        started.append(account_id)
    return started


def supervise_fetchers(
    stop: threading.Event,
    interval: float = SUPERVISE_SECONDS,
    *,
    account_ids: Collection[int] | None = None,
    target: Callable[[int, threading.Event], None] = run_fetcher,
) -> None:
    """Keep one fetcher thread per enabled account (of ``account_ids``, if given) until
    ``stop`` is set: a mailbox added or re-enabled in the admin starts fetching within
    ``interval`` seconds, a disabled or deleted one stops by itself, and a mailbox whose
    lease another process held is taken over within ``interval`` seconds of that lease
    being released or expiring. For the server's background and ``postroom fetch``."""
    threads: dict[int, threading.Thread] = {}
    while not stop.is_set():
        try:
            close_old_connections()
            ensure_fetchers(stop, threads, target=target, account_ids=account_ids)
        except Exception:  # keep supervising; the next round retries
            log.exception("could not start IMAP fetchers")
        release_db_connection()
        stop.wait(interval)
    for thread in threads.values():
        thread.join(timeout=IDLE_CHECK_SECONDS + 5)
    connections.close_all()


def _pop_untagged_news(client: IMAPClient) -> bool:
    """True when EXISTS/RECENT responses were stashed while IDLE started (and drop them)."""
    stash = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    if not isinstance(stash, dict):
        return False
    found = False
    for key in ("EXISTS", "RECENT"):
        if stash.pop(key, None):
            found = True
    return found
