"""Reactors on received mail (they only call actions; see postroom.events.reactors).

- ``bounces``: a bounce (DSN) for one of our messages marks that message bounced, and
  the report joins the message's conversation when it arrived as a conversation of its
  own.
- ``auto_ack``: a person's first message of a new conversation may get the inbox's
  acknowledgement (RFC 3834-safe; see ``postroom.outbound.autoack``).

Both read the stored raw email again: what they need (the DSN's parts, Auto-Submitted
and the envelope sender) is not kept on the message. They exit cheaply first, so most
mail is never parsed twice: only bounces, and new conversations in inboxes that send
acknowledgements.
"""

from __future__ import annotations

from postroom.events.models import LoggedEvent
from postroom.inbox.actions import do_merge_conversations
from postroom.inbox.actions.delivery import do_mark_bounced, do_send_auto_ack
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Direction, Message, MessageKind
from postroom.mail.models import RawMessage, Source
from postroom.mail.parsing.parse import ParsedEmail, parse_email
from postroom.outbound.autoack import acknowledge_to, source_key
from postroom.outbound.bounces import bounce_reason, bounced_messages


def _received(event: LoggedEvent, kind: str) -> tuple[Message, RawMessage] | None:
    data = event.data
    if data.get("direction") != Direction.INBOUND or data.get("kind") != kind:
        return None
    message = (
        Message.objects.filter(pk=int(data["message"]))
        .select_related("conversation__inbox")
        .first()
    )
    if message is None:
        return None  # merged away or purged since
    raw = RawMessage.objects.filter(message=message).order_by("pk").first()
    if raw is None:
        return None  # not from mail (the API, the demo)
    return message, raw


def match_bounce(event: LoggedEvent) -> None:
    found = _received(event, MessageKind.BOUNCE)
    if found is None:
        return
    report, raw = found
    payload = bytes(raw.data)
    parsed = parse_email(payload)
    if parsed.bounce is not None and parsed.bounce.permanent is False:
        return  # "delayed": the server is still trying; nothing failed yet
    messages = bounced_messages(report, parsed, payload)
    if not messages:
        return
    reason = bounce_reason(payload, parsed)
    failed = parsed.bounce.failed_recipients if parsed.bounce else []
    for message in messages:
        do_mark_bounced(message, recipients=failed, reason=reason, dsn=report)
    home = messages[0].conversation
    report.refresh_from_db()
    alone = (
        not Message.objects.filter(conversation=report.conversation).exclude(pk=report.pk).exists()
    )
    same_inbox = report.conversation.inbox_id == home.inbox_id
    if alone and same_inbox and report.conversation_id != home.pk:
        do_merge_conversations(home, report.conversation, actor=SYSTEM)


def acknowledge(event: LoggedEvent) -> None:
    if not event.data.get("new_conversation"):
        return
    found = _received(event, MessageKind.NORMAL)
    if found is None:
        return
    message, raw = found
    if raw.source == Source.IMPORT:
        return  # history being imported was answered long ago
    if not message.conversation.inbox.auto_ack_enabled:
        return  # before parsing: most inboxes send none
    parsed: ParsedEmail = parse_email(bytes(raw.data))
    address = acknowledge_to(message, parsed, raw.envelope_from)
    if address is None:
        return
    name = parsed.from_.name if parsed.from_ else message.from_name
    do_send_auto_ack(message, to=address, name=name, source_key=source_key(message, parsed))
