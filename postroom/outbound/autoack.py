"""Whether a received email gets the inbox's "we got your message" acknowledgement.

RFC 3834 (automatic responses) and loop safety: only a person's first message of a new
conversation is answered; never automatic mail (Auto-Submitted, Precedence, X-Autoreply
and the like, which the parser folds into ``auto_submitted``), bounces, mailing lists,
a null envelope sender, or addresses that say nobody reads them. A sender gets at most
one acknowledgement per inbox per period, and one email at most one at all.
"""

from __future__ import annotations

import re
from datetime import timedelta

from postroom.automation.models import AutoReplySent
from postroom.core import clock
from postroom.inbox.models import Direction, Message, MessageKind
from postroom.mail.models import RawMessage
from postroom.mail.parsing.parse import ParsedEmail, parse_email
from postroom.outbound.compose import our_addresses
from postroom.outbound.models import AutoAck

# Local parts of addresses that nobody reads or that belong to software.
_UNATTENDED = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply[-+_.].*|.*[-_.]no[-_.]?reply|"
    r"mailer[-_.]?daemon|postmaster|bounces?|.*[-_.+]bounces?|owner-.+|.+-owner|.+-request|"
    r"listserv|majordomo|mailman|notifications?|automailer|auto[-_.]?reply)$",
    re.IGNORECASE,
)


def unattended(address: str) -> bool:
    local = address.rpartition("@")[0].strip('"')
    return not local or bool(_UNATTENDED.match(local))


def source_key(message: Message, parsed: ParsedEmail) -> str:
    """What identifies the received email across inboxes: its Message-ID."""
    if parsed.message_id:
        return f"mid:{parsed.message_id.strip('<>').lower()}"
    return f"msg:{message.pk}"


def acknowledge_to(message: Message, parsed: ParsedEmail, envelope_from: str) -> str | None:
    """The address to acknowledge ``message`` to, or None when it must not be."""
    conversation = message.conversation
    # The cheap tests first: this runs for every email digested.
    if message.direction != Direction.INBOUND or message.kind != MessageKind.NORMAL:
        return None
    if conversation.message_count != 1:
        return None  # not a new conversation
    inbox = conversation.inbox
    if not inbox.auto_ack_enabled:
        return None
    if parsed.auto_submitted or parsed.bounce is not None:
        return None
    if envelope_from.strip() == "<>":  # only bounces travel with a null sender
        return None
    address = (parsed.from_.email if parsed.from_ else "") or message.from_email
    if not address or "@" not in address or unattended(address):
        return None
    if Message.objects.filter(conversation=conversation).exclude(pk=message.pk).exists():
        return None  # not a new conversation
    since = clock.now() - timedelta(hours=inbox.auto_ack_period_hours)
    if AutoAck.objects.filter(
        inbox=conversation.inbox, email=address.lower(), created_at__gte=since
    ).exists():
        return None
    if AutoAck.objects.filter(source_key=source_key(message, parsed)).exists():
        return None
    return address


# A rule's automatic reply answers one address at most once in this long (per rule), as
# vacation responders do (RFC 3834 section 2 suggests days, not hours).
AUTO_REPLY_PERIOD = timedelta(days=4)
_KIND_REASONS: dict[str, str] = {
    MessageKind.AUTO_REPLY: "auto-reply",
    MessageKind.BOUNCE: "bounce",
    MessageKind.LIST: "mailing list",
}


def reply_refusal(message: Message | None, rule_id: int) -> str | None:
    """Why a rule's ``reply_template`` step must not answer ``message`` (the run log
    shows "not sent: …"), or None when it may. RFC 3834: never automatic mail, bounces,
    lists, a null envelope sender, unattended or our own addresses; once per address
    per rule per :data:`AUTO_REPLY_PERIOD`."""
    if message is None or message.direction != Direction.INBOUND:
        return "no customer message"
    if message.kind in _KIND_REASONS:
        return _KIND_REASONS[message.kind]
    address = message.from_email.strip()
    if not address or "@" not in address:
        return "no address"
    if unattended(address):
        return "no-reply address"
    if address.lower() in our_addresses():
        return "our own address"
    raw = RawMessage.objects.filter(message=message).order_by("pk").first()
    if raw is not None:
        if raw.envelope_from.strip() == "<>":
            return "bounce"
        # Auto-Submitted, Precedence: bulk, X-Loop and the like on a message otherwise
        # read as normal: the parser's loop-safety answer.
        if parse_email(bytes(raw.data)).auto_submitted:
            return "automatic mail"
    since = clock.now() - AUTO_REPLY_PERIOD
    if AutoReplySent.objects.filter(
        rule_id=rule_id, email=address.lower(), sent_at__gte=since
    ).exists():
        return f"replied to {address.lower()} in the last {AUTO_REPLY_PERIOD.days} days"
    return None
