"""Putting a recorded outbound message into the outbox.

Undo and send later are not special cases: both only move the moment the row becomes
due. Called by the message actions inside their transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.models import Conversation, Message
from postroom.outbound.config import undo_seconds
from postroom.outbound.models import Draft, OutboxItem

# Set when something became due at once (a retry, "send now"), so the loop wakes early.
outbox_wakeup = threading.Event()

# Send later within this horizon; further out is most likely a typo in the year.
MAX_SCHEDULE = timedelta(days=366)


def check_send_at(send_at: datetime | None) -> datetime | None:
    """Validate a "send later" time: aware, in the future, within a year."""
    if send_at is None:
        return None
    if send_at.tzinfo is None:
        raise ValidationError({"send_at": _("The time needs a time zone.")})
    now = clock.now()
    if send_at <= now:
        raise ValidationError({"send_at": _("Pick a time in the future.")})
    if send_at > now + MAX_SCHEDULE:
        raise ValidationError({"send_at": _("Pick a time within a year.")})
    return send_at


@dataclass(frozen=True)
class Threading:
    in_reply_to: str = ""
    references: tuple[str, ...] = ()


def enqueue(
    message: Message,
    *,
    mode: str,
    sent_text: str,
    sent_html: str,
    reply_to: list[str],
    threading_headers: Threading,
    quoted: Message | None = None,
    send_at: datetime | None = None,
    auto_submitted: bool = False,
) -> OutboxItem:
    """Queue ``message``; call inside the transaction that created it.

    Automatic mail (``auto_submitted``) skips the undo window: nobody is there to undo it.
    """
    inbox = message.conversation.inbox
    now = clock.now()
    undo_until = now if auto_submitted else now + timedelta(seconds=undo_seconds(inbox))
    due = max(undo_until, send_at) if send_at is not None else undo_until
    item = OutboxItem.objects.create(
        message=message,
        inbox=inbox,
        mode=mode,
        due_at=due,
        release_at=due,
        undo_until=undo_until,
        scheduled=send_at is not None,
        envelope_from=inbox.address,
        reply_to=reply_to,
        in_reply_to=threading_headers.in_reply_to,
        references=list(threading_headers.references),
        text=sent_text,
        html=sent_html,
        quoted_message=quoted,
        auto_submitted=auto_submitted,
        created_at=now,
    )
    if due <= now:
        transaction.on_commit(outbox_wakeup.set)
    return item


def consume_draft(author: User, conversation: Conversation | None, inbox_id: int) -> None:
    """Sending replaces the author's draft (brought back by an earlier undo)."""
    drafts = Draft.objects.filter(author=author, inbox_id=inbox_id)
    drafts.filter(conversation=conversation).delete()
