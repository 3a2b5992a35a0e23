"""Replies: recorded as a queued outbound message that the outbox then sends."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.present import message_out
from postroom.api.schemas import ErrorOut, Id, MessageOut, ReplyIn
from postroom.inbox import actions
from postroom.inbox.access import access_conversation

router = Router(tags=["replies"])


@router.post(
    "/{conversation_id}/replies",
    response={201: MessageOut, 403: ErrorOut, **ERROR_RESPONSES},
    summary="Reply",
)
def reply(request: HttpRequest, conversation_id: Id, payload: ReplyIn) -> Status[MessageOut]:
    """Reply to the customer from the inbox's address (Markdown body).

    Needs *reply on behalf* or more; a caller who may only view the inbox gets 403.
    ``to`` defaults to the conversation's contact.
    """
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    message = actions.do_reply(
        conversation, payload.body, to=payload.to, cc=payload.cc, bcc=payload.bcc, actor=user
    )
    return Status(201, message_out(message))
