"""Mislabelled and undeclared charsets are repaired instead of garbled."""

from __future__ import annotations

import pytest

from postroom.mail.parsing.charsets import decode_text, detect_charset, normalize_charset
from postroom.mail.parsing.parse import parse_email


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("big5", "big5hkscs"),
        ("Shift_JIS", "cp932"),
        ("iso-8859-1", "cp1252"),
        ('"UTF-8"', "utf-8"),
        ("utf-8*en", "utf-8"),
        ("unicode-1-1-utf-7", "utf-7"),
        ("iso-8859-8-i", "iso8859-8"),
        ("base64", None),  # a codec, but not a text encoding
        ("rot13", None),
        ("x-unknown", None),
        ("no-such-charset", None),
    ],
)
def test_labels_map_to_the_codec_that_fits_real_mail(label: str, codec: str | None) -> None:
    assert normalize_charset(label) == codec


def test_gbk_text_labelled_gb2312_decodes() -> None:
    text = "镕基 – 中文测试"  # 镕 is outside GB2312
    assert decode_text(text.encode("gbk"), "gb2312").text == text


def test_cp949_text_labelled_ks_c_5601_decodes() -> None:
    text = "똠방각하 한국어"  # 똠 is only in the Windows extension
    assert decode_text(text.encode("cp949"), "ks_c_5601-1987").text == text


def test_windows_1252_quotes_labelled_latin1_decode() -> None:
    decoded = decode_text("“Smart” quotes – €5".encode("cp1252"), "iso-8859-1")
    assert decoded.text == "“Smart” quotes – €5"


def test_high_bytes_under_us_ascii_are_utf8_when_they_validate() -> None:
    assert decode_text("Grüße".encode(), "us-ascii").text == "Grüße"


def test_high_bytes_under_us_ascii_fall_back_to_windows_1252() -> None:
    assert decode_text("Grüße".encode("cp1252"), "us-ascii").text == "Grüße"


def test_utf8_mislabelled_as_latin1_is_repaired() -> None:
    decoded = decode_text("Müller".encode(), "iso-8859-1")
    assert decoded.text == "Müller"
    assert decoded.defects


def test_latin1_labelled_utf8_is_repaired() -> None:
    assert decode_text("Müller".encode("latin-1"), "utf-8").text == "Müller"


def test_stray_bytes_in_utf8_keep_the_rest() -> None:
    data = "Grüße aus Köln".encode() + b" caf\xe9"
    assert decode_text(data, "utf-8").text == "Grüße aus Köln café"


def test_unknown_charset_is_detected_and_reported() -> None:
    decoded = decode_text("Привет, как дела?".encode("koi8-r"), "x-klingon")
    assert decoded.text == "Привет, как дела?"
    assert any("unknown charset" in d for d in decoded.defects)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Die Hasen und die Frösche", "cp1252"),
        ("无法登录账户，请帮忙", "gb18030"),
        ("アカウントにログインできません", "cp932"),
        ("Пожалуйста, помогите", "koi8_r"),
        ("Пожалуйста, помогите", "cp1251"),
        ("Zażółć gęślą jaźń", "cp1250"),
    ],
)
def test_undeclared_charset_is_detected(text: str, codec: str) -> None:
    assert detect_charset(text.encode(codec)) == codec


def test_pure_ascii_takes_the_fast_path_except_for_7bit_encodings() -> None:
    assert decode_text(b"plain", "shift_jis").text == "plain"
    assert decode_text(b"Hi +AOk-", "utf-7").text == "Hi é"


def test_eight_bit_headers_and_encoded_words_decode() -> None:
    raw = (
        b"Subject: =?gb2312?B?1tDOxA==?= \xc3\xbcber =?iso-8859-1?Q?Fr=F6sche?=\r\n"
        b"From: =?utf-8?Q?J=C3=BCrgen?= <j@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nx"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "中文 über Frösche"
    assert parsed.from_ is not None and parsed.from_.name == "Jürgen"


def test_multibyte_characters_split_across_encoded_words_join() -> None:
    encoded = "€".encode()
    first = "=?utf-8?Q?" + "".join(f"={b:02X}" for b in encoded[:2]) + "?="
    second = "=?utf-8?Q?" + "".join(f"={b:02X}" for b in encoded[2:]) + "?="
    parsed = parse_email(f"Subject: {first} {second}\r\n\r\nx".encode())
    assert parsed.subject == "€"


def test_rfc2231_filenames_decode() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nbody\r\n--b\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''Rechnung%20M%C3%A4rz;\r\n filename*1=.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    )
    (attachment,) = parse_email(raw).attachments
    assert attachment.filename == "Rechnung März.pdf"
    assert attachment.payload == b"%PDF-"
