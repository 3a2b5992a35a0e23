"""Saved replies: saving and deleting them (as each is shared: its owner, its team's
members, or owners and admins for everyone's) and recording a use in a conversation
(reply on behalf there). See docs/saved-replies.md."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from postroom.accounts.models import Team, User
from postroom.core import clock
from postroom.inbox.access import inbox_levels, require, require_on, usable_saved_replies
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.messages import NewAttachment
from postroom.inbox.attachments import store_file
from postroom.inbox.models import Conversation, Inbox
from postroom.outbound.models import Draft
from postroom.saved.models import SavedReply, SavedReplyAttachment, Scope
from postroom.saved.variables import VARIABLES, unfilled

MAX_TITLE = 120
MAX_FOLDER = 80
MAX_BODY = 50_000
MAX_TAG = 40
MAX_TAGS = 10


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Distinct (ignoring case), trimmed, sorted; empty ones dropped."""
    kept: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(tag.split())
        if tag:
            kept.setdefault(tag.casefold(), tag)
    return sorted(kept.values(), key=str.casefold)


def shared_with(saved_reply: SavedReply) -> str:
    """Who sees it, as the live push names its audience: ``user:<id>``, ``team:<id>``
    or ``everyone``."""
    if saved_reply.scope == Scope.PERSONAL:
        return f"user:{saved_reply.owner_id}"
    if saved_reply.scope == Scope.TEAM:
        return f"team:{saved_reply.team_id}"
    return "everyone"


def _check(
    title: str, body: str, folder: str, tags: list[str], scope: str, team: Team | None
) -> None:
    errors: dict[str, str] = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = _("A saved reply needs a title (at most 120 characters).")
    if not body.strip():
        errors["body"] = _("A saved reply needs a text.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("The text is too long.")
    else:
        unknown = [name for name in unfilled(body) if name not in VARIABLES]
        if unknown:
            errors["body"] = _("Unknown variable: {{ %(name)s }}. Known: %(known)s.") % {
                "name": unknown[0],
                "known": ", ".join(VARIABLES),
            }
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        errors["tags"] = _("At most 10 tags, each at most 40 characters.")
    if len(folder) > MAX_FOLDER:
        errors["folder"] = _("A folder name has at most 80 characters.")
    if scope not in Scope.values:
        errors["scope"] = _("Share it with: personal, team or everyone.")
    elif (scope == Scope.TEAM) != (team is not None):
        errors["team"] = _("Choose the team, for a team's saved reply only.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_saved_reply(
    saved_reply: SavedReply | None,
    *,
    title: str,
    body: str,
    folder: str = "",
    scope: str,
    team: Team | None = None,
    inboxes: Iterable[Inbox] = (),
    tags: Iterable[str] | None = None,
    add_attachments: Sequence[NewAttachment] = (),
    remove_attachments: Iterable[int] = (),
    actor: User,
) -> SavedReply:
    """Create (``saved_reply`` None) or change a saved reply. The actor must be allowed
    to write it as it is shared now and as it will be; ``inboxes`` (empty: every inbox)
    must be ones the actor sees. ``tags`` None keeps them; files are added
    (``add_attachments``) and removed by id (``remove_attachments``, its own only)."""
    was = None
    if saved_reply is not None:
        require(actor, "do_save_saved_reply", shared=saved_reply)
        was = shared_with(saved_reply)
    title, folder = title.strip(), folder.strip()
    kept_tags = clean_tags(tags) if tags is not None else (saved_reply.tags if saved_reply else [])
    _check(title, body, folder, kept_tags, scope, team)
    _check_files(saved_reply, add_attachments)
    owner: User | None = None
    if scope == Scope.PERSONAL:
        keeps = saved_reply is not None and saved_reply.scope == Scope.PERSONAL
        owner = saved_reply.owner if keeps and saved_reply is not None else actor
    require(actor, "do_save_saved_reply", shared=SavedReply(scope=scope, owner=owner, team=team))
    places = list(dict.fromkeys(inboxes))
    seen = inbox_levels(actor)
    if any(inbox.pk not in seen for inbox in places):
        raise ValidationError({"inboxes": _("Limit it to inboxes you work in.")})
    now = clock.now()
    created = saved_reply is None
    if saved_reply is None:
        saved_reply = SavedReply(created_at=now, created_by=actor)
    saved_reply.title, saved_reply.body, saved_reply.folder = title, body, folder
    saved_reply.scope, saved_reply.owner, saved_reply.team = scope, owner, team
    saved_reply.tags = kept_tags
    saved_reply.updated_at = now
    saved_reply.revision = secrets.randbits(62)
    saved_reply.save()
    saved_reply.inboxes.set(places)
    gone = set(remove_attachments)
    if gone:
        SavedReplyAttachment.objects.filter(saved_reply=saved_reply, pk__in=gone).delete()
    for item in add_attachments:
        digest, path = store_file(item.payload)
        SavedReplyAttachment.objects.create(
            saved_reply=saved_reply,
            filename=item.filename[:255] or "attachment",
            content_type=item.content_type[:150] or "application/octet-stream",
            size=len(item.payload),
            sha256=digest,
            path=path,
        )
    audience = list(dict.fromkeys(a for a in (was, shared_with(saved_reply)) if a))
    record(
        "saved_reply.created" if created else "saved_reply.updated",
        actor=actor,
        target=saved_reply,
        data={
            "saved_reply": saved_reply.pk,
            "title": title,
            "scope": scope,
            "shared_with": audience,
        },
    )
    return saved_reply


def _check_files(saved_reply: SavedReply | None, adding: Sequence[NewAttachment]) -> None:
    if not adding:
        return
    had = 0
    if saved_reply is not None:
        had = sum(a.size for a in saved_reply.attachments.all())
    if had + sum(len(a.payload) for a in adding) > settings.POSTROOM_MAX_UPLOAD_BYTES:
        raise ValidationError({"attachments": _("The attachments are larger than the limit.")})


@transaction.atomic
def do_delete_saved_reply(saved_reply: SavedReply, *, actor: User) -> None:
    require(actor, "do_delete_saved_reply", shared=saved_reply)
    record(
        "saved_reply.deleted",
        actor=actor,
        data={
            "saved_reply": saved_reply.pk,
            "title": saved_reply.title,
            "scope": saved_reply.scope,
            "shared_with": [shared_with(saved_reply)],
        },
    )
    saved_reply.delete()


@transaction.atomic
def do_record_saved_reply_use(
    conversation: Conversation, saved_reply: SavedReply, *, actor: User
) -> SavedReply:
    """Count that ``actor`` started a reply on ``conversation`` from ``saved_reply``
    (one they may use there: else a ValidationError naming ``saved_reply``). Its files
    join the actor's draft there (created if need be; a file already on it is not
    added twice), so they go out with the reply."""
    require_on(actor, "do_record_saved_reply_use", conversation)
    if not usable_saved_replies(actor, conversation).filter(pk=saved_reply.pk).exists():
        raise ValidationError({"saved_reply": _("This saved reply is not offered here.")})
    now = clock.now()
    SavedReply.objects.filter(pk=saved_reply.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=now
    )
    saved_reply.refresh_from_db(fields=["usage_count", "last_used_at"])
    _attach_to_draft(conversation, saved_reply, actor=actor, now=now)
    record(
        "saved_reply.used",
        actor=actor,
        conversation=conversation,
        target=saved_reply,
        data={"saved_reply": saved_reply.pk},
    )
    return saved_reply


def _attach_to_draft(
    conversation: Conversation, saved_reply: SavedReply, *, actor: User, now: datetime
) -> None:
    files = list(saved_reply.attachments.all())
    if not files:
        return
    draft = Draft.objects.filter(author=actor, conversation=conversation).first()
    if draft is None:
        draft = Draft(
            author=actor,
            inbox=conversation.inbox,
            conversation=conversation,
            created_at=now,
            autosaved=True,
        )
    on_it = {(a["path"], a["filename"]) for a in draft.attachments}
    for f in files:
        if (f.path, f.filename) not in on_it:
            draft.attachments.append(
                {
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": f.size,
                    "path": f.path,
                }
            )
    draft.updated_at = now
    draft.save()
