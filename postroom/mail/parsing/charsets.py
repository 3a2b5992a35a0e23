"""Turning mail bytes into text when the declared charset is missing, wrong or unknown.

Contract: ``decode_text`` never raises and always returns text; what it had to guess or
repair is reported as defect strings so the ingest can record them. See
docs/email-parsing.md ("Charset repairs") for the reasoning behind each repair.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

import charset_normalizer

# Labels that real mail uses for a charset Python knows under another name, or a
# superset we should decode with instead. The superset choice matters: mailers label
# GBK/GB18030 text "gb2312", Windows-949 text "ks_c_5601-1987", Big5-HKSCS text "big5",
# and Windows-31J text "shift_jis"; decoding with the narrow codec turns every
# extension character into an error.
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-8-e": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-mac-roman": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "x-mac-cyrillic": "mac_cyrillic",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "cp-850": "cp850",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
}

# Labels that carry no information: decode as if nothing was declared.
_NO_CHARSET = frozenset(
    {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset", "none", "x-user-defined"}
)

# Codecs for which ASCII bytes do not mean ASCII text (7-bit encodings, UTF-16/32).
_NOT_ASCII_COMPATIBLE = ("utf-7", "hz", "iso2022", "utf-16", "utf-32")

# Where a codec fails on real-world text, the related codecs worth a second try.
_SECOND_TRY: dict[str, tuple[str, ...]] = {
    "iso2022_jp_ext": ("iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"),
    "euc_jp": ("euc_jis_2004", "cp932"),
    "cp932": ("shift_jis_2004",),
}

# Python names of the plain ASCII/Latin-1 family: a high byte in text labelled with one
# of these is the classic mislabel (the text is UTF-8 or windows-1252).
_ASCII_FAMILY = frozenset({"ascii", "cp1252", "iso8859-1"})


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode an undecodable byte as windows-1252 (or Latin-1 for its five holes).

    Used for text that is mostly valid in its declared charset but has a few stray
    bytes, which nearly always come from a windows-1252 source pasted into it.
    """
    if not isinstance(err, UnicodeDecodeError):
        raise err
    chunk = err.object[err.start : err.end]
    return chunk.decode("cp1252", errors="_postroom_latin1"), err.end


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("_postroom_latin1", _latin1_fallback)
codecs.register_error("_postroom_cp1252", _cp1252_fallback)

_LABEL_CLEAN_RE = re.compile(r"[\s\"']")


@dataclass
class Decoded:
    text: str
    charset: str
    defects: list[str] = field(default_factory=list)


def normalize_charset(label: str | None) -> str | None:
    """Return a Python codec name for a charset label, or None when it is unusable.

    Repairs the known mislabels (see ``_ALIASES``) and rejects codecs that are not text
    encodings (``base64``, ``rot13``...), which ``codecs.lookup`` would happily accept.
    """
    if not label:
        return None
    name = _LABEL_CLEAN_RE.sub("", label).lower()
    # RFC 2231 allows a language suffix: "utf-8*en".
    name = name.split("*", 1)[0]
    if name in _NO_CHARSET:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return _ALIASES.get(info.name, info.name)


def _looks_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Candidates for undeclared 8-bit text, most common in mail first (ties go to the first).
_CANDIDATES = (
    "cp1252",
    "gb18030",
    "big5hkscs",
    "cp932",
    "euc_jp",
    "cp949",
    "cp1251",
    "koi8_r",
    "cp1250",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp874",
)
_LATIN = frozenset({"cp1252", "cp1250", "cp1254", "cp1257"})
# For a multibyte codec, the narrow standard set its everyday characters live in: a
# decoding that lands outside it (rare hanzi, composed hangul) is probably wrong.
_COMMON_SET = {
    "gb18030": "gb2312",
    "cp949": "euc_kr",
    "cp932": "shift_jis",
    "euc_jp": "euc_jp",
    "big5hkscs": "big5",
}
# Lead byte where each standard's second (rare) level of ideographs starts: GB2312 level
# 2, Big5 "less frequent" and JIS X 0208 level 2. Text in another script read through
# these codecs lands there far more often than real Chinese or Japanese does.
_RARE_LEAD = {"gb18030": 0xD8, "big5hkscs": 0xC9, "cp932": 0x99, "euc_jp": 0xD0}
_CAMEL_RE = re.compile(r"[^\W\d_A-Z\u0410-\u042f]([A-Z\u0410-\u042f\u00c0-\u00de])")
_MIXED_SCRIPT_RE = re.compile(r"[a-zA-Z][\u0400-\u04ff]|[\u0400-\u04ff][a-zA-Z]")
_HIGH_RUN_RE = re.compile(r"[\u00c0-\u024f]{4,}")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
_HANJA_RE = re.compile(r"[\u4e00-\u9fff]")


def _implausibility(codec: str, text: str, high_bytes: int) -> float:
    """How unlike real text a decoding looks, per high byte (lower is better).

    Penalises control/private/unassigned characters, rare CJK, symbols, case flips
    inside words (KOI8-R read as windows-1251 and back), Latin/Cyrillic mixed in one
    word and long runs of accented letters (Cyrillic read as Latin); rewards kana for
    the Japanese codecs and hangul-without-hanja for Korean.
    """
    bad = 0.0
    common = _COMMON_SET.get(codec)
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs"):
            bad += 3
        elif (
            0xFF61 <= o <= 0xFF9F
            or 0x3130 <= o <= 0x318F
            or 0x3400 <= o <= 0x4DBF
            or 0xF900 <= o <= 0xFAFF
            or o >= 0x20000
        ):
            bad += 2
        elif cat in ("So", "Sk", "Mn", "Lm", "No", "Me"):
            bad += 1
        elif common is not None and o >= 0x2E80:
            try:
                encoded = ch.encode(common)
            except UnicodeEncodeError:
                bad += 1.5
                continue
            if len(encoded) != 2:
                bad += 1.5
            elif encoded[0] >= _RARE_LEAD.get(codec, 0x100):
                bad += 0.75  # the standard's second, rarely used level of ideographs
    bad += len(_CAMEL_RE.findall(text)) + len(_MIXED_SCRIPT_RE.findall(text))
    if codec in _LATIN:
        bad += sum(len(run) - 3 for run in _HIGH_RUN_RE.findall(text))
    elif codec in ("cp932", "euc_jp"):
        bad -= 0.5 * len(_KANA_RE.findall(text))
    elif codec == "cp949":
        hanja = len(_HANJA_RE.findall(text))
        bad += hanja
        if not hanja:
            bad -= 0.25 * len(_HANGUL_RE.findall(text))
    return bad / max(high_bytes, 1)


def _normalizer_guess(data: bytes) -> str | None:
    try:
        best = charset_normalizer.from_bytes(data).best()
    except Exception:  # a detector bug must not make a message unreadable
        return None
    return normalize_charset(best.encoding) if best is not None else None


def detect_charset(data: bytes) -> str:
    """Guess the charset of undeclared (or wrongly declared) 8-bit text.

    UTF-8 first, because a valid multibyte UTF-8 run is almost never accidental. Then
    every candidate that decodes the bytes cleanly is scored for plausibility; on
    longer text charset-normalizer's answer joins the candidates and wins ties. On
    short text (a subject, a name) detectors flip between unrelated code pages, which
    is why it does not decide alone.
    """
    if _looks_utf8(data):
        return "utf-8"
    high = sum(1 for b in data if b >= 0x80)
    candidates: tuple[str, ...] = _CANDIDATES
    if high >= 32:
        guess = _normalizer_guess(data)
        if guess is not None and guess != "utf-8":
            candidates = (guess, *(c for c in _CANDIDATES if c != guess))
    best_codec = "cp1252"
    best_score = float("inf")
    for codec in candidates:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _implausibility(codec, text, high)
        if score < best_score:
            best_codec, best_score = codec, score
    return best_codec


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """Decode body or header bytes to text; never raises.

    ``declared`` is the raw charset label from the message (or None).
    """
    codec = normalize_charset(declared)
    defects: list[str] = []
    if declared and codec is None and declared.strip().lower() not in _NO_CHARSET:
        defects.append(f"unknown charset {declared.strip()!r}")
    if data.isascii() and not (codec and codec.startswith(_NOT_ASCII_COMPATIBLE)):
        # Pure ASCII decodes the same in every ASCII-compatible charset.
        return Decoded(data.decode("ascii"), codec or "ascii", defects)
    if codec in _ASCII_FAMILY:
        # A high byte under an ASCII/Latin-1 label: UTF-8 if it validates, else cp1252.
        could_be_utf8 = codec == "ascii" or _has_utf8_multibyte(data)
        if could_be_utf8 and _looks_utf8(data):
            if codec == "ascii":
                defects.append(f"charset {declared} contains 8-bit data; decoded as utf-8")
            else:
                defects.append(f"charset {declared} mislabels utf-8 text")
            return Decoded(data.decode("utf-8"), "utf-8", defects)
        # windows-1252 leaves five bytes undefined; real senders mean Latin-1 there.
        return Decoded(data.decode("cp1252", errors="_postroom_latin1"), "cp1252", defects)
    if codec is not None:
        for candidate in (codec, *_SECOND_TRY.get(codec, ())):
            try:
                return Decoded(data.decode(candidate), candidate, defects)
            except UnicodeDecodeError:
                continue
            except Exception:  # a broken codec must not stop the message
                break
    if codec is not None:
        return _repair_failed_decode(data, codec, declared or codec, defects)
    guess = detect_charset(data)
    if declared is None:
        defects.append(f"no charset declared for 8-bit text; detected {guess}")
    return Decoded(_decode_lenient(data, guess), guess, defects)


def _has_utf8_multibyte(data: bytes) -> bool:
    return re.search(rb"[\xc2-\xf4][\x80-\xbf]", data) is not None


def _repair_failed_decode(data: bytes, codec: str, label: str, defects: list[str]) -> Decoded:
    if codec != "utf-8" and _looks_utf8(data):
        defects.append(f"charset {label} mislabels utf-8 text")
        return Decoded(data.decode("utf-8"), "utf-8", defects)
    if codec == "utf-8":
        # Mostly UTF-8 with stray single bytes: keep the UTF-8 and read the strays as
        # windows-1252. Text with no valid multibyte sequence at all was never UTF-8.
        if _has_utf8_multibyte(data):
            defects.append("invalid utf-8 sequences decoded as windows-1252")
            return Decoded(data.decode("utf-8", errors="_postroom_cp1252"), "utf-8", defects)
        guess = detect_charset(data)
        defects.append(f"charset {label} does not fit the text; detected {guess}")
        return Decoded(_decode_lenient(data, guess), guess, defects)
    guess = detect_charset(data)
    defects.append(f"charset {label} does not fit the text; detected {guess}")
    return Decoded(_decode_lenient(data, guess), guess, defects)


def _decode_lenient(data: bytes, codec: str) -> str:
    if codec == "cp1252":
        return data.decode("cp1252", errors="_postroom_latin1")
    return data.decode(codec, errors="replace")
