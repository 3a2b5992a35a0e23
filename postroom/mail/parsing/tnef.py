"""A small reader for Outlook's TNEF container (winmail.dat).

Only what a shared inbox needs: the attachments TNEF carries (names, bytes, MIME type,
Content-ID) and the message body when it is in there as plain text or HTML. Compressed
RTF bodies are decompressed and handed back as an ``.rtf`` attachment rather than
converted. Anything unexpected ends the reading; the caller then keeps the original
winmail.dat, so nothing is lost. Format: [MS-OXTNEF] and [MS-OXRTFCP].
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TNEF_SIGNATURE = 0x223E9F78

_LVL_MESSAGE = 1
_LVL_ATTACHMENT = 2

# TNEF attribute ids (low 16 bits of the attribute tag).
_ATT_BODY = 0x800C
_ATT_ATTACH_DATA = 0x800F
_ATT_ATTACH_TITLE = 0x8010
_ATT_ATTACH_REND_DATA = 0x9002
_ATT_MSG_PROPS = 0x9003
_ATT_ATTACHMENT = 0x9005

# MAPI property ids.
_PR_BODY = 0x1000
_PR_RTF_COMPRESSED = 0x1009
_PR_BODY_HTML = 0x1013
_PR_ATTACH_DATA = 0x3701
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_MIME_TAG = 0x370E
_PR_ATTACH_CONTENT_ID = 0x3712
_PR_DISPLAY_NAME = 0x3001

_PT_FIXED_SIZES = {
    0x0002: 4,  # short, padded
    0x0003: 4,
    0x0004: 4,
    0x0005: 8,
    0x0006: 8,
    0x0007: 8,
    0x000A: 4,
    0x000B: 4,  # boolean, padded
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
}
_PT_STRING8 = 0x001E
_PT_UNICODE = 0x001F
_PT_BINARY = 0x0102
_PT_OBJECT = 0x000D
_MV_FLAG = 0x1000

MAX_ITEMS = 500  # attachments and properties: guards against crafted containers


class TnefError(ValueError):
    pass


@dataclass
class TnefAttachment:
    filename: str = ""
    data: bytes = b""
    content_type: str | None = None
    content_id: str | None = None


@dataclass
class TnefContent:
    attachments: list[TnefAttachment] = field(default_factory=list)
    body_text: str | None = None
    body_html: str | None = None
    body_rtf: bytes | None = None


def looks_like_tnef(data: bytes) -> bool:
    return len(data) >= 6 and struct.unpack_from("<I", data)[0] == TNEF_SIGNATURE


def parse_tnef(data: bytes) -> TnefContent:
    """Read a TNEF stream; raises TnefError on anything that is not valid TNEF."""
    if not looks_like_tnef(data):
        raise TnefError("not a TNEF stream")
    content = TnefContent()
    current: TnefAttachment | None = None
    pos = 6  # signature + legacy key
    while pos + 9 <= len(data):
        level = data[pos]
        tag, length = struct.unpack_from("<II", data, pos + 1)
        start = pos + 9
        end = start + length
        if end + 2 > len(data):
            raise TnefError("truncated attribute")
        value = data[start:end]
        pos = end + 2  # skip the checksum
        attr = tag & 0xFFFF
        if level == _LVL_ATTACHMENT:
            if attr == _ATT_ATTACH_REND_DATA:
                if len(content.attachments) >= MAX_ITEMS:
                    raise TnefError("too many attachments")
                current = TnefAttachment()
                content.attachments.append(current)
            elif current is None:
                continue
            elif attr == _ATT_ATTACH_TITLE:
                current.filename = current.filename or _cstring(value)
            elif attr == _ATT_ATTACH_DATA:
                current.data = value
            elif attr == _ATT_ATTACHMENT:
                _apply_attachment_props(current, _mapi_props(value))
        elif level == _LVL_MESSAGE:
            if attr == _ATT_BODY:
                content.body_text = _cstring(value)
            elif attr == _ATT_MSG_PROPS:
                _apply_message_props(content, _mapi_props(value))
    if pos != len(data):
        raise TnefError("truncated stream")
    content.attachments = [a for a in content.attachments if a.data or a.filename]
    return content


def _cstring(value: bytes) -> str:
    return value.split(b"\x00", 1)[0].decode("cp1252", errors="replace")


def _apply_attachment_props(att: TnefAttachment, props: dict[int, object]) -> None:
    long_name = props.get(_PR_ATTACH_LONG_FILENAME) or props.get(_PR_DISPLAY_NAME)
    if isinstance(long_name, str) and long_name:
        att.filename = long_name
    elif isinstance(props.get(_PR_ATTACH_FILENAME), str) and not att.filename:
        att.filename = str(props[_PR_ATTACH_FILENAME])
    mime = props.get(_PR_ATTACH_MIME_TAG)
    if isinstance(mime, str) and "/" in mime:
        att.content_type = mime.strip().lower()
    cid = props.get(_PR_ATTACH_CONTENT_ID)
    if isinstance(cid, str) and cid:
        att.content_id = cid.strip().strip("<>")
    blob = props.get(_PR_ATTACH_DATA)
    if isinstance(blob, bytes) and not att.data:
        att.data = blob


def _apply_message_props(content: TnefContent, props: dict[int, object]) -> None:
    html = props.get(_PR_BODY_HTML)
    if isinstance(html, bytes):
        content.body_html = html.rstrip(b"\x00").decode("utf-8", errors="replace")
    elif isinstance(html, str):
        content.body_html = html
    body = props.get(_PR_BODY)
    if isinstance(body, str) and not content.body_text:
        content.body_text = body
    rtf = props.get(_PR_RTF_COMPRESSED)
    if isinstance(rtf, bytes):
        try:
            content.body_rtf = decompress_rtf(rtf)
        except TnefError:
            content.body_rtf = None


def _mapi_props(data: bytes) -> dict[int, object]:
    """Decode a MAPI property list; multi-valued properties keep their first value."""
    props: dict[int, object] = {}
    if len(data) < 4:
        return props
    (count,) = struct.unpack_from("<I", data)
    if count > MAX_ITEMS * 10:
        raise TnefError("implausible property count")
    pos = 4
    for _ in range(count):
        if pos + 4 > len(data):
            raise TnefError("truncated property")
        ptype, pid = struct.unpack_from("<HH", data, pos)
        pos += 4
        if pid >= 0x8000:  # named property: GUID, kind, then id or name
            if pos + 20 > len(data):
                raise TnefError("truncated named property")
            (kind,) = struct.unpack_from("<I", data, pos + 16)
            pos += 20
            if kind == 0:
                pos += 4
            else:
                (name_len,) = struct.unpack_from("<I", data, pos)
                pos += 4 + name_len + (-name_len % 4)
        multi = bool(ptype & _MV_FLAG)
        base_type = ptype & ~_MV_FLAG
        values: list[object] = []
        if base_type in _PT_FIXED_SIZES:
            n = 1
            if multi:
                (n,) = struct.unpack_from("<I", data, pos)
                pos += 4
            size = _PT_FIXED_SIZES[base_type]
            for _ in range(n):
                values.append(data[pos : pos + size])
                pos += size
        elif base_type in (_PT_STRING8, _PT_UNICODE, _PT_BINARY, _PT_OBJECT):
            (n,) = struct.unpack_from("<I", data, pos)
            pos += 4
            if n > MAX_ITEMS:
                raise TnefError("implausible value count")
            for _ in range(n):
                (length,) = struct.unpack_from("<I", data, pos)
                pos += 4
                raw = data[pos : pos + length]
                pos += length + (-length % 4)
                values.append(_decode_value(base_type, raw))
        else:
            raise TnefError(f"unknown MAPI type {ptype:#x}")
        if pos > len(data):
            raise TnefError("property runs past the end")
        if values:
            props.setdefault(pid, values[0])
    return props


def _decode_value(base_type: int, raw: bytes) -> object:
    if base_type == _PT_UNICODE:
        return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
    if base_type == _PT_STRING8:
        return raw.rstrip(b"\x00").decode("cp1252", errors="replace")
    if base_type == _PT_OBJECT:
        return raw[16:]  # an embedded object starts with its interface GUID
    return raw


# --- compressed RTF ([MS-OXRTFCP]) ---------------------------------------------

_RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_COMPRESSED = 0x75465A4C  # "LZFu"
_UNCOMPRESSED = 0x414C454D  # "MELA"


def decompress_rtf(data: bytes) -> bytes:
    if len(data) < 16:
        raise TnefError("compressed RTF header truncated")
    comp_size, raw_size, magic, _crc = struct.unpack_from("<IIII", data)
    body = data[16 : 4 + comp_size]
    if magic == _UNCOMPRESSED:
        return body[:raw_size]
    if magic != _COMPRESSED:
        raise TnefError("unknown compressed RTF format")
    window = bytearray(4096)
    window[: len(_RTF_PREBUF)] = _RTF_PREBUF
    write = len(_RTF_PREBUF)
    out = bytearray()
    pos = 0
    while pos < len(body) and len(out) < raw_size:
        flags = body[pos]
        pos += 1
        for bit in range(8):
            if pos >= len(body) or len(out) >= raw_size:
                break
            if flags & (1 << bit):
                if pos + 2 > len(body):
                    return bytes(out)
                ref = (body[pos] << 8) | body[pos + 1]
                pos += 2
                offset, length = ref >> 4, (ref & 0xF) + 2
                if offset == write:
                    return bytes(out)  # end marker
                for k in range(length):
                    byte = window[(offset + k) % 4096]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) % 4096
            else:
                byte = body[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % 4096
    return bytes(out)
