"""Parsing raw RFC 5322 messages into what the inbox stores and shows.

``parse_email`` is the one entry point: bytes in, a ``ParsedEmail`` out, and it never
raises, whatever the bytes are; what it had to repair or could not read is listed in
``defects``. Pure Python, no Django. The pipeline and its choices are described in
docs/email-parsing.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from postroom.core.text import clean_text
from postroom.mail.parsing.bodies import AttachmentData, BodyResult, extract_bodies
from postroom.mail.parsing.charsets import decode_text
from postroom.mail.parsing.classify import BounceInfo, classify
from postroom.mail.parsing.headers import (
    decode_unstructured,
    parse_addresses,
    parse_date,
    parse_message_ids,
)
from postroom.mail.parsing.html import html_to_text, sanitize_email_html
from postroom.mail.parsing.mime import Headers, Limits, parse_part
from postroom.mail.parsing.quotes import visible_text

__all__ = [
    "Address",
    "BounceInfo",
    "ParsedAttachment",
    "ParsedEmail",
    "parse_email",
    "parsed_to_json",
]

log = logging.getLogger(__name__)

MAX_DEFECTS = 50  # a hostile message can produce thousands; the first ones tell the story


@dataclass(frozen=True)
class Address:
    name: str
    email: str


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str | None
    inline: bool
    payload: bytes


@dataclass(frozen=True)
class ParsedEmail:
    subject: str
    from_: Address | None
    to: list[Address]
    cc: list[Address]
    reply_to: list[Address]
    date: datetime | None
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    thread_index: str | None
    text: str
    html: str | None
    visible_text: str
    attachments: list[ParsedAttachment]
    kind: str
    bounce: BounceInfo | None
    auto_submitted: bool
    defects: list[str]
    # What the MIME caps cut (postroom/mail/parsing/mime.py): parts not kept at all, and
    # subtrees nested too deep, each kept as one opaque attachment. Shown on the message.
    parts_dropped: int = 0
    parts_flattened: int = 0


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse a raw message. Never raises; see ``ParsedEmail.defects`` for what went wrong.

    Every text in the result can be stored: no NUL, no lone surrogate (postroom/core/text.py).
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", errors="replace")
    raw = bytes(raw)
    try:
        return _storable(_parse(raw))
    except Exception as error:  # the promise is "never raises": degrade, don't lose it
        log.exception("parse_email failed; falling back to raw text")
        return _storable(_fallback(raw, f"parser error: {type(error).__name__}: {error}"))


def _storable[T](value: T) -> T:
    """``value`` with every string in it cleaned, through dataclasses, lists and tuples.

    One pass over the result keeps the promise for every header and body, whichever
    helper decoded it (a From display name once kept its NUL, and PostgreSQL refused it).
    """
    if isinstance(value, str):
        return clean_text(value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [_storable(v) for v in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_storable(v) for v in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            before = getattr(value, field.name)
            after = _storable(before)
            if after is not before and after != before:
                changes[field.name] = after
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _parse(raw: bytes) -> ParsedEmail:
    defects: list[str] = []
    limits = Limits()
    root = parse_part(raw, defects, limits=limits)
    headers = root.headers
    bodies = extract_bodies(root, defects)
    hint = bodies.charset
    subject = decode_unstructured(headers.get("subject"), hint)
    from_list = _addresses(headers, "from", hint) or _addresses(headers, "sender", hint)
    html = sanitize_email_html(bodies.html, cid_url=_keep_cid) if bodies.html else None
    text = bodies.text
    if not text.strip() and html:
        text = html_to_text(html)
    classification = classify(headers, subject, root, raw)
    if not headers.fields:
        defects.insert(0, "no header fields found")
    return ParsedEmail(
        subject=subject,
        from_=from_list[0] if from_list else None,
        to=_addresses(headers, "to", hint),
        cc=_addresses(headers, "cc", hint),
        reply_to=_addresses(headers, "reply-to", hint),
        date=parse_date(headers.get("date")),
        message_id=_first(parse_message_ids(headers.get("message-id"))),
        in_reply_to=parse_message_ids(headers.get("in-reply-to")),
        references=parse_message_ids(headers.get("references")),
        thread_index=_thread_index(headers),
        text=text,
        html=html,
        visible_text=_visible(text, bodies),
        attachments=[_attachment(a) for a in bodies.attachments],
        kind=classification.kind,
        bounce=classification.bounce,
        auto_submitted=classification.auto_submitted,
        defects=_dedupe(defects)[:MAX_DEFECTS],
        parts_dropped=limits.dropped,
        parts_flattened=limits.flattened,
    )


def _keep_cid(content_id: str) -> str:
    # Stored HTML keeps "cid:" references; the web layer rewrites them to attachment
    # URLs when it renders (sanitize_email_html(..., cid_url=...)), because only it
    # knows the URLs. Sanitising here already removes everything dangerous.
    return f"cid:{content_id}"


def _visible(text: str, bodies: BodyResult) -> str:
    try:
        return visible_text(text, bodies.html)
    except Exception:  # folding is cosmetic; never let it cost the message
        log.exception("visible_text failed")
        return text


def _addresses(headers: Headers, name: str, hint: str | None) -> list[Address]:
    found: list[Address] = []
    for value in headers.get_all(name):
        # Name-only entries ("From: Whomever") are kept: the name is all there is.
        found.extend(Address(n, e) for n, e in parse_addresses(value, hint) if e or n)
    return found


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _thread_index(headers: Headers) -> str | None:
    raw = headers.get("thread-index")
    if raw is None:
        return None
    value = "".join(raw.decode("latin-1").split())
    return value or None


def _attachment(item: AttachmentData) -> ParsedAttachment:
    return ParsedAttachment(
        filename=item.filename,
        content_type=item.content_type,
        size=len(item.payload),
        sha256=hashlib.sha256(item.payload).hexdigest(),
        content_id=item.content_id,
        inline=item.inline,
        payload=item.payload,
    )


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _fallback(raw: bytes, reason: str) -> ParsedEmail:
    try:
        text = decode_text(raw).text.replace("\x00", "")
    except Exception:
        text = raw.decode("latin-1").replace("\x00", "")
    return ParsedEmail(
        subject="",
        from_=None,
        to=[],
        cc=[],
        reply_to=[],
        date=None,
        message_id=None,
        in_reply_to=[],
        references=[],
        thread_index=None,
        text=text,
        html=None,
        visible_text=text,
        attachments=[],
        kind="normal",
        bounce=None,
        auto_submitted=False,
        defects=[reason],
    )


def parsed_to_json(p: ParsedEmail) -> dict[str, Any]:
    """A JSON-safe dict of a parsed message (attachment bytes left out)."""

    def address(a: Address | None) -> dict[str, str] | None:
        return {"name": a.name, "email": a.email} if a else None

    return {
        "subject": p.subject,
        "from": address(p.from_),
        "to": [address(a) for a in p.to],
        "cc": [address(a) for a in p.cc],
        "reply_to": [address(a) for a in p.reply_to],
        "date": p.date.isoformat() if p.date else None,
        "message_id": p.message_id,
        "in_reply_to": list(p.in_reply_to),
        "references": list(p.references),
        "thread_index": p.thread_index,
        "text": p.text,
        "html": p.html,
        "visible_text": p.visible_text,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "content_id": a.content_id,
                "inline": a.inline,
            }
            for a in p.attachments
        ],
        "kind": p.kind,
        "auto_submitted": p.auto_submitted,
        "bounce": (
            {"failed_recipients": list(p.bounce.failed_recipients), "permanent": p.bounce.permanent}
            if p.bounce
            else None
        ),
        "defects": list(p.defects),
        "parts_dropped": p.parts_dropped,
        "parts_flattened": p.parts_flattened,
    }
