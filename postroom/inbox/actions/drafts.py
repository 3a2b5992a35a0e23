"""Drafts: kept when sending was refused or undone, saved as the author types (shared
with teammates, who see that a draft exists), and taken over on purpose."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.messages import NewAttachment
from postroom.inbox.actions.notifications import notify
from postroom.inbox.events import Event, emit
from postroom.inbox.models import Conversation, Inbox, Message
from postroom.notifications.models import Kind
from postroom.outbound.models import ComposeMode, Draft
from postroom.outbound.outbox import keep_draft


@transaction.atomic
def do_autosave_draft(
    conversation: Conversation,
    *,
    actor: User,
    body: str,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    mode: str = ComposeMode.REPLY,
) -> Draft | None:
    """Keep the composer's text on the server (files stay with the send). An empty body
    removes the draft. Teammates are told that a draft exists, not what it says."""
    require_on(actor, "do_autosave_draft", conversation)
    if len(body) > 100_000:
        raise ValidationError({"body": _("The reply is too long.")})
    now = clock.now()
    existing = Draft.objects.filter(author=actor, conversation=conversation).first()
    if not body.strip():
        if existing is not None and existing.autosaved:
            existing.delete()
            _announce(conversation, actor=actor)
        return None
    draft = existing or Draft(
        author=actor, inbox=conversation.inbox, conversation=conversation, created_at=now
    )
    draft.body, draft.to, draft.cc, draft.bcc = body, to, cc, bcc
    draft.mode = mode if mode in ComposeMode.values else ComposeMode.REPLY
    draft.autosaved = True
    draft.updated_at = now
    draft.save()
    if existing is None:
        _announce(conversation, actor=actor)
    return draft


def _announce(conversation: Conversation, *, actor: User) -> None:
    emit(
        Event(
            type="draft.changed", inbox_id=conversation.inbox_id, conversation_id=conversation.pk
        ),
        actor=actor,
    )


@transaction.atomic
def do_take_over_draft(draft: Draft, *, actor: User) -> Draft:
    """Make a teammate's draft the actor's own (their own draft, if any, is replaced);
    the author is told."""
    require(actor, "do_take_over_draft", draft.inbox_id)
    conversation = draft.conversation
    if conversation is None:
        raise ValidationError({"draft": _("Only drafts of a conversation can be taken over.")})
    previous = draft.author
    if previous.pk == actor.pk:
        return draft
    Draft.objects.filter(author=actor, conversation=conversation).delete()
    draft.author = actor
    draft.updated_at = clock.now()
    draft.save(update_fields=["author", "updated_at"])
    notify(
        previous,
        Kind.DRAFT_TAKEN,
        conversation,
        actor=actor,
        text=lambda: (
            _("%(name)s took over your draft in “%(subject)s”")
            % {"name": actor.name, "subject": conversation.subject}
        ),
    )
    record(
        "draft.taken_over",
        actor=actor,
        conversation=conversation,
        data={"from": previous.pk, "draft": draft.pk},
        event="draft.changed",
    )
    return draft


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
    if conversation is not None:  # teammates on the conversation see that a draft exists
        _announce(conversation, actor=actor)
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
    deleted = Draft.objects.filter(author=actor, inbox=inbox, conversation=conversation).delete()
    if deleted[0] and conversation is not None:
        _announce(conversation, actor=actor)
