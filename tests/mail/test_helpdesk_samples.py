"""Mail another Python helpdesk had bugs with, each test naming the bug it pins."""

from __future__ import annotations

from postroom.mail.parsing.parse import ParsedEmail, parse_email
from tests.mail.corpus import CORPUS, requires_corpus

SAMPLES = CORPUS / "django_helpdesk" / "messages"


def _parse(name: str) -> ParsedEmail:
    return parse_email((SAMPLES / name).read_bytes())


@requires_corpus
def test_8bit_utf8_body_and_subject_decode() -> None:
    # Bug: an 8bit UTF-8 body was read as ASCII and lost its accents.
    parsed = _parse("all-special-chars.eml")
    assert parsed.subject == "Testovácí email"
    assert parsed.text == "íářčšáíéřášč"


@requires_corpus
def test_quoted_printable_body_decodes() -> None:
    parsed = _parse("quoted_printable.eml")
    assert parsed.subject == "Český test"
    assert "českých písmen" in parsed.text


@requires_corpus
def test_undecodable_utf8_sequences_do_not_lose_the_message() -> None:
    # Bug: invalid UTF-8 in a forwarded mail raised UnicodeDecodeError.
    parsed = _parse("utf-nondecodable.eml")
    assert parsed.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    assert parsed.html is not None and "prosazuje lepší" in parsed.html


@requires_corpus
def test_blank_body_with_attachment_keeps_the_attachment() -> None:
    parsed = _parse("blank-body-with-attachment.eml")
    assert parsed.text.strip() == ""
    assert len(parsed.attachments) == 1


@requires_corpus
def test_forwarded_history_is_folded_but_kept_in_the_text() -> None:
    parsed = _parse("forwarded-message.eml")
    assert parsed.visible_text == "This is email body"
    assert "Hello there!" in parsed.text


@requires_corpus
def test_pgp_signed_mail_keeps_text_and_signature() -> None:
    # Bug: get_email crashed on multipart/signed.
    parsed = _parse("pgp.eml")
    assert parsed.text.startswith("hi, thanks for looking into this")
    assert [a.filename for a in parsed.attachments] == ["signature.asc"]
