"""Which of our messages a delivery status notification (DSN) is about, and why it failed.

Most bounces quote the original message's headers (RFC 3464 asks for them), so its
Message-ID, which we generated, names the message exactly. Only when a report quotes
nothing do we fall back to the failed address: the newest message we sent to it from
that inbox within a week.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Q

from postroom.core import clock
from postroom.inbox.models import DeliveryStatus, Direction, Message
from postroom.mail.parsing.parse import ParsedEmail

RECIPIENT_WINDOW = timedelta(days=7)

# A Message-ID header line, possibly folded onto the next line.
_MESSAGE_ID_LINE = re.compile(rb"^message-id:\s*<([^>\s]{3,500})>", re.IGNORECASE | re.MULTILINE)
_DIAGNOSTIC = re.compile(
    rb"^diagnostic-code:\s*(?:[a-z-]+;)?\s*(.+(?:\r?\n[ \t]+.+)*)", re.IGNORECASE | re.MULTILINE
)
_STATUS = re.compile(rb"^status:\s*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.MULTILINE)


def _quoted_ids(raw: bytes, parsed: ParsedEmail) -> list[str]:
    """Message-IDs the report quotes: its In-Reply-To (Exchange sets it), then the
    Message-ID lines of the embedded original. The report's own ID is left out, and so
    are References, which name older messages of the thread that did arrive."""
    own = (parsed.message_id or "").lower()
    found = [i.strip("<>") for i in parsed.in_reply_to]
    blobs = [raw, *(a.payload for a in parsed.attachments if a.size < 2_000_000)]
    for blob in blobs:
        found += [m.decode("latin-1") for m in _MESSAGE_ID_LINE.findall(blob)]
    return [i for i in dict.fromkeys(x.strip() for x in found) if i and i.lower() != own]


def _ours(ids: list[str]) -> list[Message]:
    if not ids:
        return []
    variants = list(dict.fromkeys(ids + [i.lower() for i in ids]))[:100]
    return list(
        Message.objects.filter(direction=Direction.OUTBOUND, message_id__in=variants)
        .exclude(delivery_status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING))
        .select_related("conversation__inbox")
    )


def _by_recipient(report: Message, failed: list[str]) -> list[Message]:
    wanted = {a.lower() for a in failed}
    if not wanted:
        return []
    recent = (
        Message.objects.filter(
            Q(delivery_status=DeliveryStatus.SENT) | Q(delivery_status=DeliveryStatus.BOUNCED),
            direction=Direction.OUTBOUND,
            conversation__inbox_id=report.conversation.inbox_id,
            created_at__gte=clock.now() - RECIPIENT_WINDOW,
        )
        .select_related("conversation__inbox")
        .order_by("-created_at", "-id")[:200]
    )
    for message in recent:
        if wanted & {a.lower() for a in [*message.to, *message.cc, *message.bcc]}:
            return [message]
    return []


def bounced_messages(report: Message, parsed: ParsedEmail, raw: bytes) -> list[Message]:
    """Our messages that the bounce ``report`` (already recorded) is about."""
    found = _ours(_quoted_ids(raw, parsed))
    if found:
        return found
    failed = parsed.bounce.failed_recipients if parsed.bounce else []
    return _by_recipient(report, failed)


def bounce_reason(raw: bytes, parsed: ParsedEmail) -> str:
    """The receiving server's words, as the report quotes them."""
    diagnostic = _DIAGNOSTIC.search(raw)
    status = _STATUS.search(raw)
    parts = []
    if status:
        parts.append(status.group(1).decode("latin-1"))
    if diagnostic:
        parts.append(" ".join(diagnostic.group(1).decode("utf-8", "replace").split()))
    if parts:
        return " ".join(parts)[:500]
    failed = ", ".join(parsed.bounce.failed_recipients) if parsed.bounce else ""
    subject = parsed.subject.strip()
    return (f"{subject}: {failed}" if failed else subject)[:500]
