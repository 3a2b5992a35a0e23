"""What an outbound message says and whom it answers: recipients for reply and reply
all, threading headers, the inbox signature, and the quote or forwarded message that a
mail client would add below the agent's text.

Pure functions over stored messages: no writes.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from html import escape

from django.utils import formats
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core.markdown import markdown_to_text, render_markdown
from postroom.core.tokens import reply_token
from postroom.inbox.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Inbox,
    InboxAddress,
    Message,
    MessageKind,
)

# References keep the thread's root and its newest ancestors (RFC 5322 3.6.4 allows
# trimming the middle); a long thread otherwise grows a header of kilobytes.
MAX_REFERENCES = 20
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_QUOTE_STYLE = "margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex"


def fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; unknown ones stay as written (no attribute access,
    unlike str.format, so an admin's template cannot reach into objects)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def signature_for(inbox: Inbox, agent: User | None) -> str:
    """The inbox signature (Markdown) with the agent's name filled in."""
    if not inbox.signature.strip():
        return ""
    name = agent.name if agent is not None else inbox.name
    return fill(
        inbox.signature.strip(),
        {
            "agent": name,
            "agent_first_name": name.split()[0] if name.split() else name,
            "agent_email": agent.email if agent is not None else inbox.address,
            "inbox": inbox.name,
            "inbox_address": inbox.address,
        },
    )


def our_addresses() -> set[str]:
    """Every inbox address and alias: never a recipient of our own reply all."""
    found = {a.lower() for a in Inbox.objects.values_list("address", flat=True)}
    return found | {a.lower() for a in InboxAddress.objects.values_list("address", flat=True)}


def reply_target(conversation: Conversation) -> Message | None:
    """The message a plain "Reply" answers: the newest one from the customer, else the
    newest message at all (a follow-up to our own reply)."""
    messages = Message.objects.filter(conversation=conversation).order_by("-created_at", "-id")
    inbound = messages.filter(direction=Direction.INBOUND, kind=MessageKind.NORMAL).first()
    return inbound or messages.first()


def reply_recipients(
    conversation: Conversation, source: Message | None, *, reply_all: bool
) -> tuple[list[str], list[str]]:
    """(To, Cc) as a mail client fills them for Reply or Reply all to ``source``."""
    if source is None:
        return ([conversation.contact.email] if conversation.contact else []), []
    if source.direction == Direction.OUTBOUND:
        to, others = list(source.to), list(source.cc)
    else:
        to = [source.from_email] if source.from_email else []
        others = list(source.to) + list(source.cc)
    if not to and conversation.contact is not None:
        to = [conversation.contact.email]
    if not reply_all:
        return to, []
    skip = our_addresses() | {a.lower() for a in to}
    cc: list[str] = []
    for address in others:
        if address and address.lower() not in skip:
            skip.add(address.lower())
            cc.append(address)
    return to, cc


def threading_for(conversation: Conversation, source: Message | None) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a reply to ``source``.

    References lists the conversation's messages that really went out or came in, oldest
    first, ending with the one answered, so every client files the reply in its thread.
    """
    if source is None or not source.message_id:
        return "", []
    ids = [
        mid
        for mid, direction, status in Message.objects.filter(conversation=conversation)
        .exclude(pk=source.pk)
        .order_by("created_at", "id")
        .values_list("message_id", "direction", "delivery_status")
        if mid
        and (
            direction == Direction.INBOUND
            or status in (DeliveryStatus.SENT, DeliveryStatus.BOUNCED)
        )
    ]
    chain = [*dict.fromkeys(ids), source.message_id]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    return source.message_id, list(dict.fromkeys(chain))


def reply_subject(subject: str) -> str:
    if subject and not subject.lower().startswith("re:"):
        return f"Re: {subject}"
    return subject


def forward_subject(subject: str) -> str:
    if subject.lower().startswith(("fwd:", "fw:")):
        return subject
    return f"Fwd: {subject}" if subject else "Fwd:"


def reply_to_for(inbox: Inbox, conversation: Conversation | None, *, with_token: bool) -> str:
    """The inbox address, or its plus address carrying the conversation's reply token."""
    if not with_token or conversation is None:
        return inbox.address
    local, _sep, domain = inbox.address.partition("@")
    return f"{local}+{reply_token(conversation.pk)}@{domain}"


def _when(message: Message, agent: User | None) -> str:
    tz = zoneinfo.ZoneInfo((agent.time_zone if agent else "") or "UTC")
    return formats.date_format(message.created_at.astimezone(tz), "D, j M Y, H:i")


def _who(message: Message) -> str:
    if message.from_name:
        return f"{message.from_name} <{message.from_email}>"
    return message.from_email


@dataclass(frozen=True)
class Quote:
    text: str
    html: str


def quote_reply(message: Message, agent: User | None) -> Quote:
    """ "On <date>, <sender> wrote:" and the message, quoted the way mail clients do."""
    header = _("On %(date)s, %(sender)s wrote:") % {
        "date": _when(message, agent),
        "sender": _who(message),
    }
    lines = (message.text or message.visible_text).rstrip().splitlines()
    text = header + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)
    html = (
        f'<div class="postroom_quote"><p>{escape(header)}</p>'
        f'<blockquote type="cite" style="{_QUOTE_STYLE}">'
        f"{'<br>'.join(escape(line) for line in lines)}</blockquote></div>"
    )
    return Quote(text, html)


def quote_forward(message: Message, agent: User | None) -> Quote:
    """The forwarded message below a header block, as Gmail and Outlook write it."""
    fields = [
        (_("From"), _who(message)),
        (_("Date"), _when(message, agent)),
        (_("Subject"), message.subject),
        (_("To"), ", ".join(message.to)),
    ]
    if message.cc:
        fields.append((_("Cc"), ", ".join(message.cc)))
    title = _("---------- Forwarded message ---------")
    head = "\n".join(f"{name}: {value}" for name, value in fields)
    body = (message.text or message.visible_text).rstrip()
    text = f"{title}\n{head}\n\n{body}"
    html = (
        f'<div class="postroom_forward"><p>{escape(title)}<br>'
        + "<br>".join(f"{escape(str(name))}: {escape(value)}" for name, value in fields)
        + "</p>"
        + "<br>".join(escape(line) for line in body.splitlines())
        + "</div>"
    )
    return Quote(text, html)


@dataclass(frozen=True)
class Bodies:
    text: str  # the agent's text and the signature: what the conversation shows
    html: str
    sent_text: str  # plus the quote or forwarded message: what the customer receives
    sent_html: str


def bodies(body: str, *, signature: str, quote: Quote | None) -> Bodies:
    """Text and sanitised HTML of a message written in Markdown."""
    source = body.strip()
    if signature:
        source = f"{source}\n\n{signature}" if source else signature
    text = markdown_to_text(source) if source else ""
    html = render_markdown(source) if source else ""
    sent_text = text if quote is None else f"{text}\n{quote.text}\n".lstrip("\n")
    inner = html if quote is None else f"{html}\n{quote.html}"
    sent_html = (
        f'<!doctype html><html><head><meta charset="utf-8"></head><body>{inner}</body></html>'
    )
    return Bodies(text=text, html=html, sent_text=sent_text, sent_html=sent_html)
