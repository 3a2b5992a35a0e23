"""Drafts: kept when sending was refused or undone, saved as the author types (shared
with teammates, who see that a draft exists), and taken over on purpose."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import inbox_level
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.messages import NewAttachment
from postroom.inbox.actions.notifications import notify
from postroom.inbox.events import Event, emit
from postroom.inbox.models import AccessLevel, Conversation, Inbox, Message
from postroom.notifications.models import Kind
from postroom.outbound.models import ComposeMode, Draft


def _check_can_draft(user: User, conversation: Conversation) -> None:
    if (inbox_level(user, conversation.inbox_id) or 0) < AccessLevel.REPLY_ON_BEHALF:
        raise PermissionDenied(_("You may read this inbox but not send from it."))


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
    _check_can_draft(actor, conversation)
    if len(body) > 100_000:
        raise ValidationError({"body": _("The reply is too long.")})
    now = clock.now()
    existing = Draft.objects.filter(author=actor, conversation=conversation).first()
    if not body.strip():
        if existing is not None and existing.autosaved:
            existing.delete()
            _announce(conversation)
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
        _announce(conversation)
    return draft


def _announce(conversation: Conversation) -> None:
    emit(
        Event(type="draft.changed", inbox_id=conversation.inbox_id, conversation_id=conversation.pk)
    )


@transaction.atomic
def do_take_over_draft(draft: Draft, *, actor: User) -> Draft:
    """Make a teammate's draft the actor's own (their own draft, if any, is replaced);
    the author is told."""
    conversation = draft.conversation
    if conversation is None:
        raise ValidationError({"draft": _("Only drafts of a conversation can be taken over.")})
    _check_can_draft(actor, conversation)
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
        text=_("%(name)s took over your draft in “%(subject)s”")
        % {"name": actor.name, "subject": conversation.subject},
    )
    record(
        "draft.taken_over",
        actor=actor,
        conversation=conversation,
        data={"from": previous.pk, "draft": draft.pk},
        event="draft.changed",
    )
    return draft


def _store_file(payload: bytes) -> str:
    """Content-addressed like message attachments, so a file kept twice is stored once."""
    digest = hashlib.sha256(payload).hexdigest()
    path = f"attachments/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(payload))
    return path


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
    if (inbox_level(actor, inbox.pk) or 0) < AccessLevel.REPLY_ON_BEHALF:
        raise PermissionDenied(_("You may read this inbox but not send from it."))
    Draft.objects.filter(author=actor, inbox=inbox, conversation=conversation).delete()
    return Draft.objects.create(
        author=actor,
        inbox=inbox,
        conversation=conversation,
        mode=mode if mode in ComposeMode.values else ComposeMode.REPLY,
        source_message=source_message,
        subject=subject[:500],
        body=body[:100_000],
        to=to or [],
        cc=cc or [],
        bcc=bcc or [],
        quote=quote,
        attachments=[
            {
                "filename": a.filename[:255],
                "content_type": a.content_type[:150],
                "size": len(a.payload),
                "path": _store_file(a.payload),
            }
            for a in attachments or []
        ],
        created_at=clock.now(),
    )


@transaction.atomic
def do_discard_draft(*, actor: User, inbox: Inbox, conversation: Conversation | None) -> None:
    Draft.objects.filter(author=actor, inbox=inbox, conversation=conversation).delete()
