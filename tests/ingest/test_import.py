"""Importing .eml files, directories, mbox files and Maildirs into an inbox."""

from __future__ import annotations

import io
import mailbox
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from postroom.inbox.models import Conversation
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.sources import importer
from postroom.mail.sources.importer import ImportResult, Progress, import_paths

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "corpus"
GEN_CORPUS = SHARED / "bench" / "gen_corpus.py"


def make_email(n: int, *, subject: str | None = None, reply_to: int | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Customer {n} <customer{n}@customer.test>"
    message["To"] = "support@example.test"
    message["Subject"] = subject or f"Question number {n}"
    message["Date"] = f"Mon, 03 Mar 2025 {10 + n % 10:02d}:00:00 +0000"
    message["Message-ID"] = f"<question-{n}@customer.test>"
    if reply_to is not None:
        message["In-Reply-To"] = f"<question-{reply_to}@customer.test>"
        message["References"] = f"<question-{reply_to}@customer.test>"
    message.set_content(f"Hello, this is question {n}. Grüße!\n")
    return message


def write_eml_dir(root: Path, count: int = 4) -> Path:
    (root / "2025" / "march").mkdir(parents=True)
    for n in range(count):
        folder = root / "2025" / ("march" if n % 2 else "")
        (folder / f"{n:03d}.eml").write_bytes(bytes(make_email(n)))
    (root / "2025" / "index.json").write_text("{}")  # not mail: skipped
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return root


def conversations(world) -> int:
    return (
        Conversation.objects.filter(inbox=world.support)
        .exclude(pk=world.bob_conversation.pk)
        .count()
    )


def test_a_directory_of_eml_files_becomes_conversations(world, tmp_path):
    root = write_eml_dir(tmp_path / "export")
    result = import_paths(world.support, [root])
    assert result == ImportResult(stored=4, duplicates=0, failed=0)
    raws = RawMessage.objects.order_by("pk")
    assert {r.source for r in raws} == {Source.IMPORT}
    assert [Path(r.source_ref).name for r in raws] == ["000.eml", "002.eml", "001.eml", "003.eml"]
    digest_all()
    assert conversations(world) == 4
    assert Conversation.objects.filter(subject="Question number 3").exists()


def test_importing_twice_adds_nothing(world, tmp_path):
    root = write_eml_dir(tmp_path / "export")
    import_paths(world.support, [root])
    digest_all()
    again = import_paths(world.support, [root])
    assert again == ImportResult(stored=0, duplicates=4, failed=0)
    assert digest_all() == 0
    assert RawMessage.objects.count() == 4
    assert conversations(world) == 4


def test_an_mbox_file_is_imported_message_by_message(world, tmp_path):
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(path)
    for n in range(5):
        entry = mailbox.mboxMessage(make_email(n, reply_to=0 if n else None))
        entry.set_from(f"customer{n}@customer.test", (2025, 3, 3, 10, n, 0, 0, 62, 0))
        box.add(entry)
    box.close()

    result = import_paths(world.support, [path])
    assert result == ImportResult(stored=5, duplicates=0, failed=0)
    refs = list(RawMessage.objects.order_by("pk").values_list("source_ref", "envelope_from"))
    assert refs[0] == (f"{path}#0", "customer0@customer.test")
    assert refs[4] == (f"{path}#4", "customer4@customer.test")
    first = RawMessage.objects.order_by("pk").first()
    assert first is not None
    assert not bytes(first.data).startswith(b"From ")  # the mbox separator is not mail
    digest_all()
    assert conversations(world) == 1  # four replies to the first question


def test_a_maildir_is_imported_from_new_and_cur_but_not_its_subfolders(world, tmp_path):
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(make_email(1))
    seen = mailbox.MaildirMessage(make_email(2))
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    box.add_folder("Trash").add(make_email(3))

    result = import_paths(world.support, [path])
    assert result == ImportResult(stored=2, duplicates=0, failed=0)
    assert all(
        r.startswith(f"{path}#") for r in RawMessage.objects.values_list("source_ref", flat=True)
    )
    # Named explicitly, the subfolder is imported too.
    trash = import_paths(world.support, [path / ".Trash"])
    assert trash.stored == 1


def test_a_directory_walk_finds_mbox_files_and_maildirs(world, tmp_path):
    root = tmp_path / "thunderbird"
    (root / "Local Folders").mkdir(parents=True)
    (root / "server").mkdir()
    box = mailbox.mbox(root / "Local Folders" / "Inbox")  # no extension, mbox by content
    box.add(make_email(1))
    box.close()
    mailbox.Maildir(root / "server" / "INBOX", create=True).add(make_email(2))
    (root / "Local Folders" / "Inbox.msf").write_text("// mork index, not mail")
    (root / "single.eml").write_bytes(bytes(make_email(3)))

    result = import_paths(world.support, [root])
    assert result == ImportResult(stored=3, duplicates=0, failed=0)


def test_a_bad_file_is_counted_as_failed_and_the_import_goes_on(world, tmp_path):
    root = write_eml_dir(tmp_path / "export", count=2)
    (root / "empty.eml").write_bytes(b"")
    missing = tmp_path / "gone.eml"

    result = import_paths(world.support, [root, missing])
    assert (result.stored, result.duplicates, result.failed) == (2, 0, 2)
    assert any(e.endswith("empty.eml: empty file") for e in result.errors)
    assert any(e.startswith(str(missing)) and "No such file" in e for e in result.errors)


def test_a_database_error_on_one_message_does_not_stop_the_rest(world, tmp_path, monkeypatch):
    root = write_eml_dir(tmp_path / "export", count=3)
    real_store = importer.store_raw
    calls = []

    def flaky_store(raw, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk I/O error")
        return real_store(raw, **kwargs)

    def failing_batch(items, **kwargs):
        raise RuntimeError("disk I/O error")  # the batch fails: one by one then

    monkeypatch.setattr(importer, "store_raw_many", failing_batch)
    monkeypatch.setattr(importer, "store_raw", flaky_store)
    result = import_paths(world.support, [root])
    assert (result.stored, result.failed) == (2, 1)
    assert "RuntimeError: disk I/O error" in result.errors[0]


def test_an_interrupted_import_resumes_to_the_same_result(world, tmp_path, monkeypatch):
    path = tmp_path / "big.mbox"
    box = mailbox.mbox(path)
    for n in range(12):
        box.add(make_email(n, reply_to=n - 1 if n % 3 else None))
    box.close()
    real_store_many = importer.store_raw_many

    def interrupted_store(items, **kwargs):
        real_store_many(items[:7], **kwargs)  # 7 committed...
        raise KeyboardInterrupt  # ...then Ctrl+C, or the process killed

    monkeypatch.setattr(importer, "store_raw_many", interrupted_store)
    with pytest.raises(KeyboardInterrupt):
        import_paths(world.support, [path])
    assert RawMessage.objects.count() == 7

    monkeypatch.undo()
    resumed = import_paths(world.support, [path])
    assert resumed == ImportResult(stored=5, duplicates=7, failed=0)
    digest_all()
    assert RawMessage.objects.count() == 12
    assert conversations(world) == 4  # questions 0, 3, 6, 9, each with two replies
    assert not RawMessage.objects.exclude(status=RawStatus.DONE).exists()


def test_corpus_files_read_in_place_are_all_stored_and_nothing_raises(world):
    malformed = CORPUS / "stalwart_mail_parser" / "malformed"
    if not malformed.is_dir():
        if os.environ.get("CI"):
            pytest.fail("the shared corpus is not beside the repository")
        pytest.skip("the shared corpus is not beside the repository")
    files = sorted(malformed.glob("*.eml"))[:20]
    assert len(files) == 20
    result = import_paths(world.support, files)
    assert result.failed == 0
    assert result.stored + result.duplicates == 20
    digest_all()  # must not raise; what cannot be digested is quarantined
    statuses = set(RawMessage.objects.values_list("status", flat=True))
    assert statuses <= {RawStatus.DONE, RawStatus.QUARANTINED}


def test_the_synthetic_benchmark_corpus_imports_every_message(world, tmp_path):
    if not GEN_CORPUS.is_file():
        if os.environ.get("CI"):
            pytest.fail("the shared benchmark generator is not beside the repository")
        pytest.skip("the shared benchmark generator is not beside the repository")
    out = tmp_path / "synthetic"
    subprocess.run(
        [
            sys.executable,
            str(GEN_CORPUS),
            "--out",
            str(out),
            "--messages",
            "300",
            "--threads",
            "100",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    result = import_paths(world.support, [out])
    assert result == ImportResult(stored=300, duplicates=0, failed=0)
    assert RawMessage.objects.filter(source=Source.IMPORT).count() == 300


def test_progress_shows_count_total_and_rate():
    stream = io.StringIO()
    progress = Progress(stream, log_interval=0)
    progress.start(4)
    progress.advance()
    progress.advance()
    progress.finish()
    last = stream.getvalue().splitlines()[-1]
    assert last.startswith("2/4 messages   50%")
    assert "msg/s" in last


def test_import_command_stores_digests_and_prints_a_summary(world, tmp_path, capsys):
    root = write_eml_dir(tmp_path / "export", count=3)
    assert importer.main(["--inbox", "support", str(root)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == (
        "Imported into support@example.test: 3 stored, 0 already there, 0 failed; "
        "digested 3 (0 quarantined)."
    )
    assert "3/3 messages" in err
    assert conversations(world) == 3


def test_import_command_without_digest_leaves_mail_pending(world, tmp_path, capsys):
    root = write_eml_dir(tmp_path / "export", count=2)
    assert importer.main(["--inbox", "support", "--no-digest", "--quiet", str(root)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "Imported into support@example.test: 2 stored, 0 already there, 0 failed."
    assert err == ""
    assert RawMessage.objects.filter(status=RawStatus.PENDING).count() == 2


def test_import_command_reports_failures_with_exit_status_1(world, tmp_path, capsys):
    assert importer.main(["--inbox", "support", "--quiet", str(tmp_path / "nope.eml")]) == 1
    out, err = capsys.readouterr()
    assert "0 stored, 0 already there, 1 failed" in out
    assert f"failed: {tmp_path / 'nope.eml'}: No such file or directory" in err


def test_import_command_refuses_an_unknown_inbox(world, tmp_path, capsys):
    assert importer.main(["--inbox", "nope", str(tmp_path)]) == 2
    assert "no inbox with slug 'nope'" in capsys.readouterr().err
