"""Every real-world message in the shared corpus parses, and its JSON serialises.

The corpus holds broken MIME, unknown charsets, 8-bit headers, NUL bytes, TNEF,
bounces: ingestion must never crash on any of it, nor drop it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postroom.mail.parsing.parse import ParsedEmail, parse_email, parsed_to_json
from tests.mail.corpus import CORPUS, message_files, requires_corpus

FILES = message_files()


@requires_corpus
def test_corpus_is_there_and_large() -> None:
    assert len(FILES) > 350


@requires_corpus
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_message_parses_and_serialises(path: Path) -> None:
    parsed = parse_email(path.read_bytes())
    assert isinstance(parsed, ParsedEmail)
    assert not any(d.startswith("parser error") for d in parsed.defects), parsed.defects
    data = parsed_to_json(parsed)
    text = json.dumps(data, ensure_ascii=False)
    assert "\x00" not in text.replace("\\u0000", "\x00")  # databases reject NUL
    assert data["date"] is None or data["date"].endswith("+00:00")
    for attachment in parsed.attachments:
        assert attachment.size == len(attachment.payload)
        assert attachment.filename


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage \x80",
        b"Subject: only a header",
        b"\r\n\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x--",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"Content-Type: message/rfc822\r\n\r\n" * 200,
        b"Content-Type: text/plain; charset=rot13\r\n\r\nabc",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!###",
        b"Subject: =?utf-8?B?broken\r\nFrom: <<<@@@>>>\r\nDate: 99 Foo 99999\r\n\r\nx",
        bytes(range(256)) * 20,
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    parsed = parse_email(raw)
    json.dumps(parsed_to_json(parsed), ensure_ascii=False)


def test_deep_nesting_is_cut_not_recursed() -> None:
    raw = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(300)
    )
    parsed = parse_email(raw)
    assert any("too deep" in d for d in parsed.defects)
