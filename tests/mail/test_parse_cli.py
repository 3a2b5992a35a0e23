"""postroom parse-email: a support tool that never crashes on what it is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postroom.mail.parsing.cli import main

MESSAGE = (
    b"From: Customer <c@example.com>\r\nTo: support@acme.example\r\n"
    b"Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nHello\r\n\r\n> old\r\n"
)


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MESSAGE)
    assert main([str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["subject"] == "Grüße"
    assert data["visible_text"] == "Hello"
    assert set(data) >= {"from", "to", "attachments", "kind", "bounce", "defects"}


def test_json_is_not_ascii_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MESSAGE)
    main([str(path), "--json"])
    assert "Grüße" in capsys.readouterr().out


def test_summary_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MESSAGE)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Subject:     Grüße" in out and "Customer <c@example.com>" in out


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.eml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_garbage_file_still_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 4)
    assert main([str(path), "--json"]) == 0
    json.loads(capsys.readouterr().out)
