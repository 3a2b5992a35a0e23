"""Putting a recorded outbound message into the outbox.

Undo and send later are not special cases: both only move the moment the row becomes
due. Called by the message actions inside their transaction.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.models import Conversation, Inbox, Message
from postroom.outbound.config import undo_seconds
from postroom.outbound.models import ComposeMode, Draft, OutboxItem
from postroom.ratings.links import mode_of, with_footer
from postroom.ratings.models import RatingMode

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
    inbox: Inbox | None = None,
) -> OutboxItem:
    """Queue ``message`` to go out through ``inbox`` (by default its conversation's home
    inbox); call inside the transaction that created it.

    Automatic mail (``auto_submitted``) skips the undo window: nobody is there to undo it.
    A reply through an inbox that asks for a rating in every reply gets the rating
    footer here, so the stored bodies are what every attempt sends (docs/ratings.md).
    """
    inbox = inbox or message.conversation.inbox
    if (
        mode in (ComposeMode.REPLY, ComposeMode.REPLY_ALL)
        and not auto_submitted
        and mode_of(inbox) == RatingMode.EVERY_REPLY
    ):
        sent_text, sent_html = with_footer(sent_text, sent_html, message)
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


class File(Protocol):
    """A file being sent (``NewAttachment``): kept with a draft when the send is held."""

    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def payload(self) -> bytes: ...


def _store_file(payload: bytes) -> str:
    """Content-addressed like message attachments, so a file kept twice is stored once."""
    digest = hashlib.sha256(payload).hexdigest()
    path = f"attachments/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(payload))
    return path


def keep_draft(
    author: User,
    inbox: Inbox,
    conversation: Conversation | None,
    *,
    mode: str,
    source_message: Message | None = None,
    subject: str = "",
    body: str = "",
    to: list[str] | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    quote: bool = True,
    attachments: Iterable[File] = (),
) -> Draft:
    """Keep what ``author`` was writing as their draft, files included, replacing the one
    they had. Call inside the action's transaction (a held reply, an explicit save)."""
    Draft.objects.filter(author=author, inbox=inbox, conversation=conversation).delete()
    return Draft.objects.create(
        author=author,
        inbox=inbox,
        conversation=conversation,
        mode=mode if mode in ComposeMode.values else ComposeMode.REPLY,
        source_message=source_message,
        subject=subject[:500],
        body=body[:100_000],
        to=to or [],
        cc=cc or [],
        bcc=bcc or [],
        quote=quote,
        attachments=[
            {
                "filename": a.filename[:255],
                "content_type": a.content_type[:150],
                "size": len(a.payload),
                "path": _store_file(a.payload),
            }
            for a in attachments
        ],
        created_at=clock.now(),
    )
