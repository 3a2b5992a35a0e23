"""Header decoding that tolerates what real mailers send.

Everything here takes header values as they are on the wire (bytes or a str holding
the raw bytes read as Latin-1) and never raises. RFC 2047 encoded-words are decoded
even when malformed (spaces inside, missing ``?=``, split multibyte characters), RFC
2231 parameters are joined and decoded, raw 8-bit bytes are decoded by guessing.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from urllib.parse import unquote_to_bytes

from postroom.mail.parsing.charsets import decode_text

# An encoded-word, loosely: clients put spaces and '?' inside Q text, and leave out the
# closing "?=" at the end of a header; the lazy text ends at the first "?=" or the end.
_ENCODED_WORD_RE = re.compile(
    r"=\?([^?\s]{1,75})\?([QqBb])\?(.*?)(?:\?=|\Z)",
    re.DOTALL,
)
_BLANK_RE = re.compile(r"[ \t\r\n]+")
_ISO2022_ESCAPE = re.compile(rb"\x1b\$[@B]")


def raw_to_str(raw: bytes, hint: str | None = None) -> str:
    """Decode raw header bytes: ASCII as is, 8-bit as UTF-8 or by guessing.

    ``hint`` is the charset declared for the message body; 8-bit headers are usually
    written in the same charset as the body.
    """
    if raw.isascii():
        if b"\x1b" in raw and _ISO2022_ESCAPE.search(raw):
            # Japanese clients put raw ISO-2022-JP in headers instead of encoded-words;
            # its escape sequences make it unambiguous (unlike raw UTF-7, left alone).
            return decode_text(raw, "iso-2022-jp").text
        return raw.decode("ascii")
    return decode_text(raw, hint).text if hint else decode_text(raw).text


def unfold(value: str) -> str:
    return value.replace("\r\n", "").replace("\n", "").replace("\r", "")


def _q_decode(text: str) -> bytes:
    data = text.replace("_", " ").encode("latin-1", errors="replace")
    return binascii.a2b_qp(data)


def _b_decode(text: str) -> bytes:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return b""


def decode_words(value: str, hint: str | None = None) -> str:
    """Decode every RFC 2047 encoded-word in an (unfolded) header value.

    Whitespace between two encoded-words is dropped, as the RFC says; adjacent words in
    the same charset are joined as bytes before decoding, because mailers split
    multibyte characters across words.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset is not None:
            out.append(decode_text(bytes(pending), pending_charset or hint).text)
        pending = bytearray()
        pending_charset = None

    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[pos : match.start()]
        if between and (pending_charset is None or not between.isspace()):
            flush()
            out.append(between)
        charset = match.group(1).split("*", 1)[0].lower()
        payload = match.group(3)
        data = _q_decode(payload) if match.group(2) in "Qq" else _b_decode(payload)
        if pending_charset is not None and charset != pending_charset:
            flush()
        pending_charset = charset
        pending += data
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def decode_unstructured(raw: bytes | None, hint: str | None = None) -> str:
    """A header like Subject: unfolded, encoded-words decoded, whitespace tidied."""
    if raw is None:
        return ""
    value = unfold(raw_to_str(raw, hint))
    value = decode_words(value, hint)
    value = value.replace("\x00", "")
    return _BLANK_RE.sub(" ", value).strip()


# --- addresses ---------------------------------------------------------------


def _split_mailboxes(value: str) -> list[tuple[list[str], str | None, str]]:
    """Tokenise an address list into (phrase words, angle address, comment) triples.

    Tolerates unbalanced quotes/brackets and group syntax; commas inside quotes, angle
    brackets and comments do not split.
    """
    boxes: list[tuple[list[str], str | None, str]] = []
    words: list[str] = []
    angle: str | None = None
    comment = ""
    word = ""
    i, n = 0, len(value)

    def end_word() -> None:
        nonlocal word
        if word:
            words.append(word)
            word = ""

    def end_box() -> None:
        nonlocal words, angle, comment
        end_word()
        if words or angle is not None:
            boxes.append((words, angle, comment))
        words, angle, comment = [], None, ""

    while i < n:
        ch = value[i]
        if ch == '"':
            end_word()
            j = i + 1
            buf: list[str] = []
            while j < n and value[j] != '"':
                if value[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(value[j])
                j += 1
            words.append("\x00" + "".join(buf))  # marks a quoted word: no re-spacing
            i = j + 1
        elif ch == "(":
            end_word()
            depth, j = 1, i + 1
            buf = []
            while j < n and depth:
                if value[j] == "\\" and j + 1 < n:
                    j += 1
                elif value[j] == "(":
                    depth += 1
                elif value[j] == ")":
                    depth -= 1
                    if not depth:
                        break
                buf.append(value[j])
                j += 1
            comment = comment or "".join(buf).strip()
            i = j + 1
        elif ch == "<":
            end_word()
            j = value.find(">", i + 1)
            if j < 0:
                j = n
                # "<a@b, c@d" without ">": stop at the next comma so lists survive.
                comma = value.find(",", i + 1)
                if comma >= 0:
                    j = comma
            angle = value[i + 1 : j].strip()
            i = j + 1 if j < n and value[j] == ">" else j
        elif ch in ",;":
            end_box()
            i += 1
        elif ch == ":" and angle is None:
            # Group display name ("Team: a@b, c@d;"): the phrase so far is the group's.
            end_word()
            words = []
            i += 1
        elif ch in " \t\r\n":
            end_word()
            i += 1
        else:
            word += ch
            i += 1
    end_box()
    return boxes


def _join_phrase(words: list[str]) -> str:
    return " ".join(w[1:] if w.startswith("\x00") else w for w in words)


def _clean_email(addr: str) -> str:
    addr = addr.strip().strip("<>").strip()
    if addr.lower().startswith("mailto:"):
        addr = addr[7:]
    if ":" in addr and addr.startswith("@"):
        addr = addr.rsplit(":", 1)[1]  # obsolete source route "@a,@b:user@c"
    addr = "".join(addr.split())
    local, sep, domain = addr.rpartition("@")
    if sep:
        return f"{local}@{domain.lower()}"
    return addr


def parse_addresses(raw: bytes | None, hint: str | None = None) -> list[tuple[str, str]]:
    """Parse an address-list header into (display name, email) pairs, best effort."""
    if raw is None:
        return []
    # NUL first: the tokeniser marks quoted words with it, and no database stores it.
    value = unfold(raw_to_str(raw, hint)).replace("\x00", "")
    result: list[tuple[str, str]] = []
    for words, angle, comment in _split_mailboxes(value):
        if angle is not None:
            email = _clean_email(angle)
            name = _join_phrase(words)
        else:
            at_words = [w for w in words if "@" in w and not w.startswith("\x00")]
            if at_words:
                email = _clean_email(at_words[-1])
                name = _join_phrase([w for w in words if w is not at_words[-1]])
            else:
                # No address at all ("From: Whomever"): keep the name, the address is
                # unknown rather than made up from a word.
                email, name = "", _join_phrase(words)
            name = name or comment
        if not email and not name:
            continue
        name = decode_words(name, hint).replace("\x00", "")  # an encoded word may hold one
        name = _BLANK_RE.sub(" ", name).strip().strip("'\"").strip()
        result.append((name, email))
    return result


# --- identifiers, dates ------------------------------------------------------

_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def parse_message_ids(raw: bytes | None) -> list[str]:
    """All message-ids in a header, without angle brackets; bare ids accepted too."""
    if raw is None:
        return []
    value = unfold(raw.decode("latin-1"))
    found = _MSGID_RE.findall(value)
    if not found:
        found = [t.strip("<>,;") for t in value.split() if "@" in t]
    return [f for f in found if f]


def parse_date(raw: bytes | None) -> datetime | None:
    """A Date header as an aware UTC datetime, or None when unusable."""
    if raw is None:
        return None
    value = _BLANK_RE.sub(" ", unfold(raw.decode("latin-1"))).strip()
    if not value:
        return None
    try:
        parts = parsedate_tz(value)
    except Exception:  # parsedate_tz raises on some garbage despite its contract
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    offset = parts[9] or 0
    try:
        local = datetime(year, month, day, hour, minute, min(second, 59))
        stamp = local.replace(tzinfo=timezone(timedelta(seconds=offset)))
        return stamp.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# --- MIME parameters -----------------------------------------------------------

_PARAM_RE = re.compile(
    r"""\s*([^\s=;"]+)\s*=\s*("(?:\\.|[^"\\])*"?|[^;]*)""",
    re.DOTALL,
)


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        body = value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:]
        return re.sub(r"\\(.)", r"\1", body)
    return value


def parse_mime_header(raw: bytes | None, hint: str | None = None) -> tuple[str, dict[str, str]]:
    """Split Content-Type / Content-Disposition into a lower-cased value and params.

    RFC 2231 continuations (``name*0*=``) are joined and decoded; RFC 2047 words in
    parameter values, which the RFC forbids and every client sends, are decoded too.
    """
    if raw is None:
        return "", {}
    value = unfold(raw_to_str(raw, hint))
    main, _, rest = value.partition(";")
    main = re.sub(r"\([^)]*\)", "", main)
    if "=" in main:
        # "multipart/mixed boundary=x" without the semicolon.
        head = main.split(None, 1)
        main, rest = head[0], (head[1] if len(head) > 1 else "") + ";" + rest
    main = "".join(main.split()).lower()
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    simple: dict[str, str] = {}
    for match in _PARAM_RE.finditer(rest):
        name = match.group(1).lower()
        raw_value = match.group(2)
        cont = re.fullmatch(r"(.+?)\*(\d+)?(\*)?", name)
        if cont:
            base = cont.group(1)
            index = int(cont.group(2)) if cont.group(2) else 0
            pieces.setdefault(base, []).append(
                (index, bool(cont.group(3)) or not cont.group(2), raw_value)
            )
        elif name not in simple:
            simple[name] = decode_words(_unquote(raw_value).strip(), hint)
    for base, segments in pieces.items():
        simple[base] = _join_rfc2231(sorted(segments), hint)
    return main, simple


def _join_rfc2231(segments: list[tuple[int, bool, str]], hint: str | None) -> str:
    charset: str | None = None
    data = bytearray()
    for position, (_, extended, raw_value) in enumerate(segments):
        value = _unquote(raw_value)
        if extended:
            if position == 0 and value.count("'") >= 2:
                charset, _, value = value.split("'", 2)
            data += unquote_to_bytes(value)
        else:
            data += value.encode("utf-8", errors="surrogateescape")
    return decode_words(decode_text(bytes(data), charset or hint or "utf-8").text, hint)
