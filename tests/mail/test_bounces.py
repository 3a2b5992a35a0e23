"""Bounces and delivery status notifications: who failed, and for good or for now.

Acceptance: the expected failing addresses are found for at least 95% of the bounce
set (117 bounces from many MTAs). A file listed under several detectors counts once,
with the union of their addresses.
"""

from __future__ import annotations

import json

from postroom.mail.parsing.parse import parse_email
from tests.mail.corpus import CORPUS, requires_corpus

FLUFL = CORPUS / "flufl_bounce"


@requires_corpus
def test_failed_recipients_are_found() -> None:
    cases = json.loads((FLUFL / "expected.json").read_text(encoding="utf-8"))["cases"]
    expected: dict[str, set[str]] = {}
    kinds: dict[str, set[str]] = {}
    for case in cases:
        expected.setdefault(case["file"], set()).update(a.lower() for a in case["addresses"])
        kinds.setdefault(case["file"], set()).add(case["kind"])
    misses: list[str] = []
    kind_misses: list[str] = []
    for name, addresses in sorted(expected.items()):
        parsed = parse_email((FLUFL / "data" / name).read_bytes())
        found = {a.lower() for a in parsed.bounce.failed_recipients} if parsed.bounce else set()
        if not addresses <= found or (addresses and parsed.kind != "bounce"):
            misses.append(f"{name}: want {sorted(addresses)} got {sorted(found)} ({parsed.kind})")
        if addresses and parsed.bounce is not None:
            permanent = parsed.bounce.permanent
            kind = None if permanent is None else ("permanent" if permanent else "temporary")
            if kind not in kinds[name]:
                kind_misses.append(f"{name}: want {kinds[name]} got {kind}")
    rate = 1 - len(misses) / len(expected)
    print(f"bounces: {len(expected) - len(misses)}/{len(expected)} = {rate:.3f}")
    print("\n".join(misses + kind_misses))
    assert rate >= 0.95, misses
    assert len(kind_misses) <= len(expected) * 0.05, kind_misses


def _dsn(action: str, status: str) -> bytes:
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
        b"To: support@acme.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; Customer@Example.COM\r\n"
        b"Action: " + action.encode() + b"\r\nStatus: " + status.encode() + b"\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <ours@acme.example>\r\n--b--\r\n"
    )


def test_permanent_failure_from_a_dsn() -> None:
    parsed = parse_email(_dsn("failed", "5.1.1"))
    assert parsed.kind == "bounce"
    assert parsed.auto_submitted
    assert parsed.bounce is not None
    assert parsed.bounce.failed_recipients == ["Customer@example.com"]
    assert parsed.bounce.permanent is True


def test_delay_is_a_temporary_failure() -> None:
    parsed = parse_email(_dsn("delayed", "4.4.1"))
    assert parsed.bounce is not None
    assert parsed.bounce.permanent is False


def test_the_returned_headers_are_kept_to_find_the_failed_reply() -> None:
    parsed = parse_email(_dsn("failed", "5.1.1"))
    assert any(b"ours@acme.example" in a.payload for a in parsed.attachments)


def test_a_person_writing_about_delivery_is_not_a_bounce() -> None:
    raw = (
        b"From: Customer <c@example.com>\r\nSubject: Delivery failure of my parcel\r\n\r\n"
        b"My parcel never arrived.\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.kind == "normal"
    assert parsed.bounce is None
