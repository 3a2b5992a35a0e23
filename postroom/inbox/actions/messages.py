"""Messages: receiving a customer's message (on any channel, as an
:class:`InboundMessage`); replying, forwarding and writing first.

Outbound messages are recorded here and queued in the outbox (postroom/outbound/, see
docs/outbound.md), which sends them once their undo delay or scheduled time has passed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.subjects import normalize_subject
from postroom.core.thanks import only_thanks
from postroom.core.tokens import message_id_for
from postroom.inbox.access import allowed_at, conversation_inbox_ids, inbox_levels, require
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.assign import do_assign
from postroom.inbox.actions.collision import Collision, Newer, Seen, newer_than
from postroom.inbox.actions.contacts import contact_for
from postroom.inbox.actors import CUSTOMER, Actor
from postroom.inbox.attachments import store_attachment
from postroom.inbox.models import (
    AccessLevel,
    Channel,
    Contact,
    Conversation,
    ConversationParticipant,
    DeliveryStatus,
    Direction,
    IdentityKind,
    Inbox,
    Message,
    MessageKind,
    ParticipantRole,
    Status,
)
from postroom.inbox.models.contact import IDENTITY_OF_CHANNEL
from postroom.outbound import compose
from postroom.outbound.models import ComposeMode
from postroom.outbound.outbox import Threading, check_send_at, consume_draft, enqueue, keep_draft
from postroom.saved.variables import left_to_fill

MAX_REPLY_LENGTH = 100_000


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False


_MARKUP = str.maketrans("", "", "*_`#>")


def preview_text(text: str) -> str:
    """First words of a message for the list, without Markdown emphasis marks."""
    return " ".join(text.translate(_MARKUP).split())[:200]


@dataclass(frozen=True)
class InboundMessage:
    """One message as it arrived, on any channel: what the connector knows of it.

    ``sender`` and the recipients are identities on ``channel`` (email addresses today,
    phone numbers or chat handles later). ``html`` must already be sanitised;
    ``visible_text`` is the text without quoted history (default: all of ``text``);
    ``message_id`` the channel's own id for it (a Message-ID header); ``received_at``
    when it was sent (default: now). ``direction=OUTBOUND`` is a copy of a message our
    side sent elsewhere (an imported Sent folder, a teammate's Cc).
    """

    sender: str
    sender_name: str = ""
    channel: str = Channel.EMAIL
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    subject: str = ""
    text: str = ""
    html: str = ""
    visible_text: str | None = None
    message_id: str = ""
    kind: str = MessageKind.NORMAL
    attachments: Sequence[NewAttachment] = ()
    received_at: datetime | None = None
    direction: str = Direction.INBOUND
    # Other customers on the message, as (role, identity): "to", "cc" or "reply_to"
    # (ParticipantRole). The connector leaves out our own addresses; they become
    # contacts and participants of the conversation.
    participants: Sequence[tuple[str, str]] = ()


def _contact_of(inbound: InboundMessage) -> Contact | None:
    """The customer: the sender, or on a copy of our own message its first recipient."""
    kind = IDENTITY_OF_CHANNEL[inbound.channel]
    if inbound.direction == Direction.OUTBOUND:
        return contact_for(kind, inbound.to[0]) if inbound.to else None
    return contact_for(kind, inbound.sender, inbound.sender_name) if inbound.sender else None


def _add_participants(conversation: Conversation, inbound: InboundMessage, now: datetime) -> None:
    """The message's other customers as contacts on the conversation, each once (the
    first role they came with is kept)."""
    kind = IDENTITY_OF_CHANNEL[inbound.channel]
    have = set(conversation.participants.values_list("contact_id", flat=True))
    for role, value in inbound.participants:
        if role not in ParticipantRole.values or not value.strip():
            continue
        contact = contact_for(kind, value)
        if contact.pk == conversation.contact_id or contact.pk in have:
            continue
        ConversationParticipant.objects.create(
            conversation=conversation, contact=contact, role=role, created_at=now
        )
        have.add(contact.pk)


def _only_thanks_to_keep(conversation: Conversation, inbox: Inbox, visible: str) -> bool:
    """A closed or snoozed conversation stays so when the reply only says thanks, unless
    its inbox reopens on those too. (Pending waits on the customer: any reply reopens.)"""
    if conversation.status == Status.PENDING:
        return False
    home = inbox if inbox.pk == conversation.inbox_id else conversation.inbox
    return not home.reopen_on_thanks and only_thanks(visible)


@transaction.atomic
def do_receive_message(
    inbox: Inbox,
    inbound: InboundMessage,
    *,
    conversation: Conversation | None = None,
    thread_reason: str = "",
    actor: Actor = CUSTOMER,
) -> Message:
    """Store a received message, in ``conversation`` (where threading placed it, for
    ``thread_reason``) or in a new one, whose contact is found by identity.

    A customer message reopens a pending, snoozed or closed conversation, except one that
    only says thanks to a closed or snoozed one (``Inbox.reopen_on_thanks``).
    """
    require(actor, "do_receive_message")
    now = inbound.received_at or clock.now()
    direction, kind, to = inbound.direction, inbound.kind, list(inbound.to)
    outbound = direction == Direction.OUTBOUND
    visible = inbound.text if inbound.visible_text is None else inbound.visible_text
    subject = inbound.subject
    is_new = conversation is None
    if conversation is None:
        contact = _contact_of(inbound)
        conversation = Conversation.objects.create(
            inbox=inbox,
            contact=contact,
            subject=subject[:500],
            subject_key=normalize_subject(subject),
            preview=preview_text(visible),
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
        channel=inbound.channel,
        direction=direction,
        kind=kind,
        from_name=inbound.sender_name[:200],
        from_email=inbound.sender,
        to=to,
        cc=list(inbound.cc),
        subject=subject[:500],
        text=inbound.text,
        html=inbound.html,
        visible_text=visible,
        message_id=inbound.message_id[:500] or _new_message_id(inbox),
        delivery_status=DeliveryStatus.SENT if outbound else DeliveryStatus.RECEIVED,
        thread_reason=thread_reason[:200],
        created_at=now,
    )
    for item in inbound.attachments:
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
            conversation.preview = preview_text(visible)
            fields += ["last_activity_at", "preview"]
        if now < conversation.created_at:
            # The thread's start arrived after its replies (an import, a backlog): the
            # conversation begins where the thread does, under its first subject.
            conversation.created_at = now
            conversation.subject = subject[:500]
            conversation.subject_key = normalize_subject(subject)
            conversation.contact = _contact_of(inbound)
            fields += ["created_at", "subject", "subject_key", "contact"]
    if (
        conversation.status in (Status.PENDING, Status.SNOOZED, Status.CLOSED)
        and kind == MessageKind.NORMAL
        and not outbound
        and not _only_thanks_to_keep(conversation, inbox, visible)
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
    if not outbound and (
        conversation.last_customer_at is None or now > conversation.last_customer_at
    ):  # unread again for whoever read it before (ReadMark)
        conversation.last_customer_at = now
        fields.append("last_customer_at")
    if fields:
        conversation.save(update_fields=fields)
    if inbound.participants:
        _add_participants(conversation, inbound, now)
    record(
        "message.received",
        actor=actor,
        conversation=conversation,
        target=message,
        data={
            "message": message.pk,
            "from": inbound.sender,
            "direction": direction,
            "kind": kind,
            "new_conversation": is_new,
        },
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


def check_can_reply(
    user: User, conversation: Conversation, action: str, inbox: Inbox | None = None
) -> tuple[Inbox, int]:
    """The inbox a reply goes from and the user's level on it (the level chooses the
    sender identity), by the policy's row for ``action`` (do_reply, do_forward); then
    the inbox's own rule that only the assignee replies.

    ``inbox``: the one chosen, which must be one of the conversation's inboxes. Without
    a choice: the first of them (the home inbox first) where the user may reply.
    """
    places = conversation_inbox_ids(conversation)
    if inbox is not None and inbox.pk not in places:
        raise ValidationError(
            {"inbox": _("This conversation is not in %(inbox)s.") % {"inbox": inbox.name}}
        )
    if inbox is None:
        inbox = conversation.inbox
        if len(places) > 1:
            levels = inbox_levels(user)
            mine = [pk for pk in places if allowed_at(action, levels.get(pk, 0))]
            if mine and mine[0] != inbox.pk:
                inbox = Inbox.objects.get(pk=mine[0])
    level = require(user, action, inbox.pk)
    if conversation.is_assigned and not _may_reply_while_assigned(user, conversation):
        raise PermissionDenied(
            _("Only the assignee may reply to this conversation. Take it first to reply.")
        )
    return inbox, level


def _may_reply_while_assigned(user: User, conversation: Conversation) -> bool:
    if not conversation.inbox.only_assignee_replies:
        return True
    if conversation.assignees.filter(pk=user.pk).exists():
        return True
    return (
        conversation.assigned_team_id is not None
        and user.teams.filter(pk=conversation.assigned_team_id).exists()
    )


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


def _check_body(body: str, *, required: bool = True) -> None:
    if required and not body.strip():
        raise ValidationError({"body": _("The reply is empty.")})
    if len(body) > MAX_REPLY_LENGTH:
        raise ValidationError({"body": _("The reply is too long.")})
    # A saved reply's variable with no value is never sent, blank or as written.
    left = left_to_fill(body)
    if left:
        raise ValidationError(
            {
                "body": _("Fill in or remove {{ %(name)s }}: it has no value here.")
                % {"name": left[0]}
            }
        )


def _check_attachments(attachments: list[NewAttachment]) -> None:
    # Providers and receiving servers refuse large mail (Gmail at 25 MB); the upload limit
    # bounds each file, this bounds their sum, so a message never fails for its size.
    if sum(len(a.payload) for a in attachments) > settings.POSTROOM_MAX_UPLOAD_BYTES:
        raise ValidationError({"attachments": _("The attachments are larger than the limit.")})


@dataclass(frozen=True)
class _Outgoing:
    """One outbound message as composed, before it is recorded and queued."""

    mode: str
    subject: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    attachments: list[NewAttachment]
    quote: compose.Quote | None = None
    quoted: Message | None = None
    threading: Threading = field(default_factory=Threading)
    send_at: datetime | None = None


def _queue_outbound(
    conversation: Conversation,
    body: str,
    out: _Outgoing,
    *,
    actor: User,
    inbox: Inbox,
    level: int,
    verb: str,
) -> Message:
    """Record the message with the sender identity for ``level`` and queue it."""
    recipients = _check_addresses("to", out.to)
    if not recipients:
        raise ValidationError({"to": _("Add at least one recipient.")})
    cc = _check_addresses("cc", out.cc)
    bcc = _check_addresses("bcc", out.bcc)
    _check_attachments(out.attachments)
    from_name, from_email, sender = sender_identity(actor, inbox, level)
    parts = compose.bodies(body, signature=compose.signature_for(inbox, actor), quote=out.quote)
    now = clock.now()
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        author=actor,
        from_name=from_name[:200],
        from_email=from_email,
        sender_email=sender,
        to=recipients,
        cc=cc,
        bcc=bcc,
        subject=out.subject[:500],
        text=parts.text,
        html=parts.html,
        visible_text=body.strip(),
        message_id=message_id_for(conversation.pk, _domain(inbox)),
        delivery_status=DeliveryStatus.QUEUED,
        created_at=now,
    )
    for item in out.attachments:
        store_attachment(
            message, filename=item.filename, content_type=item.content_type, payload=item.payload
        )
    conversation.message_count += 1
    conversation.last_activity_at = now
    if body.strip():
        conversation.preview = preview_text(body)
    conversation.save(update_fields=["message_count", "last_activity_at", "preview"])
    enqueue(
        message,
        mode=out.mode,
        sent_text=parts.sent_text,
        sent_html=parts.sent_html,
        reply_to=[compose.reply_to_for(inbox, conversation, with_token=inbox.reply_address_token)],
        threading_headers=out.threading,
        quoted=out.quoted,
        send_at=out.send_at,
        inbox=inbox,
    )
    consume_draft(actor, conversation, conversation.inbox_id)
    data: dict[str, object] = {"message": message.pk, "to": recipients}
    if inbox.pk != conversation.inbox_id:
        data["inbox"] = inbox.pk
    if out.send_at is not None:
        data["send_at"] = out.send_at.isoformat()
    record(verb, actor=actor, conversation=conversation, target=message, data=data)
    return message


def _held(
    conversation: Conversation, seen: Seen | None, *, actor: User, send_anyway: bool
) -> list[Newer]:
    """What arrived since the composer showed ``seen`` (nothing when sending anyway)."""
    if seen is None or send_anyway:
        return []
    return newer_than(conversation, seen, actor=actor)


def _hold(
    conversation: Conversation,
    body: str,
    out: _Outgoing,
    *,
    actor: User,
    source: Message | None,
    quote: bool,
) -> None:
    """Keep a held message as the actor's draft: the composer shows it again, whichever
    entry point sent it (web or API), to send anyway or revise."""
    keep_draft(
        actor,
        conversation.inbox,
        conversation,
        mode=out.mode,
        source_message=source,
        body=body,
        to=out.to,
        cc=out.cc,
        bcc=out.bcc,
        quote=quote,
        attachments=out.attachments,
    )


def do_reply(
    conversation: Conversation,
    body: str,
    *,
    actor: User,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    attachments: list[NewAttachment] | None = None,
    replying_to: Message | None = None,
    reply_all: bool = False,
    quote: bool = True,
    send_at: datetime | None = None,
    seen: Seen | None = None,
    send_anyway: bool = False,
    from_inbox: Inbox | None = None,
) -> Message:
    """Record an agent's reply and queue it in the outbox, sent from ``from_inbox`` (one
    of the conversation's inboxes; by default its home, or the first the actor may reply
    from: :func:`check_can_reply`).

    With ``seen`` (what the composer showed), a reply is held when something newer
    arrived meanwhile, unless ``send_anyway``: nothing is sent, the reply is kept as the
    actor's draft, and :class:`Collision` names the newer items.

    ``replying_to`` is the message answered (by default the customer's newest). Its
    sender gets the reply, with ``reply_all`` its other recipients too, unless ``to`` and
    ``cc`` are given. The reply quotes it unless ``quote`` is false, and goes out after the
    inbox's undo delay, or at ``send_at`` (send later).
    """
    with transaction.atomic():
        inbox, level = check_can_reply(actor, conversation, "do_reply", from_inbox)
        _check_body(body)
        send_at = check_send_at(send_at)
        if replying_to is not None and replying_to.conversation_id != conversation.pk:
            raise ValidationError({"message": _("That message is not in this conversation.")})
        source = replying_to or compose.reply_target(conversation)
        default_to, default_cc = compose.reply_recipients(conversation, source, reply_all=reply_all)
        in_reply_to, references = compose.threading_for(conversation, source)
        out = _Outgoing(
            mode=ComposeMode.REPLY_ALL if reply_all else ComposeMode.REPLY,
            subject=compose.reply_subject(conversation.subject),
            to=default_to if to is None else to,
            cc=default_cc if cc is None else cc,
            bcc=bcc or [],
            attachments=attachments or [],
            quote=compose.quote_reply(source, actor) if quote and source is not None else None,
            quoted=source if quote else None,
            threading=Threading(in_reply_to, tuple(references)),
            send_at=send_at,
        )
        newer = _held(conversation, seen, actor=actor, send_anyway=send_anyway)
        if not newer:
            return _queue_outbound(
                conversation,
                body,
                out,
                actor=actor,
                inbox=inbox,
                level=level,
                verb="message.replied",
            )
        _hold(conversation, body, out, actor=actor, source=replying_to, quote=quote)
    raise Collision(newer)  # after the commit: the draft stays


def do_forward(
    conversation: Conversation,
    message: Message,
    body: str = "",
    *,
    actor: User,
    to: list[str],
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    attachments: list[NewAttachment] | None = None,
    send_at: datetime | None = None,
    seen: Seen | None = None,
    send_anyway: bool = False,
    from_inbox: Inbox | None = None,
) -> Message:
    """Forward ``message`` with the agent's note above it, e.g. to a colleague elsewhere.

    The forward stays in this conversation, and an answer to it comes back here through
    our reply token. ``attachments`` usually repeats the forwarded message's files. Held
    like a reply (:func:`do_reply`) when something newer arrived.
    """
    with transaction.atomic():
        inbox, level = check_can_reply(actor, conversation, "do_forward", from_inbox)
        if message.conversation_id != conversation.pk:
            raise ValidationError({"message": _("That message is not in this conversation.")})
        _check_body(body, required=False)
        out = _Outgoing(
            mode=ComposeMode.FORWARD,
            subject=compose.forward_subject(message.subject or conversation.subject),
            to=to,
            cc=cc or [],
            bcc=bcc or [],
            attachments=attachments or [],
            quote=compose.quote_forward(message, actor),
            quoted=message,
            send_at=check_send_at(send_at),
        )
        newer = _held(conversation, seen, actor=actor, send_anyway=send_anyway)
        if not newer:
            return _queue_outbound(
                conversation,
                body,
                out,
                actor=actor,
                inbox=inbox,
                level=level,
                verb="message.forwarded",
            )
        _hold(conversation, body, out, actor=actor, source=message, quote=True)
    raise Collision(newer)  # after the commit: the draft stays


@transaction.atomic
def do_start_conversation(
    inbox: Inbox,
    *,
    actor: User,
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    attachments: list[NewAttachment] | None = None,
    send_at: datetime | None = None,
) -> Message:
    """Write to a customer first: a new conversation, assigned to its author and pending
    (waiting for the customer), which their answer reopens."""
    level = require(actor, "do_start_conversation", inbox.pk)
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError({"subject": _("Add a subject.")})
    _check_body(body)
    send_at = check_send_at(send_at)
    recipients = _check_addresses("to", to)
    if not recipients:
        raise ValidationError({"to": _("Add at least one recipient.")})
    now = clock.now()
    conversation = Conversation.objects.create(
        inbox=inbox,
        contact=contact_for(IdentityKind.EMAIL, recipients[0]),
        subject=subject[:500],
        subject_key=normalize_subject(subject),
        status=Status.PENDING,
        created_at=now,
        last_activity_at=now,
    )
    record(
        "conversation.created",
        actor=actor,
        conversation=conversation,
        data={"subject": conversation.subject, "outbound": True},
    )
    out = _Outgoing(
        mode=ComposeMode.NEW,
        subject=subject,
        to=recipients,
        cc=cc or [],
        bcc=bcc or [],
        attachments=attachments or [],
        send_at=send_at,
    )
    message = _queue_outbound(
        conversation, body, out, actor=actor, inbox=inbox, level=level, verb="message.replied"
    )
    consume_draft(actor, None, inbox.pk)  # the compose page's draft, if it held this one
    do_assign(conversation, users=[actor], actor=actor)
    return message
