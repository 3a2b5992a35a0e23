"""Automatic mail is recognised, so it never triggers an auto-reply (loop safety)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postroom.mail.parsing.parse import parse_email
from tests.mail.corpus import CORPUS, requires_corpus


def _files_with(prefix: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    features = json.loads((CORPUS / "pitfalls.json").read_text(encoding="utf-8"))["by_feature"]
    return sorted(
        {CORPUS / f for name, files in features.items() if name.startswith(prefix) for f in files}
    )


AUTO_HEADER_FILES = _files_with("autoreply_hdr:")
LIST_HEADER_FILES = _files_with("list_hdr:")


@requires_corpus
@pytest.mark.parametrize("path", AUTO_HEADER_FILES, ids=[p.name for p in AUTO_HEADER_FILES])
def test_corpus_mail_with_automatic_headers_is_automatic(path: Path) -> None:
    assert parse_email(path.read_bytes()).auto_submitted


@requires_corpus
@pytest.mark.parametrize("path", LIST_HEADER_FILES, ids=[p.name for p in LIST_HEADER_FILES])
def test_corpus_list_mail_is_list_mail_unless_it_bounced(path: Path) -> None:
    parsed = parse_email(path.read_bytes())
    assert parsed.auto_submitted
    assert parsed.kind == ("bounce" if parsed.bounce else "list")


def _message(headers: str, body: str = "I am out of the office until Monday.") -> bytes:
    return (
        f"From: Customer <c@example.com>\r\nTo: support@acme.example\r\n{headers}\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Re: order\r\nAuto-Submitted: auto-replied",
        "Subject: Re: order\r\nAuto-Submitted: auto-replied (vacation)",
        "Subject: Re: order\r\nX-Autoreply: yes",
        "Subject: Re: order\r\nX-Autorespond: Out of office",
        "Subject: Automatic reply: order 123\r\nX-Auto-Response-Suppress: All",
        "Subject: Out of Office: order 123",
        "Subject: Abwesenheitsnotiz: Bestellung",
        "Subject: Réponse automatique : commande",
        "Subject: 自动回复: 订单",
        "Subject: Re: order\r\nPrecedence: auto_reply",
    ],
)
def test_auto_replies(headers: str) -> None:
    parsed = parse_email(_message(headers))
    assert parsed.kind == "auto_reply"
    assert parsed.auto_submitted


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("Subject: News\r\nList-Id: <news.example.com>", "list"),
        ("Subject: News\r\nList-Unsubscribe: <mailto:u@example.com>", "list"),
        ("Subject: News\r\nPrecedence: list", "list"),
        ("Subject: Sale\r\nPrecedence: bulk", "normal"),
        ("Subject: Sale\r\nPrecedence: junk", "normal"),
        ("Subject: Your invoice\r\nAuto-Submitted: auto-generated", "normal"),
        ("Subject: Hi\r\nX-Auto-Response-Suppress: OOF, AutoReply", "normal"),
    ],
)
def test_other_automatic_mail_is_loop_safe(headers: str, kind: str) -> None:
    parsed = parse_email(_message(headers, "Hello"))
    assert parsed.kind == kind
    assert parsed.auto_submitted


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: My order",
        "Subject: Re: order\r\nAuto-Submitted: no",
        "Subject: Out of stock?",
        "Subject: Hi\r\nPrecedence: first-class",
    ],
)
def test_people_are_not_automatic(headers: str) -> None:
    parsed = parse_email(_message(headers, "Hello, where is my order?"))
    assert parsed.kind == "normal"
    assert not parsed.auto_submitted
