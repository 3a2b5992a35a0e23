"""Messages: receiving a customer's message and recording an agent's reply."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.markdown import markdown_to_text, render_markdown
from postroom.core.subjects import normalize_subject
from postroom.core.tokens import message_id_for
from postroom.inbox.access import inbox_level
from postroom.inbox.actions._log import record
from postroom.inbox.actors import CUSTOMER, Actor
from postroom.inbox.attachments import store_attachment
from postroom.inbox.models import (
    AccessLevel,
    Contact,
    Conversation,
    DeliveryStatus,
    Direction,
    Inbox,
    Message,
    MessageKind,
    Status,
)

MAX_REPLY_LENGTH = 100_000


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False


_MARKUP = str.maketrans("", "", "*_`#>")


def _preview(text: str) -> str:
    """First words of a message for the list, without Markdown emphasis marks."""
    return " ".join(text.translate(_MARKUP).split())[:200]


def _contact_for(email: str, name: str) -> Contact:
    contact, created = Contact.objects.get_or_create(
        email=email.lower(), defaults={"name": name[:200]}
    )
    if not created and name and not contact.name:
        contact.name = name[:200]
        contact.save(update_fields=["name"])
    return contact


@transaction.atomic
def do_receive_message(
    inbox: Inbox,
    *,
    from_email: str,
    from_name: str = "",
    subject: str = "",
    text: str = "",
    html: str = "",
    visible_text: str | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    message_id: str = "",
    kind: str = MessageKind.NORMAL,
    attachments: list[NewAttachment] | None = None,
    received_at: datetime | None = None,
    conversation: Conversation | None = None,
    thread_reason: str = "",
    direction: str = Direction.INBOUND,
    actor: Actor = CUSTOMER,
) -> Message:
    """Store a received message, in ``conversation`` or in a new one.

    ``html`` must already be sanitised. A customer message reopens a pending or snoozed
    conversation. ``direction=OUTBOUND`` records a copy of mail our side sent elsewhere
    (an imported Sent folder, a teammate's Cc): the contact is then its first recipient.
    """
    now = received_at or clock.now()
    outbound = direction == Direction.OUTBOUND
    visible = text if visible_text is None else visible_text
    is_new = conversation is None
    if conversation is None:
        if outbound:
            contact = _contact_for(to[0], "") if to else None
        else:
            contact = _contact_for(from_email, from_name) if from_email else None
        conversation = Conversation.objects.create(
            inbox=inbox,
            contact=contact,
            subject=subject[:500],
            subject_key=normalize_subject(subject),
            preview=_preview(visible),
            message_count=1,
            created_at=now,
            last_activity_at=now,
        )
        thread_reason = thread_reason or _("new conversation")
        record(
            "conversation.created",
            actor=actor,
            conversation=conversation,
            data={"subject": conversation.subject},
        )
    message = Message.objects.create(
        conversation=conversation,
        direction=direction,
        kind=kind,
        from_name=from_name[:200],
        from_email=from_email,
        to=to or [],
        cc=cc or [],
        subject=subject[:500],
        text=text,
        html=html,
        visible_text=visible,
        message_id=message_id[:500] or _new_message_id(inbox),
        delivery_status=DeliveryStatus.SENT if outbound else DeliveryStatus.RECEIVED,
        thread_reason=thread_reason[:200],
        created_at=now,
    )
    for item in attachments or []:
        store_attachment(
            message,
            filename=item.filename,
            content_type=item.content_type,
            payload=item.payload,
            content_id=item.content_id,
            inline=item.inline,
        )
    if is_new:
        fields: list[str] = []
    else:
        conversation.message_count += 1
        fields = ["message_count"]
        if now >= conversation.last_activity_at:  # an imported older message keeps the order
            conversation.last_activity_at = now
            conversation.preview = _preview(visible)
            fields += ["last_activity_at", "preview"]
    if (
        conversation.status in (Status.PENDING, Status.SNOOZED)
        and kind == MessageKind.NORMAL
        and not outbound
    ):
        previous = conversation.status
        conversation.status = Status.OPEN
        conversation.snoozed_until = None
        fields += ["status", "snoozed_until"]
        record(
            "conversation.reopened",
            actor=actor,
            conversation=conversation,
            data={"from": previous, "to": Status.OPEN, "reason": "customer replied"},
            event="conversation.status",
        )
    if fields:
        conversation.save(update_fields=fields)
    record(
        "message.received",
        actor=actor,
        conversation=conversation,
        target=message,
        data={"message": message.pk, "from": from_email},
    )
    return message


def _domain(inbox: Inbox) -> str:
    return inbox.address.rpartition("@")[2] or "postroom.invalid"


def _new_message_id(inbox: Inbox) -> str:
    return f"{secrets.token_hex(12)}@{_domain(inbox)}"


def sender_identity(user: User, inbox: Inbox, level: int) -> tuple[str, str, str]:
    """(From name, From address, Sender address) for a reply by ``user`` at ``level``.

    Send as: purely the inbox. Reply on behalf: the inbox address, the agent named in the
    display name and in Sender.
    """
    if level >= AccessLevel.SEND_AS:
        return inbox.name, inbox.address, ""
    return (
        _("%(agent)s via %(inbox)s") % {"agent": user.name, "inbox": inbox.name},
        inbox.address,
        user.email,
    )


def check_can_reply(user: User, conversation: Conversation) -> int:
    level = inbox_level(user, conversation.inbox_id) or 0
    if level < AccessLevel.REPLY_ON_BEHALF:
        raise PermissionDenied(_("You may read this inbox but not reply from it."))
    return level


def _check_addresses(field: str, addresses: list[str]) -> list[str]:
    cleaned = []
    for address in addresses:
        address = address.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(
                {field: _("%(address)s is not an email address.") % {"address": address}}
            ) from exc
        cleaned.append(address)
    return cleaned


@transaction.atomic
def do_reply(
    conversation: Conversation,
    body: str,
    *,
    actor: User,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    attachments: list[NewAttachment] | None = None,
) -> Message:
    """Record an agent's reply as a queued outbound message (the outbox sends it)."""
    level = check_can_reply(actor, conversation)
    if not body.strip():
        raise ValidationError({"body": _("The reply is empty.")})
    if len(body) > MAX_REPLY_LENGTH:
        raise ValidationError({"body": _("The reply is too long.")})
    recipients = _check_addresses(
        "to",
        to if to is not None else ([conversation.contact.email] if conversation.contact else []),
    )
    if not recipients:
        raise ValidationError({"to": _("Add at least one recipient.")})
    inbox = conversation.inbox
    from_name, from_email, sender = sender_identity(actor, inbox, level)
    now = clock.now()
    subject = conversation.subject
    if subject and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        author=actor,
        from_name=from_name[:200],
        from_email=from_email,
        sender_email=sender,
        to=recipients,
        cc=_check_addresses("cc", cc or []),
        bcc=_check_addresses("bcc", bcc or []),
        subject=subject[:500],
        text=markdown_to_text(body),
        html=render_markdown(body),
        visible_text=body.strip(),
        message_id=message_id_for(conversation.pk, _domain(inbox)),
        delivery_status=DeliveryStatus.QUEUED,
        created_at=now,
    )
    for item in attachments or []:
        store_attachment(
            message, filename=item.filename, content_type=item.content_type, payload=item.payload
        )
    conversation.message_count += 1
    conversation.last_activity_at = now
    conversation.preview = _preview(body)
    conversation.save(update_fields=["message_count", "last_activity_at", "preview"])
    record(
        "message.replied",
        actor=actor,
        conversation=conversation,
        target=message,
        data={"message": message.pk, "to": recipients},
    )
    return message
