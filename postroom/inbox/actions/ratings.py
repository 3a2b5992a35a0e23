"""Satisfaction ratings (docs/ratings.md): how an inbox asks for them, the customer's
answer from the public rating page, and the "How did we do?" message on closing.

A rating belongs to one of our messages: a later rating of the same message replaces
the earlier one (``rating.changed`` names what it was), so each reply has at most one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from postroom.core import clock
from postroom.core.languages import customer_language
from postroom.core.text import clean_text
from postroom.core.tokens import message_id_for
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import SYSTEM, Actor
from postroom.inbox.models import (
    Activity,
    Conversation,
    DeliveryStatus,
    Direction,
    Inbox,
    Message,
    MessageKind,
)
from postroom.outbound import compose
from postroom.outbound.autoack import unattended
from postroom.outbound.models import ComposeMode
from postroom.outbound.outbox import Threading, enqueue
from postroom.ratings.links import footer, mode_of
from postroom.ratings.models import Rating, RatingMode, RatingSettings, Score

MAX_COMMENT = 2000


@transaction.atomic
def do_set_rating_mode(inbox: Inbox, mode: str, *, actor: Actor) -> None:
    """Ask for ratings in every reply, in one message on closing, or not at all."""
    require(actor, "do_set_rating_mode", inbox.pk)
    if mode not in RatingMode.values:
        raise ValidationError({"mode": _("Choose off, every reply or on close.")})
    if mode == mode_of(inbox):
        return
    RatingSettings.objects.update_or_create(
        inbox=inbox, defaults={"mode": mode, "updated_at": clock.now()}
    )
    record("inbox.rating_mode", actor=actor, inbox=inbox, data={"mode": mode})


def check_rating(score: str, comment: str) -> tuple[str, str]:
    if score not in Score.values:
        raise ValidationError({"score": _("Choose good, okay or bad.")})
    cleaned = clean_text(comment).strip()
    if len(cleaned) > MAX_COMMENT:
        raise ValidationError(
            {"comment": _("Keep the comment under %(max)d characters.") % {"max": MAX_COMMENT}}
        )
    return score, cleaned


@transaction.atomic
def do_record_rating(message: Message, score: str, comment: str = "", *, actor: Actor) -> Rating:
    """The customer's rating of our ``message`` (from a link it carried). A later rating
    of the same message replaces the earlier one; the same answer again changes nothing."""
    require(actor, "do_record_rating")
    score, comment = check_rating(score, comment)
    if message.direction != Direction.OUTBOUND:
        raise ValidationError({"message": _("Only our own messages are rated.")})
    conversation = message.conversation
    now = clock.now()
    rating = Rating.objects.select_for_update().filter(message=message).first()
    # The comment is the customer's own words: kept on the rating, never in the log.
    data: dict[str, object] = {"score": score, "commented": bool(comment)}
    if rating is None:
        rating = Rating.objects.create(
            message=message,
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            contact_id=conversation.contact_id,
            score=score,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        verb = "rating.recorded"
    else:
        if (rating.score, rating.comment) == (score, comment):
            return rating
        data["previous"] = rating.score
        rating.score, rating.comment, rating.updated_at = score, comment, now
        rating.conversation = conversation  # where the message is now (after a merge)
        rating.save(update_fields=["score", "comment", "updated_at", "conversation"])
        verb = "rating.changed"
    record(
        verb,
        actor=actor,
        conversation=conversation,
        target=rating,
        data={"rating": rating.pk, "message": message.pk, **data},
    )
    return rating


def rating_request_to(conversation: Conversation) -> str | None:
    """Whom the closing message goes to, or None when it must not be sent: the inbox
    does not ask on closing, no customer address (or one nobody reads), or this
    conversation was asked once already (closing it again does not ask again)."""
    if mode_of(conversation.inbox) != RatingMode.ON_CLOSE:
        return None
    contact = conversation.contact
    address = contact.email.strip() if contact is not None else ""
    if not address or "@" not in address or unattended(address):
        return None
    if address.lower() in compose.our_addresses():
        return None
    if Activity.objects.filter(conversation=conversation, verb="rating.requested").exists():
        return None
    if not Message.objects.filter(conversation=conversation, direction=Direction.OUTBOUND).exclude(
        kind=MessageKind.AUTO_REPLY
    ):
        return None  # nobody answered: nothing to rate
    return address


@transaction.atomic
def do_send_rating_request(conversation: Conversation, *, actor: Actor = SYSTEM) -> Message | None:
    """Queue "How did we do?" with the three rating links to the customer of the closed
    ``conversation``, through the outbox like every automatic message (RFC 3834
    ``Auto-Submitted: auto-replied``, no undo window). None when it must not be sent."""
    require(actor, "do_send_rating_request")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    to = rating_request_to(conversation)
    if to is None:
        return None
    inbox = conversation.inbox
    contact = conversation.contact
    name = contact.name if contact is not None else ""
    with override(customer_language()):  # the customer's words, not the closer's
        greeting = _("Hello %(name)s,") % {"name": name.split()[0] if name.split() else _("there")}
        intro = _("we have closed your conversation “%(subject)s”. How did we do?") % {
            "subject": conversation.subject
        }
        question = _("Choose one:")
    body = f"{greeting}\n\n{intro}"
    now = clock.now()
    source = compose.reply_target(conversation)
    in_reply_to, references = compose.threading_for(conversation, source)
    domain = inbox.address.rpartition("@")[2] or "postroom.invalid"
    parts = compose.bodies(body, signature="", quote=None)
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        kind=MessageKind.AUTO_REPLY,
        from_name=inbox.name[:200],
        from_email=inbox.address,
        to=[to],
        subject=" ".join(compose.reply_subject(conversation.subject).split())[:500],
        visible_text=body,
        message_id=message_id_for(conversation.pk, domain),
        delivery_status=DeliveryStatus.QUEUED,
        created_at=now,
    )
    # The links name the message, so the bodies are finished once it has its id.
    links = footer(message, question)
    message.text = f"{parts.text.rstrip()}\n\n{links.text}"
    message.html = f"{parts.html}{links.html}"
    message.save(update_fields=["text", "html"])
    conversation.message_count += 1
    conversation.save(update_fields=["message_count"])
    enqueue(
        message,
        mode=ComposeMode.AUTO_ACK,
        sent_text=message.text + "\n",
        sent_html=(
            '<!doctype html><html><head><meta charset="utf-8"></head>'
            f"<body>{message.html}</body></html>"
        ),
        reply_to=[compose.reply_to_for(inbox, conversation, with_token=inbox.reply_address_token)],
        threading_headers=Threading(in_reply_to, tuple(references)),
        auto_submitted=True,
    )
    record(
        "rating.requested",
        actor=actor,
        conversation=conversation,
        target=message,
        data={"message": message.pk, "to": [to]},
    )
    return message
