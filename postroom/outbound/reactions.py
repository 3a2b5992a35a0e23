"""What the outbox does about a freshly digested email (a reactor: it only calls actions).

- A bounce (DSN) for one of our messages marks that message bounced, and the report
  joins the message's conversation when it arrived as a conversation of its own.
- A person's first message of a new conversation may get the inbox's acknowledgement.

Called once at the end of ``postroom.mail.digest.digest.digest_one``, inside its transaction.
A failure here is logged and rolled back on its own: it never costs the received email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from postroom.inbox.actions import _log, do_merge_conversations
from postroom.inbox.actions.delivery import do_mark_bounced, do_send_auto_ack
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Activity, Message
from postroom.mail.models import RawMessage
from postroom.mail.parsing.parse import ParsedEmail
from postroom.outbound.autoack import acknowledge_to, source_key
from postroom.outbound.bounces import bounce_reason, bounced_messages

log = logging.getLogger(__name__)


def _bounce_plan(report: Message, parsed: ParsedEmail, raw: bytes) -> Callable[[], None] | None:
    if parsed.bounce is not None and parsed.bounce.permanent is False:
        return None  # "delayed": the server is still trying; nothing failed yet
    found = bounced_messages(report, parsed, raw)
    if not found:
        return None
    reason = bounce_reason(raw, parsed)
    failed = parsed.bounce.failed_recipients if parsed.bounce else []

    def apply() -> None:
        for message in found:
            do_mark_bounced(message, recipients=failed, reason=reason, dsn=report)
        home = found[0].conversation
        alone = (
            not Message.objects.filter(conversation=report.conversation)
            .exclude(pk=report.pk)
            .exists()
        )
        same_inbox = report.conversation.inbox_id == home.inbox_id
        if alone and same_inbox and report.conversation_id != home.pk:
            do_merge_conversations(home, report.conversation, actor=SYSTEM)

    return apply


def _plan(message: Message, parsed: ParsedEmail, raw: RawMessage) -> Callable[[], None] | None:
    """What to do, decided by reading only (most mail needs nothing)."""
    if parsed.kind == "bounce":
        return _bounce_plan(message, parsed, bytes(raw.data))
    address = acknowledge_to(message, parsed, raw.envelope_from)
    if address is None:
        return None
    name = parsed.from_.name if parsed.from_ else message.from_name
    key = source_key(message, parsed)

    def apply() -> None:
        do_send_auto_ack(message, to=address, name=name, source_key=key)

    return apply


def outbound_reactions(message: Message, parsed: ParsedEmail, raw: RawMessage) -> None:
    """Bounce matching and auto-acknowledgement for one digested email."""
    plan = _plan(message, parsed, raw)
    if plan is None:
        return
    # Activity rows the digest batched so far are written first, so that rolling back
    # this savepoint can only ever discard rows of its own.
    pending = _log._pending.get()
    if pending:
        Activity.objects.bulk_create(pending, batch_size=500)
        pending.clear()
    try:
        with transaction.atomic():
            plan()
    except Exception:
        log.exception("outbound reactions failed for message %s", message.pk)
        if pending is not None:
            pending.clear()
