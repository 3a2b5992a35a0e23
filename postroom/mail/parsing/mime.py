"""A forgiving MIME tree built directly on the message bytes.

Why not ``email.parser``: its default policy is slow and raises on real mail, and
compat32 hides the raw header bytes we need to decode 8-bit headers ourselves. This
splitter keeps every part's exact bytes (so a forwarded message/rfc822 is stored byte
for byte as an ``.eml``), never raises, and records what it had to repair.
"""

from __future__ import annotations

import binascii
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from postroom.mail.parsing.headers import parse_mime_header

MAX_DEPTH = 20  # deeper nesting is a parser bomb, not mail
MAX_PARTS = 2000

_HEADER_NAME_RE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


@dataclass
class Headers:
    """Header fields in order: names lower-cased, values as raw bytes, still folded."""

    fields: list[tuple[str, bytes]] = field(default_factory=list)

    def get(self, name: str) -> bytes | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def get_last(self, name: str) -> bytes | None:
        """For fields that must occur once but don't: the last one wins, which is
        what the reference parsers in the test corpus do."""
        found = None
        for key, value in self.fields:
            if key == name:
                found = value
        return found

    def get_all(self, name: str) -> list[bytes]:
        return [value for key, value in self.fields if key == name]

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.fields)


@dataclass
class Part:
    headers: Headers
    body: bytes  # still transfer-encoded
    raw: bytes  # the whole part, headers included
    content_type: str
    params: dict[str, str]
    disposition: str
    disposition_params: dict[str, str]
    children: list[Part] = field(default_factory=list)
    explicit_type: bool = True

    @property
    def maintype(self) -> str:
        return self.content_type.partition("/")[0]

    @property
    def is_multipart(self) -> bool:
        return self.maintype == "multipart"

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")

    @property
    def cte(self) -> str:
        raw = self.headers.get("content-transfer-encoding")
        if raw is None:
            return "7bit"
        value = raw.decode("latin-1").strip().lower()
        value = value.split(";")[0].strip().strip("\"'")
        return re.sub(r"[\s_-]", "", value)

    @property
    def filename(self) -> str | None:
        name = self.disposition_params.get("filename") or self.params.get("name")
        return name if name else None

    def decoded(self, defects: list[str]) -> bytes:
        return decode_transfer(self.body, self.cte, defects)


def split_header_block(
    data: bytes, defects: list[str], start: int = 0, end: int | None = None
) -> tuple[Headers, int]:
    """Read the header fields of the entity at ``data[start:end]``; return them and the
    offset where its body starts.

    Accepts CRLF, LF and lone CR line ends, an mbox "From " first line, and a body that
    starts without the blank separator line (the first line that is neither a field
    nor a continuation ends the header block).
    """
    headers = Headers()
    end = len(data) if end is None else end
    pos = start
    name: str | None = None
    chunks: list[bytes] = []
    while pos < end:
        match = _LINE_RE.match(data, pos, end)
        if match is None:  # pragma: no cover - the pattern matches any remaining text
            break
        line = match.group(0)
        content = line.rstrip(b"\r\n")
        if not content:
            pos = match.end()
            break
        if not content.strip(b" \t") and name is None:
            pos = match.end()  # whitespace-only line before any field
            break
        if pos == start and content.startswith(b"From "):
            pos = match.end()  # mbox separator line
            continue
        if content[:1] in (b" ", b"\t") and name is not None:
            chunks.append(line)
            pos = match.end()
            continue
        header = _HEADER_NAME_RE.match(content)
        if header is None:
            if content.startswith(b">From "):
                pos = match.end()
                continue
            if name is not None and _fields_follow(data, match.end(), end):
                # A field folded without indentation: keep it with the previous field
                # rather than let the fields after it fall into the body.
                defects.append("header line without a field name")
                chunks.append(b" " + line)
                pos = match.end()
                continue
            if name is not None or content.strip():
                defects.append("missing blank line between headers and body")
            break
        if name is not None:
            headers.fields.append((name, b"".join(chunks)))
        name = header.group(1).decode("ascii").lower()
        chunks = [line[header.end() :].lstrip(b" \t")]
        pos = match.end()
    if name is not None:
        headers.fields.append((name, b"".join(chunks)))
    return headers, pos


def _fields_follow(data: bytes, pos: int, end: int, lookahead: int = 3) -> bool:
    """Whether a header field starts within the next few lines (before a blank one)."""
    for _ in range(lookahead):
        match = _LINE_RE.match(data, pos, end)
        if match is None:
            return False
        content = match.group(0).rstrip(b"\r\n")
        if not content.strip():
            return False
        if _HEADER_NAME_RE.match(content):
            return True
        pos = match.end()
    return False


_DASH_LINE_RE = re.compile(rb"(?:\A|(?<=[\r\n]))--[^\r\n]*")
_GUESS_BOUNDARY_RE = re.compile(rb"(?:\A|\n)--([^\r\n]{1,200}?)[ \t]*\r?\n")


class _Splitter:
    """Splits one message into entities along multipart boundaries.

    Boundary lines are matched by prefix, as RFC 2046 5.1.1 asks, and checked from the
    innermost open multipart outwards, so a line that belongs to an outer multipart
    also ends every inner one left open (CPython's parser reads broken nesting the same
    way, and it saves the attachments after an inner part whose close line is missing).
    """

    def __init__(self, data: bytes, defects: list[str], limits: Limits) -> None:
        self.data = data
        self.defects = defects
        self.limits = limits
        self.budget = MAX_PARTS
        # Every line that starts with "--", as (start, end) offsets, in order.
        self.lines: list[tuple[int, int]] = [
            (m.start(), m.end()) for m in _DASH_LINE_RE.finditer(data)
        ]
        self.starts = [start for start, _ in self.lines]

    def _next_delimiter(self, pos: int, stack: list[bytes]) -> tuple[int, int, int, bool] | None:
        """First boundary line at or after pos: (line start, line end, stack index, close)."""
        for number in range(bisect_left(self.starts, pos), len(self.lines)):
            start, end = self.lines[number]
            text = self.data[start + 2 : end]
            for index in range(len(stack) - 1, -1, -1):
                if text.startswith(stack[index]):
                    closing = text[len(stack[index]) :].startswith(b"--")
                    return start, end, index, closing
        return None

    def _body_end(self, line_start: int, floor: int) -> int:
        """The line break before a delimiter belongs to the delimiter."""
        end = line_start
        if end - 2 >= floor and self.data[end - 2 : end] == b"\r\n":
            return end - 2
        if end - 1 >= floor and self.data[end - 1 : end] in (b"\n", b"\r"):
            return end - 1
        return end

    def _after_line(self, line_end: int) -> int:
        if self.data.startswith(b"\r\n", line_end):
            return line_end + 2
        if self.data.startswith((b"\n", b"\r"), line_end):
            return line_end + 1
        return line_end

    def entity(
        self, start: int, limit: int, stack: list[bytes], default_type: str, depth: int
    ) -> tuple[Part, int]:
        """Parse the entity starting at ``start``; return it and where it ends.

        It ends at the next line matching an open boundary, or at ``limit``.
        """
        self.budget -= 1
        # Header fields never run past the next boundary line (boundaries may contain
        # ":", which would make "--:foo" look like a field).
        next_line = self._next_delimiter(start, stack) if stack else None
        header_end = next_line[0] if next_line is not None and next_line[0] < limit else limit
        headers, body_start = split_header_block(self.data, self.defects, start, header_end)
        ctype, params = parse_mime_header(headers.get_last("content-type"))
        explicit = bool(_CTYPE_RE.fullmatch(ctype))
        if not explicit:
            if headers.get("content-type") is not None:
                self.defects.append(f"invalid content-type {ctype!r}; using {default_type}")
            ctype = default_type
        disposition, disp_params = parse_mime_header(headers.get("content-disposition"))
        part = Part(
            headers=headers,
            body=b"",
            raw=b"",
            content_type=ctype,
            params=params,
            disposition=disposition,
            disposition_params=disp_params,
            explicit_type=explicit,
        )
        end = limit
        if part.is_multipart and depth < MAX_DEPTH and self.budget > 0:
            end = self._multipart(part, body_start, limit, stack, depth)
        else:
            if part.is_multipart:
                self.defects.append("MIME nesting too deep; rest kept as an attachment")
                self.limits.flattened += 1
                part.content_type = "application/octet-stream"
            found = self._next_delimiter(body_start, stack) if stack else None
            if found is not None and found[0] < limit:
                end = found[0]
            if stack and part.cte == "binary":
                # Binary bodies have no lines; a delimiter glued to the data still ends it.
                glued = self.data.find(b"--" + stack[-1], body_start, end)
                if glued >= 0:
                    end = glued
        body_end = self._body_end(end, body_start) if end < limit else end
        part.body = self.data[body_start:body_end] if not part.children else part.body
        part.raw = self.data[start:body_end]
        return part, end

    def _multipart(
        self, part: Part, body_start: int, limit: int, stack: list[bytes], depth: int
    ) -> int:
        boundary = part.params.get("boundary")
        raw_boundary = boundary.encode("utf-8", errors="replace") if boundary else None
        if not raw_boundary:
            guess = _GUESS_BOUNDARY_RE.search(self.data, body_start, limit)
            if guess is None:
                self.defects.append("multipart without boundary parameter")
            else:
                self.defects.append("multipart without boundary parameter; guessed from the body")
                raw_boundary = guess.group(1)
        inner = [*stack, raw_boundary] if raw_boundary else stack
        found = self._next_delimiter(body_start, inner) if raw_boundary else None
        if found is None or found[0] >= limit or found[2] != len(inner) - 1 or found[3]:
            # No delimiter of its own: show the body as text rather than lose it.
            if raw_boundary:
                self.defects.append("multipart boundary not found")
            part.content_type = "text/plain"
            outer = self._next_delimiter(body_start, stack) if stack else None
            return outer[0] if outer is not None and outer[0] < limit else limit
        child_default = (
            "message/rfc822" if part.content_type == "multipart/digest" else "text/plain"
        )
        part.body = self.data[body_start:limit]
        while found is not None and found[0] < limit:
            line_start, line_end, index, closing = found
            if index != len(inner) - 1:
                self.defects.append("multipart close delimiter missing")
                return line_start  # an outer boundary ends this multipart too
            if closing:
                # Epilogue: skip to whatever the enclosing multipart has next.
                outer = self._next_delimiter(line_end, stack) if stack else None
                return outer[0] if outer is not None and outer[0] < limit else limit
            if self.budget <= 0:
                self.defects.append("too many MIME parts; rest ignored")
                self.limits.dropped += self._parts_from(line_start, limit, inner)
                return limit
            child_start = self._after_line(line_end)
            child, child_end = self.entity(child_start, limit, inner, child_default, depth + 1)
            part.children.append(child)
            found = self._next_delimiter(child_end, inner) if child_end < limit else None
        self.defects.append("multipart close delimiter missing")
        return limit

    def _parts_from(self, start: int, limit: int, stack: list[bytes]) -> int:
        """How many parts begin between ``start`` and ``limit``: the delimiter lines of
        the open multiparts (parts nested in those are not counted)."""
        count = 0
        for number in range(bisect_left(self.starts, start), len(self.lines)):
            line_start, line_end = self.lines[number]
            if line_start >= limit:
                break
            text = self.data[line_start + 2 : line_end]
            for boundary in stack:
                if text.startswith(boundary) and not text[len(boundary) :].startswith(b"--"):
                    count += 1
                    break
        return count


@dataclass
class Limits:
    """What the caps above cut from one message, to be said on it (docs/email-parsing.md)."""

    dropped: int = 0  # parts past MAX_PARTS, not kept at all
    flattened: int = 0  # multiparts deeper than MAX_DEPTH, each kept as one opaque attachment


_CTYPE_RE = re.compile(r"[a-z0-9!#$&.+^_-]+/[a-z0-9!#$&.+^_*-]+")


def parse_part(
    data: bytes,
    defects: list[str],
    *,
    default_type: str = "text/plain",
    limits: Limits | None = None,
) -> Part:
    """Parse a whole message (or an embedded one) into a Part tree. Never raises.

    What the part caps cut is added to ``limits`` when one is given.
    """
    splitter = _Splitter(data, defects, limits if limits is not None else Limits())
    part, _ = splitter.entity(0, len(data), [], default_type, 0)
    return part


# --- transfer decoding ------------------------------------------------------------

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")
_QP_TRAILING_WS = re.compile(rb"[ \t]+(?=\r?\n|\Z)")


def decode_base64(data: bytes, defects: list[str]) -> bytes:
    """Lenient base64: line noise skipped, padding repaired, and blobs concatenated after
    their own "=" padding decoded one by one. A body that is mostly not base64 at all
    (a placeholder text under a base64 label) is kept as it is."""
    cleaned = _B64_JUNK.sub(b"", data)
    junk = len(data) - len(cleaned) - sum(data.count(c) for c in (b" ", b"\t", b"\r", b"\n"))
    if junk * 20 > len(cleaned) + junk:  # over 5% of the characters are not base64
        defects.append("body labelled base64 is not base64; kept as is")
        return data
    out = bytearray()
    for chunk in cleaned.split(b"="):
        if not chunk:
            continue
        if len(chunk) % 4 == 1:
            defects.append("base64 body has a dangling character")
            chunk = chunk[:-1]
        chunk += b"=" * (-len(chunk) % 4)
        try:
            out += binascii.a2b_base64(chunk)
        except (binascii.Error, ValueError):
            defects.append("undecodable base64 body")
    return bytes(out)


def decode_qp(data: bytes) -> bytes:
    # Encoders may leave trailing whitespace, which RFC 2045 says decoders drop.
    return binascii.a2b_qp(_QP_TRAILING_WS.sub(b"", data))


def decode_uu(data: bytes, defects: list[str]) -> bytes:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            if line.startswith(b"begin"):
                started = True
            continue
        stripped = line.strip()
        if stripped == b"end":
            break
        if not stripped or stripped == b"`":
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad short lines wrongly; trust the length byte.
            length = ((line[0] - 32) & 63) * 4 // 3
            try:
                out += binascii.a2b_uu(line[: length + 1])
            except binascii.Error:
                defects.append("broken uuencode line")
    if not started:
        return data
    return bytes(out)


def decode_transfer(body: bytes, cte: str, defects: list[str]) -> bytes:
    if cte == "base64":
        return decode_base64(body, defects)
    if cte == "quotedprintable":
        return decode_qp(body)
    if cte in ("xuuencode", "uuencode", "uue", "xuue"):
        return decode_uu(body, defects)
    if cte not in ("7bit", "8bit", "binary", "", "7bits", "8bits"):
        defects.append(f"unknown content-transfer-encoding {cte!r}; used as is")
    return body
