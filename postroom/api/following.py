"""Following: anyone who can view the inbox may follow a conversation, and is then told
when the customer replies in it (docs/notifications.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.schemas import EmptyIn, FollowingOut, Id
from postroom.inbox.access import access_conversation
from postroom.inbox.actions.notifications import do_follow, do_unfollow

router = Router(tags=["following"])

RESPONSES = {200: FollowingOut, **ERROR_RESPONSES}


@router.post("/{conversation_id}/follow", response=RESPONSES, summary="Follow")
def follow(
    request: HttpRequest, conversation_id: Id, payload: EmptyIn | None = None
) -> FollowingOut:
    """Follow the conversation (following it already changes nothing)."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    do_follow(conversation, actor=user)
    return FollowingOut(conversation_id=conversation.pk, following=True)


@router.delete("/{conversation_id}/follow", response=RESPONSES, summary="Unfollow")
def unfollow(request: HttpRequest, conversation_id: Id) -> FollowingOut:
    """Stop following the conversation (not following it changes nothing)."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    do_unfollow(conversation, actor=user)
    return FollowingOut(conversation_id=conversation.pk, following=False)
