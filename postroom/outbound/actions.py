"""Actions on the outbox that people take: undo (cancel), retry, send now, drafts, and
the inbox's sending settings. Each runs in one transaction with its activity row.

Cancelling is a compare-and-set on the outbox row (queued or failed → gone), so it can
never race the loop into sending a message that was undone.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.crypto import encrypt
from postroom.inbox.access import require
from postroom.inbox.actions._log import record
from postroom.inbox.actions.messages import NewAttachment
from postroom.inbox.actions.reshape import _refresh_counters
from postroom.inbox.models import AccessLevel, Conversation, DeliveryStatus, Inbox, Message
from postroom.outbound.config import PROVIDERS
from postroom.outbound.models import (
    ComposeMode,
    Draft,
    OutboundSettings,
    OutboxItem,
    OutboxState,
    SmtpSecurity,
    Transport,
)
from postroom.outbound.outbox import keep_draft, outbox_wakeup

MAX_UNDO_SECONDS = 120


def _check_may_change(user: User, message: Message, action: str) -> OutboxItem:
    """The author, or a manager of the inbox, may cancel, retry or hurry a message."""
    level = require(user, action, message.conversation.inbox_id)
    if message.author_id != user.pk and level < AccessLevel.MANAGE:
        raise PermissionDenied(_("Only its author or a manager of the inbox may change it."))
    item = OutboxItem.objects.filter(message=message).first()
    if item is None:
        raise ValidationError({"message": _("This message is not in the outbox.")})
    return item


def _draft_attachments(message: Message) -> list[dict[str, Any]]:
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "path": a.file.name,
        }
        for a in message.attachments.all()
        if not a.inline
    ]


@transaction.atomic
def do_cancel_send(message: Message, *, actor: User) -> Draft:
    """Undo: take a message that has not gone out back out of the outbox.

    Works while it waits (undo window, scheduled, retrying) or after it failed; never
    once the loop has claimed it. The message disappears from the conversation and comes
    back as the actor's draft; a new conversation that held only it goes too.
    """
    item = _check_may_change(actor, message, "do_cancel_send")
    taken = OutboxItem.objects.filter(
        pk=item.pk, state__in=(OutboxState.QUEUED, OutboxState.FAILED)
    ).delete()[0]
    if not taken:
        raise ValidationError({"message": _("Too late to undo: it is being sent or was sent.")})
    conversation = message.conversation
    inbox = conversation.inbox
    only_message = (
        not Message.objects.filter(conversation=conversation).exclude(pk=message.pk).exists()
    )
    keep_conversation = None if only_message and item.mode == ComposeMode.NEW else conversation
    Draft.objects.filter(author=actor, inbox=inbox, conversation=keep_conversation).delete()
    draft = Draft.objects.create(
        author=actor,
        inbox=inbox,
        conversation=keep_conversation,
        mode=item.mode,
        source_message=item.quoted_message,
        subject=message.subject,
        body=message.visible_text,
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        quote=item.quoted_message_id is not None,
        attachments=_draft_attachments(message),
        created_at=clock.now(),
    )
    data = {"message": message.pk, "subject": message.subject, "state": item.state}
    message.delete()
    if keep_conversation is None:
        record("message.unsent", actor=actor, inbox=inbox, data=data)
        conversation.delete()
    else:
        _refresh_counters(conversation)
        record("message.unsent", actor=actor, conversation=conversation, data=data)
    return draft


@transaction.atomic
def do_retry_send(message: Message, *, actor: User) -> None:
    """Send a failed message again, with a fresh count of attempts."""
    item = _check_may_change(actor, message, "do_retry_send")
    now = clock.now()
    moved = OutboxItem.objects.filter(pk=item.pk, state=OutboxState.FAILED).update(
        state=OutboxState.QUEUED, attempts=0, due_at=now, last_error=""
    )
    if not moved:
        raise ValidationError({"message": _("Only a failed message can be retried.")})
    Message.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.QUEUED)
    record(
        "message.retried",
        actor=actor,
        conversation=message.conversation,
        target=message,
        data={"message": message.pk, "after": item.last_error[:300]},
    )
    transaction.on_commit(outbox_wakeup.set)


@transaction.atomic
def do_send_now(message: Message, *, actor: User) -> None:
    """Send a waiting message (scheduled, or in its undo window) at once."""
    item = _check_may_change(actor, message, "do_send_now")
    now = clock.now()
    moved = OutboxItem.objects.filter(pk=item.pk, state=OutboxState.QUEUED, due_at__gt=now).update(
        due_at=now, release_at=now, undo_until=now
    )
    if not moved:
        return  # already due or gone: nothing to hurry
    record(
        "message.send_now",
        actor=actor,
        conversation=message.conversation,
        target=message,
        data={"message": message.pk},
    )
    transaction.on_commit(outbox_wakeup.set)


@transaction.atomic
def do_save_draft(
    *,
    actor: User,
    inbox: Inbox,
    conversation: Conversation | None,
    mode: str,
    source_message: Message | None = None,
    subject: str = "",
    body: str = "",
    to: list[str] | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    quote: bool = True,
    attachments: list[NewAttachment] | None = None,
) -> Draft:
    """Keep what the actor was writing (e.g. when sending was refused), files included."""
    require(actor, "do_save_draft", inbox.pk)
    return keep_draft(
        actor,
        inbox,
        conversation,
        mode=mode,
        source_message=source_message,
        subject=subject,
        body=body,
        to=to,
        cc=cc,
        bcc=bcc,
        quote=quote,
        attachments=attachments or [],
    )


@transaction.atomic
def do_discard_draft(*, actor: User, inbox: Inbox, conversation: Conversation | None) -> None:
    """Throw away the actor's own draft (of ``conversation``, or the compose page's)."""
    require(actor, "do_discard_draft", inbox.pk)
    Draft.objects.filter(author=actor, inbox=inbox, conversation=conversation).delete()


def _clean_settings(row: OutboundSettings) -> None:
    if row.transport not in Transport.values:
        raise ValidationError({"transport": _("Choose how this inbox sends.")})
    if row.transport == Transport.SMTP:
        if not row.smtp_host.strip():
            raise ValidationError({"smtp_host": _("Enter the SMTP server's host name.")})
        if not 0 < row.smtp_port < 65536:
            raise ValidationError({"smtp_port": _("Enter a port between 1 and 65535.")})
        if row.smtp_security not in SmtpSecurity.values:
            raise ValidationError({"smtp_security": _("Choose STARTTLS, TLS or none.")})
    if row.transport == Transport.PROVIDER and row.provider not in PROVIDERS:
        raise ValidationError({"provider": _("Choose a provider.")})
    if row.undo_seconds is not None and not 0 <= row.undo_seconds <= MAX_UNDO_SECONDS:
        raise ValidationError(
            {"undo_seconds": _("Choose between 0 and %(max)d seconds.") % {"max": MAX_UNDO_SECONDS}}
        )
    if not 1 <= row.auto_ack_period_hours <= 24 * 90:
        raise ValidationError({"auto_ack_period_hours": _("Choose between 1 and 2160 hours.")})


@transaction.atomic
def do_configure_outbound(
    inbox: Inbox,
    *,
    actor: User,
    smtp_password: str | None = None,
    provider_secret: str | None = None,
    **fields: Any,
) -> OutboundSettings:
    """Save how ``inbox`` sends. Secrets are stored encrypted; ``None`` keeps the old one.

    ``fields`` are :class:`OutboundSettings` fields (transport, smtp_host, ...).
    """
    require(actor, "do_configure_outbound", inbox.pk)
    allowed = {f.name for f in OutboundSettings._meta.concrete_fields} - {
        "id",
        "inbox",
        "smtp_password",
        "provider_secret",
        "updated_at",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    row = OutboundSettings.objects.select_for_update().filter(inbox=inbox).first()
    row = row or OutboundSettings(inbox=inbox)
    for name, value in fields.items():
        setattr(row, name, value)
    if smtp_password is not None:
        row.smtp_password = encrypt(smtp_password)
    if provider_secret is not None:
        row.provider_secret = encrypt(provider_secret)
    _clean_settings(row)
    row.updated_at = clock.now()
    row.save()
    record(
        "inbox.outbound_configured",
        actor=actor,
        inbox=inbox,
        data={
            "transport": row.transport,
            "auto_ack": row.auto_ack_enabled,
            "undo_seconds": row.undo_seconds,
        },
    )
    return row
