"""Mail carrying NUL characters is stored with them removed, on both databases (issue 12).

A From display name with a NUL was quarantined on PostgreSQL (which refuses NUL in
text), so any sender could force quarantine; the parser promises to remove NUL from all
text. These go through the real ingest path: the raw store, then the digest.
"""

from __future__ import annotations

import dataclasses

import pytest

from postroom.inbox.models import Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus
from postroom.mail.parsing.parse import parse_email
from postroom.mail.store import store_raw


def raw_mail(from_header: bytes, *, subject: bytes = b"Help", to: bytes = b"support@example.test"):
    return (
        b"From: " + from_header + b"\r\n"
        b"To: " + to + b"\r\n"
        b"Subject: " + subject + b"\r\n"
        b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        b"Message-ID: <nul-"
        + str(abs(hash(from_header + subject))).encode()
        + b"@customer.test>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Hello\x00 there\r\n"
    )


def ingest(world, raw: bytes) -> Message:
    stored = store_raw(raw, inbox=world.support, source="import")
    digest_all()
    row = RawMessage.objects.get(pk=stored.raw_id)
    assert (row.status, row.reason) == (RawStatus.DONE, "")
    assert row.message is not None
    return row.message


@pytest.mark.parametrize(
    ("from_header", "name"),
    [
        (b"Car\x00ol Customer <carol@customer.test>", "Carol Customer"),
        (b'"Car\x00ol Customer" <carol@customer.test>', "Carol Customer"),
        (b"=?utf-8?q?Car=00ol_Customer?= <carol@customer.test>", "Carol Customer"),
        (b"carol@customer.test (Car\x00ol Customer)", "Carol Customer"),
    ],
)
def test_a_nul_in_the_from_display_name_is_removed_and_the_mail_stored(world, from_header, name):
    message = ingest(world, raw_mail(from_header))

    assert (message.from_name, message.from_email) == (name, "carol@customer.test")
    assert message.conversation.contact.name == name
    assert message.text.startswith("Hello there")


def test_a_nul_in_the_subject_and_a_to_name_is_removed(world):
    message = ingest(
        world,
        raw_mail(
            b"carol@customer.test",
            subject=b"Invoice =?utf-8?q?=00?=overdue\x00!",
            to=b"Sup\x00port <support@example.test>",
        ),
    )

    assert message.subject == "Invoice overdue!"
    assert message.conversation.subject == "Invoice overdue!"


def test_every_text_the_parser_returns_is_free_of_nul():
    raw = raw_mail(
        b'"A\x00" <a\x00b@customer.test>',
        subject=b"S\x00",
        to=b'"T\x00" <t@example.test>, u\x00@example.test',
    ).replace(b"Message-ID: <nul-", b"Message-ID: <n\x00ul-")

    parsed = dataclasses.asdict(parse_email(raw))

    assert [t for t in texts(parsed) if "\x00" in t] == []
    assert parsed["from_"] == {"name": "A", "email": "ab@customer.test"}


def texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in texts(v)]
    return []


def test_an_envelope_and_a_file_name_with_unstorable_characters_are_stored_clean(world):
    stored = store_raw(
        raw_mail(b"carol@customer.test", subject=b"Envelope"),
        inbox=world.support,
        source="import",
        source_ref="/export/caf\udce9.eml",  # an undecodable byte in a file name
        envelope_from="ca\x00rol@customer.test",
        envelope_to=["supp\x00ort@example.test"],
    )

    row = RawMessage.objects.get(pk=stored.raw_id)
    assert (row.source_ref, row.envelope_from, row.envelope_to) == (
        "/export/caf.eml",
        "carol@customer.test",
        ["support@example.test"],
    )
