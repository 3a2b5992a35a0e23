"""winmail.dat: the attachments Outlook wraps in TNEF come out as ordinary attachments."""

from __future__ import annotations

import base64
import struct

from postroom.mail.parsing.parse import parse_email
from postroom.mail.parsing.tnef import TnefError, decompress_rtf, parse_tnef

LVL_MESSAGE, LVL_ATTACHMENT = 1, 2


def _attribute(level: int, tag: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, tag, len(data)) + data + struct.pack("<H", checksum)


def _mapi_unicode(prop_id: int, text: str) -> bytes:
    raw = text.encode("utf-16-le") + b"\x00\x00"
    return struct.pack("<HHII", 0x001F, prop_id, 1, len(raw)) + raw + b"\x00" * (-len(raw) % 4)


def _mapi_string8(prop_id: int, text: str) -> bytes:
    raw = text.encode("cp1252") + b"\x00"
    return struct.pack("<HHII", 0x001E, prop_id, 1, len(raw)) + raw + b"\x00" * (-len(raw) % 4)


def _mapi_binary(prop_id: int, data: bytes) -> bytes:
    return struct.pack("<HHII", 0x0102, prop_id, 1, len(data)) + data + b"\x00" * (-len(data) % 4)


def build_tnef() -> bytes:
    """A small but structurally faithful winmail.dat: a body and two attachments."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _attribute(LVL_MESSAGE, 0x00069006, b"\x00\x00\x01\x00")  # attTnefVersion
    out += _attribute(LVL_MESSAGE, 0x0001800C, b"Hello from Outlook\x00")  # attBody
    props = [_mapi_binary(0x1013, b"<p>Hello <b>HTML</b></p>")]  # PR_BODY_HTML
    out += _attribute(LVL_MESSAGE, 0x00069003, struct.pack("<I", len(props)) + b"".join(props))
    # First attachment: 8.3 title, long name and MIME type in the MAPI properties.
    out += _attribute(LVL_ATTACHMENT, 0x00069002, b"\x01\x00" + b"\x00" * 12)
    out += _attribute(LVL_ATTACHMENT, 0x00018010, b"REPORT~1.PDF\x00")
    out += _attribute(LVL_ATTACHMENT, 0x0006800F, b"%PDF-1.4 tiny")
    props = [
        _mapi_unicode(0x3707, "Quarterly report März.pdf"),
        _mapi_string8(0x370E, "application/pdf"),
        _mapi_string8(0x3712, "report@outlook"),
    ]
    out += _attribute(LVL_ATTACHMENT, 0x00069005, struct.pack("<I", len(props)) + b"".join(props))
    # Second attachment: only the legacy title.
    out += _attribute(LVL_ATTACHMENT, 0x00069002, b"\x01\x00" + b"\x00" * 12)
    out += _attribute(LVL_ATTACHMENT, 0x00018010, b"notes.txt\x00")
    out += _attribute(LVL_ATTACHMENT, 0x0006800F, b"plain notes")
    return out


def _message_with(payload: bytes) -> bytes:
    encoded = base64.encodebytes(payload)
    return (
        b"From: Outlook User <o@example.com>\r\nSubject: TNEF\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b'--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b--\r\n"
    )


def test_reader_extracts_attachments_and_body() -> None:
    content = parse_tnef(build_tnef())
    first, second = content.attachments
    assert first.filename == "Quarterly report März.pdf"
    assert first.data == b"%PDF-1.4 tiny"
    assert first.content_type == "application/pdf"
    assert first.content_id == "report@outlook"
    assert second.filename == "notes.txt" and second.data == b"plain notes"
    assert content.body_text == "Hello from Outlook"
    assert content.body_html == "<p>Hello <b>HTML</b></p>"


def test_winmail_dat_is_replaced_by_what_it_carries() -> None:
    parsed = parse_email(_message_with(build_tnef()))
    names = [a.filename for a in parsed.attachments]
    assert names == ["Quarterly report März.pdf", "notes.txt", "body.html"]
    assert "winmail.dat" not in names


def test_a_winmail_dat_that_is_not_tnef_is_kept_as_it_is() -> None:
    parsed = parse_email(_message_with(b"\x89PNG not tnef"))
    (attachment,) = parsed.attachments
    assert attachment.filename == "winmail.dat"
    assert attachment.payload == b"\x89PNG not tnef"
    assert any("not TNEF" in d for d in parsed.defects)


def test_a_truncated_tnef_is_kept_and_reported() -> None:
    parsed = parse_email(_message_with(build_tnef()[:-40]))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert any("TNEF" in d for d in parsed.defects)


def test_truncated_stream_raises_tnef_error() -> None:
    try:
        parse_tnef(build_tnef()[:30])
    except TnefError:
        return
    raise AssertionError("expected TnefError")


def test_uncompressed_rtf_is_returned() -> None:
    body = b"{\\rtf1 hello}"
    header = struct.pack("<IIII", len(body) + 12, len(body), 0x414C454D, 0)
    assert decompress_rtf(header + body) == body


def test_compressed_rtf_literals_decompress() -> None:
    # Flag byte 0 = eight literal bytes follow; then a reference to the write position
    # (the end marker).
    literals = b"{\\rtf1 x"
    write_pos = 207 + len(literals)  # the preset dictionary is 207 bytes long
    body = b"\x00" + literals + b"\x01" + struct.pack(">H", write_pos << 4)
    header = struct.pack("<IIII", len(body) + 12, 100, 0x75465A4C, 0)
    assert decompress_rtf(header + body) == literals
