"""The parser's MIME caps are kept, and said (issue 12).

A message with 5,000 sibling parts kept 1,999 and dropped the rest silently; nesting
deeper than 20 turned the text into an opaque .bin. Both now leave a note on the message
(shown in the conversation) and a count in Mail health. Through the real ingest path:
the raw store, then the digest.
"""

from __future__ import annotations

from postroom.inbox.models import Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage
from postroom.mail.parsing.mime import MAX_DEPTH, MAX_PARTS
from postroom.mail.parsing.parse import parse_email
from postroom.mail.store import store_raw


def head(subject: str, content_type: bytes) -> bytes:
    return (
        b"From: Carol Customer <carol@customer.test>\r\n"
        b"To: support@example.test\r\n"
        b"Subject: " + subject.encode() + b"\r\n"
        b"Message-ID: <" + subject.replace(" ", "-").encode() + b"@customer.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: " + content_type + b"\r\n\r\n"
    )


def many_parts(count: int) -> bytes:
    parts = [b"--b\r\nContent-Type: text/plain\r\n\r\nHello, see the files.\r\n"]
    parts += [
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="f%d.txt"\r\n\r\nx\r\n' % n
        for n in range(count - 1)
    ]
    return head("Many parts", b"multipart/mixed; boundary=b") + b"".join(parts) + b"--b--\r\n"


def deep(levels: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nThe real text, far down.\r\n"
    for level in range(levels - 1, 0, -1):
        body = (
            b"Content-Type: multipart/mixed; boundary=L%d\r\n\r\n" % level
            + b"--L%d\r\n" % level
            + body
            + b"--L%d--\r\n" % level
        )
    return head("Deep", b"multipart/mixed; boundary=L0") + b"--L0\r\n" + body + b"--L0--\r\n"


def ingest(world, raw: bytes) -> Message:
    stored = store_raw(raw, inbox=world.support, source="import")
    digest_all()
    message = RawMessage.objects.get(pk=stored.raw_id).message
    assert message is not None
    return message


def test_the_parser_counts_what_the_part_cap_drops():
    parsed = parse_email(many_parts(5000))

    assert len(parsed.attachments) == MAX_PARTS - 2  # the root and the text part count too
    assert (parsed.parts_dropped, parsed.parts_flattened) == (5000 - (MAX_PARTS - 1), 0)


def test_the_parser_counts_what_the_depth_cap_flattens():
    parsed = parse_email(deep(MAX_DEPTH + 5))

    assert (parsed.parts_dropped, parsed.parts_flattened) == (0, 1)


def test_mail_within_the_caps_is_not_marked():
    parsed = parse_email(many_parts(50))

    assert (parsed.parts_dropped, parsed.parts_flattened) == (0, 0)


def test_a_message_with_too_many_parts_says_so_in_the_conversation(world, client_for):
    message = ingest(world, many_parts(5000))

    raw = RawMessage.objects.get(message=message)
    assert (raw.parts_dropped, raw.parts_flattened) == (3001, 0)
    assert message.attachments.count() == 1998
    page = client_for(world.bob).get(f"/c/{message.conversation_id}/").content.decode()
    assert "more parts than Postroom reads: 3001 parts were not kept." in page
    assert "an admin can download it" in page


def test_a_message_nested_too_deep_says_so_in_the_conversation(world, client_for):
    message = ingest(world, deep(MAX_DEPTH + 5))

    page = client_for(world.alice).get(f"/c/{message.conversation_id}/").content.decode()
    assert "1 part was nested too deep to read and is attached as it came (.bin)." in page
    assert 'href="/admin/mail/#cut-short"' in page


def test_an_ordinary_message_has_no_note(world, client_for):
    message = ingest(world, many_parts(3))

    page = client_for(world.bob).get(f"/c/{message.conversation_id}/").content.decode()
    assert 'data-testid="cut-short"' not in page


def test_mail_health_counts_the_messages_cut_short(world, client_for):
    ingest(world, many_parts(5000))
    ingest(world, deep(MAX_DEPTH + 5))
    ingest(world, many_parts(3))

    page = client_for(world.alice).get("/admin/mail/").content.decode()
    assert "2 messages were cut short by the parser's limits" in page
