"""Internal notes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.markdown import render_markdown
from postroom.inbox.access import require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.notifications import follow, record_mentions
from postroom.inbox.actors import Actor
from postroom.inbox.models import Conversation, Note

MAX_NOTE_LENGTH = 20_000


@transaction.atomic
def do_add_note(conversation: Conversation, body: str, *, actor: Actor) -> Note:
    """Anyone who can view the inbox can comment with a note (Markdown); a rule can too
    (the note then has no author, and names the rule in its activity)."""
    require_on(actor, "do_add_note", conversation)
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    if len(body) > MAX_NOTE_LENGTH:
        raise ValidationError({"body": _("The note is too long.")})
    now = clock.now()
    note = Note.objects.create(
        conversation=conversation,
        author=actor if isinstance(actor, User) else None,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    mentioned = record_mentions(note, actor=actor)
    if isinstance(actor, User):
        follow(conversation, actor)
    record(
        "note.added",
        actor=actor,
        conversation=conversation,
        target=note,
        data={"note": note.pk, "mentioned": [u.pk for u in mentioned]},
    )
    return note
