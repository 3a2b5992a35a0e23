"""`postroom demo --reset` (and `make demo-reset`): the demo starts afresh, and nothing
but the demo's own SQLite file and uploads is ever deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.cli import build_parser
from postroom.demo import DemoResetRefused, reset_demo_data


def _demo_dir(tmp_path: Path) -> tuple[dict, Path]:
    db = tmp_path / "postroom.sqlite3"
    for path in (db, tmp_path / "postroom.sqlite3-wal", tmp_path / "postroom.sqlite3-shm"):
        path.write_bytes(b"x")
    files = tmp_path / "files"
    (files / "raw").mkdir(parents=True)
    (files / "raw" / "1.eml").write_bytes(b"From: a@b\\r\\n")
    (tmp_path / "secret_key").write_text("keep me")
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db)}, files


def test_reset_removes_the_database_and_the_uploads_only(tmp_path):
    database, files = _demo_dir(tmp_path)
    removed = reset_demo_data(database, files)
    assert [p.name for p in removed] == [
        "postroom.sqlite3",
        "postroom.sqlite3-wal",
        "postroom.sqlite3-shm",
        "files",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]
    assert reset_demo_data(database, files) == []  # a second time: nothing left to remove


def test_reset_refuses_any_other_database(tmp_path):
    _, files = _demo_dir(tmp_path)
    postgres = {"ENGINE": "postroom.events.db.postgresql", "NAME": "postroom"}
    with pytest.raises(DemoResetRefused, match="nothing was deleted"):
        reset_demo_data(postgres, files)
    assert (files / "raw" / "1.eml").exists()


def test_the_demo_command_takes_reset():
    assert build_parser().parse_args(["demo", "--reset"]).reset is True
    assert build_parser().parse_args(["demo"]).reset is False


def test_the_makefile_offers_demo_reset():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "demo-reset: venv messages\n\t$(BIN)/postroom demo --reset\n" in makefile
