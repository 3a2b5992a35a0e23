"""Internal notes: anyone who can view the inbox may add one."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES
from postroom.api.present import note_out
from postroom.api.schemas import Id, NoteIn, NoteOut
from postroom.inbox import actions
from postroom.inbox.access import access_conversation

router = Router(tags=["notes"])


@router.post(
    "/{conversation_id}/notes", response={201: NoteOut, **ACTION_RESPONSES}, summary="Add a note"
)
def add_note(request: HttpRequest, conversation_id: Id, payload: NoteIn) -> Status[NoteOut]:
    """Add an internal note (Markdown); the customer never sees it."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    note = actions.do_add_note(conversation, payload.body, actor=user)
    return Status(201, note_out(note))
