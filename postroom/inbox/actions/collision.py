"""Collision safety: hold a reply when something newer arrived while it was written.

The composer remembers the newest message and note it showed (``Seen``). Sending with
``seen`` set checks for customer messages, teammates' replies and notes newer than that;
if there are any, the send is refused with :class:`Collision`: nothing is sent, the
message is kept as the agent's draft (``do_reply``, ``do_forward``, for every entry
point alike), and the agent chooses to send anyway, revise or discard.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from postroom.accounts.models import User
from postroom.inbox.models import Conversation, Message, MessageKind, Note


@dataclass(frozen=True)
class Seen:
    message: int  # the newest message id the composer showed (0: none)
    note: int  # the newest note id


@dataclass(frozen=True)
class Newer:
    kind: str  # "message" | "note"
    id: int
    who: str
    text: str


class Collision(ValidationError):
    """Something newer than what the agent saw: the send is held."""

    def __init__(self, newer: list[Newer]) -> None:
        super().__init__(
            {
                "body": ngettext(
                    "New activity arrived while you were writing: %(count)d item.",
                    "New activity arrived while you were writing: %(count)d items.",
                    len(newer),
                )
                % {"count": len(newer)}
            }
        )
        self.newer = newer


def seen_now(conversation: Conversation) -> Seen:
    """What a composer rendered now has seen."""
    last_message = (
        Message.objects.filter(conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    last_note = (
        Note.objects.filter(conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return Seen(message=last_message or 0, note=last_note or 0)


def newer_than(conversation: Conversation, seen: Seen, *, actor: User) -> list[Newer]:
    """Customer messages, others' replies and others' notes the composer has not shown.

    The agent's own items never hold their send; automatic mail (auto-replies, bounces)
    does not either.
    """
    messages = (
        Message.objects.filter(
            conversation=conversation, pk__gt=seen.message, kind=MessageKind.NORMAL
        )
        .exclude(author=actor)
        .select_related("author")
        .order_by("id")
    )
    notes = (
        Note.objects.filter(conversation=conversation, pk__gt=seen.note)
        .exclude(author=actor)
        .select_related("author")
        .order_by("id")
    )
    found = [
        Newer(
            "message",
            m.pk,
            # A teammate's reply is named after the teammate, not the inbox it went out as.
            m.author.name if m.author else m.from_name or m.from_email,
            " ".join((m.visible_text or m.text).split())[:160],
        )
        for m in messages
    ]
    found += [
        Newer("note", n.pk, n.author.name if n.author else "", " ".join(n.body.split())[:160])
        for n in notes
    ]
    return found
