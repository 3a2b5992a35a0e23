"""Import existing mail into an inbox: ``.eml`` files, directories, mbox files, Maildirs.

Every message goes through :func:`~postroom.mail.store.store_raw` (source "import"), which
commits it on its own and deduplicates by content. So an import can be run again at any
time: a second run adds nothing, and a run that was interrupted (Ctrl+C, crash, lost
database) resumes by being started again with the same paths. A file that cannot be read
is counted as failed with its reason and the import goes on.

What is imported from each path:
- a file that starts with an mbox ``From `` line: every message in it (``path#n``,
  ``n`` counted from 0);
- any other file given explicitly: one message (``path``);
- a Maildir (a directory with ``cur/`` and ``new/``): its messages (``path#key``), not
  its subfolders (Sent, Trash, Junk... are imported only when named explicitly);
- any other directory: walked recursively in name order, taking ``*.eml`` files, ``*.mbox``
  files, mbox files without an extension, and Maildirs; hidden entries are skipped.

``postroom import --inbox SLUG PATH...`` digests the stored mail afterwards (see
docs/ingest-sources.md).
"""

from __future__ import annotations

import argparse
import logging
import mailbox
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from django.db import InterfaceError, OperationalError, connection

from postroom.inbox.models import Inbox
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.sources.smtpd import max_message_size
from postroom.mail.store import RawInput, store_raw, store_raw_many

log = logging.getLogger(__name__)

_MBOX_FROM = b"From "
_SOURCE_REF_MAX = 300  # RawMessage.source_ref
_COUNT_CHUNK = 1024 * 1024

Kind = Literal["message", "mbox", "maildir"]


@dataclass
class ImportResult:
    stored: int = 0
    duplicates: int = 0  # already stored: by an earlier run, or another route
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "<ref>: <reason>", one per failure
    # Over the size limit SMTP applies: refused like SMTP refuses them (552), so not
    # stored; listed, and left where they are, so nothing is lost.
    too_big: int = 0
    skipped: list[str] = field(default_factory=list)  # "<ref>: <size>, over <limit>"


class ImportInterrupted(Exception):
    """The database went away mid-import: nothing more can be stored, so the import
    stops with what it did so far (``result``); running it again resumes it."""

    def __init__(self, result: ImportResult, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {str(cause).strip()}")
        self.result = result


@dataclass(frozen=True)
class _Source:
    kind: Kind
    path: Path


@dataclass(frozen=True)
class _Item:
    """One message to store, or a source that failed as a whole (``raw`` is None)."""

    ref: str
    raw: bytes | None
    envelope_from: str = ""
    error: str = ""
    size: int = 0  # set (and ``raw`` None) for a message over the size limit


class Progress:
    """A one-line progress report on a stream: count/total, percent, rate.

    Redrawn in place on a terminal (at most every ``interval`` seconds); elsewhere (a log
    file, CI) a line every ``log_interval`` seconds, so the output stays readable.
    """

    def __init__(
        self, stream: TextIO | None = None, *, interval: float = 0.2, log_interval: float = 10.0
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval if self.tty else log_interval
        self.total = 0
        self.count = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def start(self, total: int) -> None:
        self.total = total
        self.count = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if now - self._drawn >= self.interval:
            self._drawn = now
            self._draw(final=False)

    def finish(self) -> None:
        self._draw(final=True)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        # The total of an mbox is counted ahead from its "From " lines: an estimate.
        total = max(self.total, self.count)
        percent = 100 * self.count / total if total else 100.0
        return (
            f"{self.count:,}/{total:,} messages  {percent:3.0f}%  "
            f"{self.count / elapsed:,.0f} msg/s  {elapsed:,.1f} s"
        )

    def _draw(self, *, final: bool) -> None:
        if self.tty:
            end = "\n" if final else ""
            self.stream.write(f"\r{self.line()}\x1b[K{end}")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def _starts_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_MBOX_FROM)) == _MBOX_FROM
    except OSError:
        return False


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _walk(directory: Path) -> Iterator[_Source]:
    """Importable sources under ``directory``, recursively, in name order."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        log.warning("import: cannot list %s: %s", directory, exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if _is_maildir(entry):
                yield _Source("maildir", entry)
            else:
                yield from _walk(entry)
        elif entry.is_file():
            suffix = entry.suffix.lower()
            if suffix == ".eml":
                kind: Kind = "mbox" if _starts_like_mbox(entry) else "message"
                yield _Source(kind, entry)
            elif suffix == ".mbox" or (suffix == "" and _starts_like_mbox(entry)):
                yield _Source("mbox", entry)


def find_sources(paths: Iterable[Path | str]) -> list[_Source]:
    """What each given path contains, expanded (see the module docstring)."""
    sources: list[_Source] = []
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            sources.extend([_Source("maildir", path)] if _is_maildir(path) else _walk(path))
        elif _starts_like_mbox(path):
            sources.append(_Source("mbox", path))
        else:
            # Also a path that does not exist: it fails when read, and is reported.
            sources.append(_Source("message", path))
    return sources


def _count_mbox(path: Path) -> int:
    """Lines starting with "From ", as mailbox.mbox splits messages, read at C speed."""
    count = 0
    previous = b"\n"
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_COUNT_CHUNK):
                # Five bytes of overlap find a separator split across two chunks, and
                # cannot hold a whole one (six bytes) that was counted already.
                count += (previous[-5:] + chunk).count(b"\nFrom ")
                previous = chunk
    except OSError:
        return 1
    return count  # a "From " first line is counted through the initial b"\n"


def _estimate(source: _Source) -> int:
    if source.kind == "message":
        return 1
    if source.kind == "mbox":
        return _count_mbox(source.path)
    try:
        return sum(
            1
            for sub in ("new", "cur")
            for entry in (source.path / sub).iterdir()
            if not entry.name.startswith(".")
        )
    except OSError:
        return 0


def _ref(text: str) -> str:
    # Keep the end (file name and #index) when a deep path is too long for the column.
    return text if len(text) <= _SOURCE_REF_MAX else "…" + text[-(_SOURCE_REF_MAX - 1) :]


def _read_message(path: Path, max_size: int) -> Iterator[_Item]:
    try:
        size = path.stat().st_size
        if size > max_size:  # not even read: a huge file would cost its size in memory
            yield _Item(str(path), None, size=size)
            return
        raw = path.read_bytes()
    except OSError as exc:
        yield _Item(str(path), None, error=exc.strerror or str(exc))
        return
    if not raw.strip():
        yield _Item(str(path), None, error="empty file")
        return
    yield _Item(str(path), raw)


def _read_mbox(path: Path, max_size: int) -> Iterator[_Item]:
    try:
        box = mailbox.mbox(path, create=False)
        keys = box.keys()  # scans for "From " lines, keeps offsets only
    except (OSError, mailbox.Error) as exc:
        yield _Item(str(path), None, error=str(exc))
        return
    try:
        for key in keys:
            ref = f"{path}#{key}"
            try:
                data = box.get_bytes(key, from_=True)
            except (OSError, KeyError, mailbox.Error) as exc:
                yield _Item(ref, None, error=str(exc))
                continue
            from_line, _, raw = data.partition(b"\n")
            if len(raw) > max_size:
                yield _Item(ref, None, size=len(raw))
                continue
            sender = from_line[len(_MBOX_FROM) :].split(maxsplit=1)
            envelope_from = sender[0].decode("utf-8", "replace") if sender else ""
            yield _Item(ref, raw, envelope_from=envelope_from)
    finally:
        box.close()


def _read_maildir(path: Path, max_size: int) -> Iterator[_Item]:
    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = sorted(box.keys())  # unique names begin with the delivery time
    except (OSError, mailbox.Error) as exc:
        yield _Item(str(path), None, error=str(exc))
        return
    for key in keys:
        ref = f"{path}#{key}"
        try:
            raw = box.get_bytes(key)
        except (OSError, KeyError, mailbox.Error) as exc:
            yield _Item(ref, None, error=str(exc))
            continue
        yield _Item(ref, None, size=len(raw)) if len(raw) > max_size else _Item(ref, raw)


_READERS = {"message": _read_message, "mbox": _read_mbox, "maildir": _read_maildir}


def import_paths(
    inbox: Inbox,
    paths: Iterable[Path | str],
    *,
    progress: Progress | None = None,
    max_size: int | None = None,
) -> ImportResult:
    """Store every message found under ``paths`` for ``inbox``; never stops on a bad one.

    Messages over ``max_size`` bytes (default :func:`max_message_size`) are not stored
    but listed in ``skipped``. Call outside a transaction: each message is committed as
    it is stored, which is what makes an interrupted import resumable by running it
    again. Raises :class:`ImportInterrupted` when the database connection is lost.
    """
    limit = max_message_size() if max_size is None else max_size
    sources = find_sources(paths)
    result = ImportResult()
    if progress is not None:
        progress.start(sum(_estimate(source) for source in sources))
    batch: list[_Item] = []
    try:
        for source in sources:
            for item in _READERS[source.kind](source.path, limit):
                batch.append(item)
                if len(batch) >= BATCH:
                    _store_batch(inbox, batch, result, progress, limit)
                    batch = []
        _store_batch(inbox, batch, result, progress, limit)
    except DatabaseGone as gone:
        raise ImportInterrupted(result, gone.__cause__ or gone) from gone.__cause__
    finally:
        if progress is not None:
            progress.finish()
    return result


class DatabaseGone(Exception):
    """Raised from a store error when the connection no longer works: not the message's
    fault, and every message after it would fail the same way."""


def _check_connection(exc: Exception) -> None:
    if isinstance(exc, OperationalError | InterfaceError) and not connection.is_usable():
        raise DatabaseGone from exc


BATCH = 100


def _store_batch(
    inbox: Inbox, batch: list[_Item], result: ImportResult, progress: Progress | None, limit: int
) -> None:
    """Store readable items in one transaction; on any error, one by one so a bad item
    is reported alone."""
    good = [item for item in batch if item.raw is not None]
    try:
        created = store_raw_many(
            [
                RawInput(item.raw, _ref(item.ref), item.envelope_from)
                for item in good
                if item.raw is not None
            ],
            inbox=inbox,
            source=Source.IMPORT,
        )
    except Exception as exc:
        _check_connection(exc)
        for item in batch:
            _store_item(inbox, item, result, limit)
            if progress is not None:
                progress.advance()
        return
    result.stored += sum(created)
    result.duplicates += len(created) - sum(created)
    for item in batch:
        if item.raw is None:
            _not_stored(result, item, limit)
        if progress is not None:
            progress.advance()


def _not_stored(result: ImportResult, item: _Item, limit: int) -> None:
    if item.size:
        result.too_big += 1
        reason = f"{_mb(item.size)}, over the {_mb(limit)} limit"
        result.skipped.append(f"{item.ref}: {reason}")
        log.warning("import: skipped %s: %s", item.ref, reason)
    else:
        _fail(result, item.ref, item.error)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _store_item(inbox: Inbox, item: _Item, result: ImportResult, limit: int) -> None:
    if item.raw is None:
        _not_stored(result, item, limit)
        return
    try:
        stored = store_raw(
            item.raw,
            inbox=inbox,
            source=Source.IMPORT,
            source_ref=_ref(item.ref),
            envelope_from=item.envelope_from,
        )
    except Exception as exc:  # counted and reported; the next message may well work
        _check_connection(exc)
        _fail(result, item.ref, f"{type(exc).__name__}: {exc}")
        return
    if stored.created:
        result.stored += 1
    else:
        result.duplicates += 1


def _fail(result: ImportResult, ref: str, reason: str) -> None:
    result.failed += 1
    result.errors.append(f"{ref}: {reason}")
    log.warning("import: %s: %s", ref, reason)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postroom import",
        description="Import .eml files, directories, mbox files and Maildirs into an inbox. "
        "Safe to run again: mail already stored is skipped.",
    )
    parser.add_argument("--inbox", required=True, help="the inbox's slug")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--no-digest", action="store_true", help="only store; the running server digests later"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.add_argument(
        "--max-size",
        type=int,
        default=None,
        help="largest message stored, in bytes (default: the SMTP receiver's, "
        "POSTROOM_SMTPD_MAX_BYTES); larger ones are skipped and listed",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """``postroom import``: returns 0; 1 when some messages failed or were skipped as too
    big; 2 for an unknown inbox; 3 when the database connection was lost (the summary of
    what was done is printed first). Django must be set up."""
    args = build_parser().parse_args(argv)
    inbox = Inbox.objects.filter(slug=args.inbox).first()
    if inbox is None:
        print(f"error: no inbox with slug {args.inbox!r}", file=sys.stderr)
        return 2
    progress = None if args.quiet else Progress(sys.stderr)
    if not args.no_digest:
        from postroom.mail.digest.digest import start_parser_pool

        start_parser_pool()  # launches while the files are read
    try:
        result = import_paths(inbox, args.paths, progress=progress, max_size=args.max_size)
    except ImportInterrupted as stopped:
        _report(stopped.result)
        print(_summary(inbox, stopped.result) + "; stopped.")
        return _lost(stopped)
    _report(result)
    summary = _summary(inbox, result)
    if not args.no_digest:
        try:
            summary += _digest(inbox)
        except (OperationalError, InterfaceError) as exc:
            print(summary + "; not digested.")
            return _lost(exc)
    print(summary + ".")
    return 1 if result.failed or result.too_big else 0


def _summary(inbox: Inbox, result: ImportResult) -> str:
    summary = (
        f"Imported into {inbox.address}: {result.stored} stored, "
        f"{result.duplicates} already there, {result.failed} failed"
    )
    if result.too_big:
        summary += f", {result.too_big} skipped as too big"
    return summary


def _report(result: ImportResult) -> None:
    for error in result.errors:
        print(f"failed: {error}", file=sys.stderr)
    for skipped in result.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)


def _digest(inbox: Inbox) -> str:
    from postroom.mail.digest.digest import digest_all

    quarantined = RawMessage.objects.filter(inbox=inbox, status=RawStatus.QUARANTINED)
    before = quarantined.count()
    # A large backlog uses a second process for parsing (both cores of a small box).
    digested = digest_all(parallel=True)
    return f"; digested {digested} ({quarantined.count() - before} quarantined)"


def _lost(exc: BaseException) -> int:
    print(
        f"error: lost the database connection ({str(exc).strip().splitlines()[0]}). "
        "What is stored is kept; run the same command again to resume.",
        file=sys.stderr,
    )
    return 3
