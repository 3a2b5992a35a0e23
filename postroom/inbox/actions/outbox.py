"""Actions on the outbox that people take: undo (cancel), retry and send now. Each runs
in one transaction with its activity row.

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
from postroom.inbox.access import require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.reshape import refresh_counters
from postroom.inbox.models import AccessLevel, DeliveryStatus, Message
from postroom.outbound.models import ComposeMode, Draft, OutboxItem, OutboxState
from postroom.outbound.outbox import outbox_wakeup


def _check_may_change(user: User, message: Message, action: str) -> OutboxItem:
    """The author, or a manager of the inbox, may cancel, retry or hurry a message."""
    level = require_on(user, action, message.conversation)
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
        refresh_counters(conversation)
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
