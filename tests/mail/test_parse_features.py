"""What parse_email makes of the shapes real mail comes in."""

from __future__ import annotations

import binascii
from datetime import UTC, datetime

from postroom.mail.parsing.headers import parse_addresses
from postroom.mail.parsing.mime import Part, parse_part
from postroom.mail.parsing.parse import Address, parse_email
from tests.mail.corpus import CORPUS, requires_corpus

FORWARD = (
    b"From: Alice <alice@example.com>\r\nTo: support@acme.example\r\nSubject: Fwd: invoice\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b"--outer\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
    b"--outer\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: Vendor <v@vendor.example>\r\nSubject: Invoice 42\r\n\r\nPay now.\r\n"
    b"--outer--\r\n"
)


def test_forwarded_message_is_kept_as_an_eml_attachment() -> None:
    parsed = parse_email(FORWARD)
    (attachment,) = parsed.attachments
    assert attachment.filename == "Invoice 42.eml"
    assert attachment.content_type == "message/rfc822"
    assert attachment.payload.startswith(b"From: Vendor")
    assert attachment.payload.endswith(b"Pay now.")
    assert parsed.text == "See below."


def test_inline_cid_image_is_marked_inline_and_referenced() -> None:
    raw = (
        b'Content-Type: multipart/related; boundary="r"\r\n\r\n'
        b'--r\r\nContent-Type: text/html\r\n\r\n<p>Logo: <img src="cid:logo@x"></p>\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n"
    )
    parsed = parse_email(raw)
    (image,) = parsed.attachments
    assert image.inline and image.content_id == "logo@x"
    assert image.payload.startswith(b"\x89PNG")
    assert parsed.html is not None and 'src="cid:logo@x"' in parsed.html
    assert parsed.text == "Logo:"


def test_uuencoded_file_in_a_plain_body_becomes_an_attachment() -> None:
    encoded = binascii.b2a_uu(b"hello\n").replace(b"\n", b"\r\n")
    raw = (
        b"Subject: old school\r\n\r\nHere it is:\r\n\r\n"
        b"begin 644 hello.txt\r\n" + encoded + b"`\r\nend\r\n\r\nBye\r\n"
    )
    parsed = parse_email(raw)
    (attachment,) = parsed.attachments
    assert attachment.filename == "hello.txt"
    assert attachment.payload == b"hello\n"
    assert "begin 644" not in parsed.text and "Bye" in parsed.text


def test_signed_mail_keeps_its_signature_as_an_attachment() -> None:
    raw = (
        b'Subject: signed\r\nContent-Type: multipart/signed; protocol="application/pgp-signature";'
        b' micalg=pgp-sha256; boundary="s"\r\n\r\n'
        b"--s\r\nContent-Type: text/plain\r\n\r\nTrust me.\r\n"
        b"--s\r\nContent-Type: application/pgp-signature\r\n\r\n"
        b"-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "Trust me."
    (signature,) = parsed.attachments
    assert signature.filename == "signature.asc"
    assert signature.content_type == "application/pgp-signature"


def test_alternative_gives_both_text_and_sanitised_html() -> None:
    raw = (
        b'Content-Type: multipart/alternative; boundary="a"\r\n\r\n'
        b"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
        b"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p onclick=x()>Hello</p><script>bad()</script>\r\n--a--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "Hello"
    assert parsed.html == "<p>Hello</p>"


def test_html_only_mail_gets_text_from_its_html() -> None:
    raw = b"Content-Type: text/html\r\n\r\n<p>One</p><p>Two &amp; three</p>"
    assert parse_email(raw).text == "One\n\nTwo & three"


def test_threading_headers() -> None:
    raw = (
        b"Message-ID: <a@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <c@x>\r\n <b@x>\r\n"
        b"Thread-Index: AdC0xOxF\r\n wE/tigzG\r\nDate: Mon, 3 Mar 2025 09:29:00 +0100\r\n\r\nx"
    )
    parsed = parse_email(raw)
    assert parsed.message_id == "a@x"
    assert parsed.in_reply_to == ["b@x"]
    assert parsed.references == ["c@x", "b@x"]
    assert parsed.thread_index == "AdC0xOxFwE/tigzG"
    assert parsed.date == datetime(2025, 3, 3, 8, 29, tzinfo=UTC)


def test_addresses_keep_the_local_part_and_lower_the_domain() -> None:
    raw = (
        b'From: "Doe, John" <John.Doe@Example.COM>\r\n'
        b"To: a@x.example, =?utf-8?Q?J=C3=BCrgen?= <j@y.example>, Team: b@z.example;\r\n"
        b"Cc: c@w.example (Carl)\r\n\r\nx"
    )
    parsed = parse_email(raw)
    assert parsed.from_ == Address("Doe, John", "John.Doe@example.com")
    assert parsed.to == [
        Address("", "a@x.example"),
        Address("Jürgen", "j@y.example"),
        Address("", "b@z.example"),
    ]
    assert parsed.cc == [Address("Carl", "c@w.example")]


def test_broken_address_lists_still_yield_addresses() -> None:
    assert parse_addresses(b"<a@x.example, b@y.example") == [
        ("", "a@x.example"),
        ("", "b@y.example"),
    ]
    assert parse_addresses(b"undisclosed-recipients:;") == []


def test_missing_close_delimiter_keeps_the_attachment() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n'
        b'--o\r\nContent-Type: multipart/alternative; boundary="i"\r\n\r\n'
        b"--i\r\nContent-Type: text/plain\r\n\r\ntext\r\n"
        b"--i\r\nContent-Type: text/html\r\n\r\n<p>text</p>\r\n"
        b'--o\r\nContent-Type: application/pdf; name="a.pdf"\r\n\r\n%PDF\r\n--o--\r\n'
    )
    parsed = parse_email(raw)
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]
    assert any("close delimiter" in d for d in parsed.defects)


def test_nul_bytes_never_reach_the_text() -> None:
    parsed = parse_email(b"Subject: a\x00b\r\n\r\nbody\x00with nul")
    assert "\x00" not in parsed.subject + parsed.text


def test_filenames_lose_paths_and_control_characters() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: application/octet-stream; name="..\\\\..\\\\evil\x07.exe"\r\n'
        b"\r\nx\r\n--b--\r\n"
    )
    (attachment,) = parse_email(raw).attachments
    assert attachment.filename == "evil.exe"


@requires_corpus
def test_outer_boundary_inside_an_inner_part_ends_it_as_cpython_does() -> None:
    # msg_38: an inner text part contains the outer boundaries at line starts. Like
    # CPython's parser, we read them as ending the inner parts (not as text).
    def structure(part: Part, depth: int = 0) -> list[str]:
        lines = ["    " * depth + part.content_type]
        for child in part.children:
            lines += structure(child, depth + 1)
        return lines

    raw = (CORPUS / "cpython_test_email" / "data" / "msg_38.txt").read_bytes()
    assert structure(parse_part(raw, [])) == [
        "multipart/mixed",
        "    multipart/mixed",
        "        multipart/alternative",
        "            text/plain",
        "        text/plain",
        "    text/plain",
        "    text/plain",
    ]
