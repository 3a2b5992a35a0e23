"""Choosing the text and HTML bodies of a MIME tree and collecting its attachments.

The choice follows the algorithm of RFC 8621 (JMAP) section 4.1.4, which is what
mainstream clients show: inside multipart/alternative the plain and HTML versions are
alternatives; in multipart/mixed every inline text part and inline image is part of the
body in order; in multipart/related only the first part is the body. Every other leaf
becomes an attachment, so nothing in the message is lost. Then: uuencoded blocks in
plain text become attachments, TNEF (winmail.dat) is unpacked, message/rfc822 parts are
kept byte for byte as ``.eml`` attachments.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field

from postroom.mail.parsing import tnef
from postroom.mail.parsing.charsets import decode_text
from postroom.mail.parsing.headers import decode_unstructured
from postroom.mail.parsing.html import html_to_text, text_to_html
from postroom.mail.parsing.mime import Part, decode_uu

_TEXTUAL = ("text/plain", "text/html")
_SIGNATURE_NAMES = {
    "application/pgp-signature": "signature.asc",
    "application/pkcs7-signature": "smime.p7s",
    "application/x-pkcs7-signature": "smime.p7s",
    "application/pgp-encrypted": "pgp-version.txt",
    "message/delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "text/rfc822-headers": "returned-headers.txt",
    "message/rfc822-headers": "returned-headers.txt",
    "text/calendar": "invite.ics",
}


@dataclass
class AttachmentData:
    filename: str
    content_type: str
    payload: bytes
    content_id: str | None
    inline: bool


@dataclass
class BodyResult:
    text: str
    html: str | None  # not sanitised
    attachments: list[AttachmentData]
    # Each body part's decoded content in order (text/plain and text/html), before
    # uuencode extraction and format=flowed joining: what decoding alone produced.
    body_parts: list[tuple[str, str]] = field(default_factory=list)
    charset: str | None = None


def _is_inline_media(part: Part) -> bool:
    return part.maintype in ("image", "audio", "video")


def _walk(
    parts: list[Part],
    multipart_type: str,
    in_alternative: bool,
    html_body: list[Part] | None,
    text_body: list[Part] | None,
    attachments: list[Part],
) -> None:
    text_length = len(text_body) if text_body is not None else -1
    html_length = len(html_body) if html_body is not None else -1
    for index, part in enumerate(parts):
        if part.is_multipart and part.children:
            subtype = part.content_type.partition("/")[2]
            _walk(
                part.children,
                subtype,
                in_alternative or subtype == "alternative",
                html_body,
                text_body,
                attachments,
            )
            continue
        is_inline = (
            part.disposition != "attachment"
            and (part.content_type in _TEXTUAL or _is_inline_media(part))
            and (
                index == 0
                or (multipart_type != "related" and (_is_inline_media(part) or not part.filename))
            )
        )
        if not is_inline:
            attachments.append(part)
            continue
        if multipart_type == "alternative":
            if part.content_type == "text/plain" and text_body is not None:
                text_body.append(part)
            elif part.content_type == "text/html" and html_body is not None:
                html_body.append(part)
            else:
                attachments.append(part)
            continue
        if in_alternative:
            if part.content_type == "text/plain":
                html_body = None
            if part.content_type == "text/html":
                text_body = None
        if text_body is not None:
            text_body.append(part)
        if html_body is not None:
            html_body.append(part)
        if (text_body is None or html_body is None) and _is_inline_media(part):
            attachments.append(part)
    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        if text_length == len(text_body) and html_length != len(html_body):
            text_body.extend(html_body[html_length:])
        if html_length == len(html_body) and text_length != len(text_body):
            html_body.extend(text_body[text_length:])


_UU_BLOCK = re.compile(
    rb"^begin [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^end[ \t]*\r?$\n?",
    re.MULTILINE | re.DOTALL,
)


def _extract_uuencoded(data: bytes, found: list[AttachmentData], defects: list[str]) -> bytes:
    """Pull "begin 644 name ... end" blocks out of plain text as attachments."""
    if b"begin " not in data:
        return data

    def take(match: re.Match[bytes]) -> bytes:
        name = match.group(1).strip().decode("utf-8", errors="replace")
        payload = decode_uu(match.group(0), defects)
        found.append(AttachmentData(safe_filename(name), _guess_type(name), payload, None, False))
        return b""

    return _UU_BLOCK.sub(take, data)


def _unflow(text: str, delsp: bool) -> str:
    """Join RFC 3676 format=flowed lines (a trailing space marks a soft break)."""
    out: list[str] = []
    buffer = ""
    depth_of_buffer = -1
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        if buffer and depth != depth_of_buffer:
            out.append(">" * depth_of_buffer + (" " if depth_of_buffer else "") + buffer)
            buffer = ""
        if stripped.endswith(" ") and stripped != "-- ":
            buffer += stripped[:-1] if delsp else stripped
            depth_of_buffer = depth
            continue
        full = buffer + stripped
        buffer = ""
        out.append(">" * depth + (" " if depth else "") + full)
    if buffer:
        out.append(">" * depth_of_buffer + (" " if depth_of_buffer else "") + buffer)
    return "\n".join(out)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _part_text(part: Part, defects: list[str], charset_hint: str | None) -> tuple[bytes, str]:
    data = part.decoded(defects)
    decoded = decode_text(data, part.charset or (None if part.explicit_type else charset_hint))
    defects.extend(decoded.defects)
    return data, _normalise_newlines(decoded.text)


def extract_bodies(root: Part, defects: list[str]) -> BodyResult:
    """Split a parsed message into text, HTML and attachments. Never raises."""
    text_body: list[Part] = []
    html_body: list[Part] = []
    attachment_parts: list[Part] = []
    if root.is_multipart and root.children:
        _walk([root], "mixed", False, html_body, text_body, attachment_parts)
    elif root.content_type in _TEXTUAL or not root.explicit_type:
        text_body.append(root)
        html_body.append(root)
    else:
        attachment_parts.append(root)

    charset_hint = next((p.charset for p in text_body + html_body if p.charset), None)
    texts: list[str] = []
    htmls: list[str] = []
    body_parts: list[tuple[str, str]] = []
    extra: list[AttachmentData] = []
    decoded_cache: dict[int, str] = {}
    has_html = any(p.content_type == "text/html" for p in html_body)

    for part in _ordered_unique(text_body + html_body):
        if part.content_type not in _TEXTUAL:
            continue  # an inline image in the body flow; it is listed as an attachment
        raw_text = _part_text(part, defects, charset_hint)
        body_parts.append((part.content_type, raw_text[1]))
        if part.content_type == "text/html":
            decoded_cache[id(part)] = raw_text[1]
            continue
        data = _extract_uuencoded(raw_text[0], extra, defects)
        if data is raw_text[0]:
            text = raw_text[1]
        else:
            text = _normalise_newlines(decode_text(data, part.charset or charset_hint).text)
        if part.params.get("format", "").lower() == "flowed":
            text = _unflow(text, part.params.get("delsp", "").lower() == "yes")
        decoded_cache[id(part)] = text

    for part in text_body:
        if id(part) not in decoded_cache:
            continue
        value = decoded_cache[id(part)]
        texts.append(html_to_text(value) if part.content_type == "text/html" else value)
    if has_html:
        for part in html_body:
            if id(part) in decoded_cache:
                value = decoded_cache[id(part)]
                htmls.append(value if part.content_type == "text/html" else text_to_html(value))
            elif _is_inline_media(part) and _content_id(part):
                htmls.append(f'<img src="cid:{_content_id(part)}">')

    html = "\n".join(htmls) if has_html else None
    used = {id(p) for p in text_body + html_body if id(p) in decoded_cache}
    attachments = _collect_attachments(root, used, defects)
    attachments.extend(extra)
    if html:
        referenced = set(re.findall(r"cid:([^\"'\s>)]+)", html, flags=re.IGNORECASE))
        for item in attachments:
            if item.content_id and item.content_id in referenced:
                item.inline = True
    return BodyResult(
        text="\n".join(t.strip("\n") for t in texts if t.strip()),
        html=html,
        attachments=attachments,
        body_parts=body_parts,
        charset=charset_hint,
    )


def _ordered_unique(parts: list[Part]) -> list[Part]:
    seen: set[int] = set()
    out: list[Part] = []
    for part in parts:
        if id(part) not in seen:
            seen.add(id(part))
            out.append(part)
    return out


def _leaves(part: Part) -> list[Part]:
    if part.is_multipart and part.children:
        return [leaf for child in part.children for leaf in _leaves(child)]
    return [part]


def _content_id(part: Part) -> str | None:
    raw = part.headers.get("content-id")
    if raw is None:
        return None
    value = decode_unstructured(raw).strip().strip("<>").strip()
    return value or None


def _collect_attachments(root: Part, used: set[int], defects: list[str]) -> list[AttachmentData]:
    out: list[AttachmentData] = []
    for leaf in _leaves(root):
        if id(leaf) in used:
            continue
        if leaf.is_multipart:
            continue  # a multipart with no parts left: nothing to keep
        payload = leaf.decoded(defects)
        content_id = _content_id(leaf)
        name = leaf.filename
        ctype = leaf.content_type
        if ctype == "application/ms-tnef" or (name or "").lower() == "winmail.dat":
            unpacked = _unpack_tnef(payload, defects)
            if unpacked is not None:
                out.extend(unpacked)
                continue
        if not name:
            name = _default_name(leaf, payload, len(out) + 1)
        inline = leaf.disposition == "inline" and _is_inline_media(leaf)
        out.append(AttachmentData(safe_filename(name), ctype, payload, content_id, inline))
    return out


def _unpack_tnef(payload: bytes, defects: list[str]) -> list[AttachmentData] | None:
    if not tnef.looks_like_tnef(payload):
        defects.append("winmail.dat is not TNEF; kept as is")
        return None
    try:
        content = tnef.parse_tnef(payload)
    except (tnef.TnefError, IndexError, ValueError) as error:
        defects.append(f"unreadable TNEF ({error}); kept as winmail.dat")
        return None
    found = [
        AttachmentData(
            safe_filename(item.filename or f"attachment-{n}"),
            item.content_type or _guess_type(item.filename),
            item.data,
            item.content_id,
            False,
        )
        for n, item in enumerate(content.attachments, 1)
    ]
    if content.body_html:
        found.append(
            AttachmentData("body.html", "text/html", content.body_html.encode(), None, False)
        )
    if content.body_rtf:
        found.append(AttachmentData("body.rtf", "application/rtf", content.body_rtf, None, False))
    if not found:
        return None
    return found


def _default_name(part: Part, payload: bytes, number: int) -> str:
    ctype = part.content_type
    if ctype == "message/rfc822":
        subject = ""
        head = payload[:8192]
        match = re.search(rb"(?im)^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", head)
        if match:
            subject = decode_unstructured(match.group(1))
        stem = re.sub(r"[^\w .,()&+-]+", "", subject).strip()[:80]
        return f"{stem or 'message'}.eml"
    if ctype in _SIGNATURE_NAMES:
        return _SIGNATURE_NAMES[ctype]
    extension = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    return f"attachment-{number}{extension}"


def _guess_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def safe_filename(name: str) -> str:
    """Filenames are shown and offered for download: no paths, no control characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    name = re.split(r"[/\\]", name)[-1].strip()
    return name or "attachment"
