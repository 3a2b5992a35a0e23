"""Saved replies (list, create, read, replace, delete) and those usable on a
conversation, ranked and rendered for it, and recording a use.

A saved reply one may not see is a 404; one seen but not to be changed by the caller
(everyone's, for an agent) a 403. See docs/saved-replies.md.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from postroom.accounts.models import Team, User
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES, invalid
from postroom.api.replies import files_of
from postroom.api.schemas import (
    EmptyIn,
    Id,
    OfferedSavedReplyOut,
    SavedReplyAttachmentOut,
    SavedReplyIn,
    SavedReplyOut,
)
from postroom.inbox import actions
from postroom.inbox.access import (
    access_conversation,
    access_saved_reply,
    inbox_levels,
    visible_saved_replies,
)
from postroom.inbox.models import Inbox
from postroom.saved.models import SavedReply
from postroom.saved.queries import search

router = Router(tags=["saved replies"])
on_conversations = Router(tags=["saved replies"])


def saved_reply_out(saved: SavedReply) -> SavedReplyOut:
    return SavedReplyOut(
        id=saved.pk,
        title=saved.title,
        body=saved.body,
        folder=saved.folder,
        scope=saved.scope,  # type: ignore[arg-type]
        owner=saved.owner_id,
        team=saved.team_id,
        inboxes=sorted(i.slug for i in saved.inboxes.all()),
        tags=saved.tags,
        attachments=[
            SavedReplyAttachmentOut(
                id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in saved.attachments.all()
        ],
        usage_count=saved.usage_count,
        last_used_at=saved.last_used_at,
        created_at=saved.created_at,
        updated_at=saved.updated_at,
    )


@router.get(
    "", response={200: list[SavedReplyOut], **ERROR_RESPONSES}, summary="List saved replies"
)
def list_saved_replies(request: HttpRequest) -> list[SavedReplyOut]:
    """Those the caller sees: their own, their teams', everyone's; by folder and title."""
    found = visible_saved_replies(member(request)).prefetch_related("inboxes", "attachments")
    return [saved_reply_out(s) for s in found]


def _save(user: User, saved: SavedReply | None, payload: SavedReplyIn) -> SavedReply:
    team = None
    if payload.team is not None:
        team = Team.objects.filter(pk=payload.team).first()
        if team is None:
            raise invalid("body", "team", "There is no such team.")
    seen = inbox_levels(user)
    inboxes = list(Inbox.objects.filter(slug__in=payload.inboxes, pk__in=list(seen)))
    if len(inboxes) != len(set(payload.inboxes)):
        raise invalid("body", "inboxes", "Name inboxes you work in, by their slug.")
    removed = set(payload.remove_attachments)
    if removed and (saved is None or not removed <= {a.pk for a in saved.attachments.all()}):
        raise invalid("body", "remove_attachments", "Name files of this saved reply.")
    return actions.do_save_saved_reply(
        saved,
        title=payload.title,
        body=payload.body,
        folder=payload.folder,
        scope=payload.scope,
        team=team,
        inboxes=inboxes,
        tags=payload.tags,
        add_attachments=files_of(payload.add_attachments, "add_attachments"),
        remove_attachments=removed,
        actor=user,
    )


@router.post("", response={201: SavedReplyOut, **ACTION_RESPONSES}, summary="Create a saved reply")
def create_saved_reply(request: HttpRequest, payload: SavedReplyIn) -> Status[SavedReplyOut]:
    """Personal for anyone, a team's for its members, everyone's for owners and admins
    (else 403). A variable that is not known is a 422 naming ``body``."""
    return Status(201, saved_reply_out(_save(member(request), None, payload)))


@router.get(
    "/{saved_reply_id}", response={200: SavedReplyOut, **ERROR_RESPONSES}, summary="A saved reply"
)
def get_saved_reply(request: HttpRequest, saved_reply_id: Id) -> SavedReplyOut:
    return saved_reply_out(access_saved_reply(member(request), saved_reply_id))


@router.put(
    "/{saved_reply_id}",
    response={200: SavedReplyOut, **ACTION_RESPONSES},
    summary="Replace a saved reply",
)
def replace_saved_reply(
    request: HttpRequest, saved_reply_id: Id, payload: SavedReplyIn
) -> SavedReplyOut:
    user = member(request)
    return saved_reply_out(_save(user, access_saved_reply(user, saved_reply_id), payload))


@router.delete(
    "/{saved_reply_id}", response={204: None, **ACTION_RESPONSES}, summary="Delete a saved reply"
)
def delete_saved_reply(
    request: HttpRequest, saved_reply_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    actions.do_delete_saved_reply(access_saved_reply(user, saved_reply_id), actor=user)
    return Status(204, None)


@on_conversations.get(
    "/{conversation_id}/saved-replies",
    response={200: list[OfferedSavedReplyOut], **ERROR_RESPONSES},
    summary="Saved replies for a conversation",
)
def conversation_saved_replies(
    request: HttpRequest, conversation_id: Id
) -> list[OfferedSavedReplyOut]:
    """Those the caller may use here (limited ones only in their inboxes), most similar
    to the customer's latest message first, then the most used; each with its body
    rendered for the conversation and the variables that have no value here."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    return [
        OfferedSavedReplyOut(
            **saved_reply_out(o.saved_reply).model_dump(),
            rendered=o.rendered.text,
            missing=o.rendered.missing,
        )
        for o in search(user, conversation, limit=None).offered
    ]


@on_conversations.post(
    "/{conversation_id}/saved-replies/{saved_reply_id}/use",
    response={200: SavedReplyOut, **ACTION_RESPONSES},
    summary="Record a use of a saved reply",
)
def use_saved_reply(
    request: HttpRequest, conversation_id: Id, saved_reply_id: Id, payload: EmptyIn | None = None
) -> SavedReplyOut:
    """Count that the caller started a reply here from it (needs reply on behalf)."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    saved = access_saved_reply(user, saved_reply_id)
    return saved_reply_out(actions.do_record_saved_reply_use(conversation, saved, actor=user))
