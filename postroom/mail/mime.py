"""A forgiving MIME tree built directly on the message bytes.

Why not ``email.parser``: its default policy is slow and raises on real mail, and
compat32 hides the raw header bytes we need to decode 8-bit headers ourselves. This
splitter keeps every part's exact bytes (so a forwarded message/rfc822 is stored byte
for byte as an ``.eml``), never raises, and records what it had to repair.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field

from postroom.mail.headers import parse_mime_header

MAX_DEPTH = 20  # deeper nesting is a parser bomb, not mail
MAX_PARTS = 2000

_HEADER_NAME_RE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


@dataclass
class Headers:
    """Raw header fields in order; names lower-cased, values the unfolded-later bytes."""

    fields: list[tuple[str, bytes]] = field(default_factory=list)

    def get(self, name: str) -> bytes | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

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


def split_header_block(data: bytes, defects: list[str]) -> tuple[Headers, bytes]:
    """Split bytes into header fields and body.

    Accepts CRLF, LF and lone CR line ends, an mbox "From " first line, and a body that
    starts without the blank separator line (the first line that is neither a field
    nor a continuation ends the header block).
    """
    headers = Headers()
    pos = 0
    size = len(data)
    name: str | None = None
    chunks: list[bytes] = []
    first = True
    while pos < size:
        match = _LINE_RE.match(data, pos)
        if match is None:  # pragma: no cover - the pattern matches any remaining text
            break
        line = match.group(0)
        content = line.rstrip(b"\r\n")
        if not content.strip(b" \t"):
            if not content:
                pos = match.end()
                break
            if name is None:  # whitespace-only line before any field
                pos = match.end()
                break
        if first and content.startswith(b"From ") and not headers.fields:
            first = False
            pos = match.end()
            continue
        first = False
        if content[:1] in (b" ", b"\t") and name is not None:
            chunks.append(line)
            pos = match.end()
            continue
        header = _HEADER_NAME_RE.match(content)
        if header is None:
            if content.startswith(b">From "):
                pos = match.end()
                continue
            defects.append("missing blank line between headers and body")
            break
        if name is not None:
            headers.fields.append((name, b"".join(chunks)))
        name = header.group(1).decode("ascii").lower()
        chunks = [line[header.end() :].lstrip(b" \t")]
        pos = match.end()
    if name is not None:
        headers.fields.append((name, b"".join(chunks)))
    return headers, data[pos:]


def _boundary_re(boundary: bytes) -> re.Pattern[bytes]:
    # The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    return re.compile(
        rb"(?:\A|\r\n|\n|\r)--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r\n|\n|\r|\Z)"
    )


_GUESS_BOUNDARY_RE = re.compile(rb"(?:\A|\n)--([^\r\n]{1,200}?)[ \t]*\r?\n")


def split_multipart(body: bytes, boundary: str | None, defects: list[str]) -> list[bytes] | None:
    """Return the raw bytes of each body part, or None when no delimiter is found."""
    if not boundary:
        guess = _GUESS_BOUNDARY_RE.search(body)
        if guess is None:
            defects.append("multipart without boundary parameter")
            return None
        defects.append("multipart without boundary parameter; guessed from the body")
        raw_boundary = (
            guess.group(1).rstrip(b"-") if guess.group(1).endswith(b"--") else guess.group(1)
        )
    else:
        raw_boundary = boundary.encode("utf-8", errors="replace")
    pattern = _boundary_re(raw_boundary)
    matches = list(pattern.finditer(body))
    if not matches:
        defects.append("multipart boundary not found")
        return None
    parts: list[bytes] = []
    closed = False
    for index, match in enumerate(matches):
        if match.group(1):
            closed = True
            if index == 0:
                defects.append("multipart closes before its first part")
            break
        start = match.end()
        # Skip the line break that ends the delimiter line.
        if body.startswith(b"\r\n", start):
            start += 2
        elif body.startswith((b"\n", b"\r"), start):
            start += 1
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        parts.append(body[start:end])
    if not closed:
        defects.append("multipart close delimiter missing")
    return parts


def parse_part(
    data: bytes,
    defects: list[str],
    *,
    default_type: str = "text/plain",
    depth: int = 0,
    budget: list[int] | None = None,
) -> Part:
    """Parse one entity (a whole message or a body part) into a Part tree."""
    budget = budget if budget is not None else [MAX_PARTS]
    budget[0] -= 1
    headers, body = split_header_block(data, defects)
    ctype_raw = headers.get("content-type")
    ctype, params = parse_mime_header(ctype_raw)
    explicit = True
    if not re.fullmatch(r"[a-z0-9!#$&.+^_-]+/[a-z0-9!#$&.+^_*-]+", ctype):
        if ctype_raw is not None:
            defects.append(f"invalid content-type {ctype!r}; using {default_type}")
        ctype, explicit = default_type, False
        if ctype_raw is None or not params:
            params = {}
    disposition, disp_params = parse_mime_header(headers.get("content-disposition"))
    part = Part(
        headers=headers,
        body=body,
        raw=data,
        content_type=ctype,
        params=params,
        disposition=disposition,
        disposition_params=disp_params,
        explicit_type=explicit,
    )
    if depth >= MAX_DEPTH or budget[0] <= 0:
        if part.is_multipart or ctype == "message/rfc822":
            defects.append("MIME nesting too deep; rest kept as an attachment")
            part.content_type = "application/octet-stream"
        return part
    if part.is_multipart:
        raw_parts = split_multipart(body, params.get("boundary"), defects)
        if raw_parts is None:
            # No structure at all: show the body as text rather than lose it.
            part.content_type = "text/plain"
            return part
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        for raw_child in raw_parts:
            if budget[0] <= 0:
                defects.append("too many MIME parts; rest ignored")
                break
            part.children.append(
                parse_part(
                    raw_child, defects, default_type=child_default, depth=depth + 1, budget=budget
                )
            )
    return part


def parse_embedded(part: Part, defects: list[str], depth: int) -> Part:
    """Parse the message inside a message/rfc822 part (transfer-decoded first)."""
    return parse_part(part.decoded(defects), defects, depth=depth + 1)


# --- transfer decoding ------------------------------------------------------------

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")
_QP_TRAILING_WS = re.compile(rb"[ \t]+(?=\r?\n|\Z)")


def decode_base64(data: bytes, defects: list[str]) -> bytes:
    """Lenient base64: junk characters skipped, padding repaired, and blobs that were
    concatenated after their own "=" padding decoded one by one."""
    cleaned = _B64_JUNK.sub(b"", data)
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
