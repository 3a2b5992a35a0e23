"""The rating links in our mail: signed tokens naming a conversation and one of its
outbound messages, and the footer that carries them.

A token is a ``django.core.signing.Signer`` signature over (conversation, message) with
its own salt and no timestamp: it cannot be guessed or altered without the secret key,
and the same message always gets the same token, so every send attempt of a reply is
the same mail. It expires
:data:`VALID_DAYS` after the message was written (read from the message, not the token).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from postroom.core import clock
from postroom.core.languages import customer_language
from postroom.inbox.models import Direction, Inbox, Message
from postroom.ratings.models import RatingMode, RatingSettings, Score

SALT = "postroom.ratings.link"
VALID_DAYS = 60


def token_for(message: Message) -> str:
    return signing.Signer(salt=SALT).sign_object({"c": message.conversation_id, "m": message.pk})


@dataclass(frozen=True)
class Rated:
    conversation_id: int
    message_id: int


def read_token(token: str) -> Rated | None:
    """What ``token`` names, or None when it was not made here (tampered, truncated)."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    conversation, message = value.get("c"), value.get("m")
    if not isinstance(conversation, int) or not isinstance(message, int):
        return None
    return Rated(conversation, message)


def rateable(token: str) -> Message | None:
    """The outbound message ``token`` names, if it still exists and the link has not
    expired. A merged conversation's message keeps its link (rated where it is now)."""
    rated = read_token(token)
    if rated is None:
        return None
    message = (
        Message.objects.filter(pk=rated.message_id, direction=Direction.OUTBOUND)
        .select_related("conversation__inbox", "conversation__contact")
        .first()
    )
    if message is None:
        return None
    if message.created_at < clock.now() - timedelta(days=VALID_DAYS):
        return None
    return message


def link(message: Message, score: str) -> str:
    path = reverse("web:rate", kwargs={"token": token_for(message)})
    return f"{settings.BASE_URL.rstrip('/')}{path}?r={score}"


def mode_of(inbox: Inbox) -> str:
    found = RatingSettings.objects.filter(inbox=inbox).values_list("mode", flat=True).first()
    return found or RatingMode.OFF


@dataclass(frozen=True)
class Footer:
    text: str
    html: str


def footer(message: Message, question: str | None = None) -> Footer:
    """The three links (Good, Okay, Bad) under a question, as text and as HTML, in the
    customers' language (not the agent's who sent the reply)."""
    with override(customer_language()):
        question = question or _("How would you rate this reply?")
        choices = [(score, str(score.label), link(message, score)) for score in Score]
    text = question + "\n" + "\n".join(f"{label}: {url}" for _s, label, url in choices)
    anchors = " · ".join(
        f'<a href="{escape(url)}" style="color:#2563eb">{escape(label)}</a>'
        for _s, label, url in choices
    )
    html = (
        '<div class="postroom_rating" style="margin-top:1.5em;padding-top:.5em;'
        'border-top:1px solid #ddd;color:#555;font-size:90%">'
        f"{escape(question)} {anchors}</div>"
    )
    return Footer(text, html)


def with_footer(sent_text: str, sent_html: str, message: Message) -> tuple[str, str]:
    """The bodies of a reply with the rating footer below everything (quote included)."""
    found = footer(message)
    text = f"{sent_text.rstrip()}\n\n{found.text}\n"
    close = sent_html.rfind("</body>")
    if close == -1:
        html = f"{sent_html}{found.html}"
    else:
        html = f"{sent_html[:close]}{found.html}{sent_html[close:]}"
    return text, html
