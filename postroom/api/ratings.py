"""Satisfaction ratings of a conversation's replies: anyone who can view the
conversation reads them (docs/ratings.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.schemas import Id, RatingOut
from postroom.inbox.access import access_conversation
from postroom.ratings.models import Rating

router = Router(tags=["ratings"])


def rating_out(rating: Rating) -> RatingOut:
    return RatingOut(
        id=rating.pk,
        conversation_id=rating.conversation_id,
        message_id=rating.message_id,
        inbox=rating.inbox.slug,
        contact_id=rating.contact_id,
        score=rating.score,
        comment=rating.comment,
        created_at=rating.created_at,
        updated_at=rating.updated_at,
    )


@router.get(
    "/{conversation_id}/ratings",
    response={200: list[RatingOut], **ERROR_RESPONSES},
    summary="List ratings",
)
def list_ratings(request: HttpRequest, conversation_id: Id) -> list[RatingOut]:
    """The customer's latest rating of each rated reply, oldest reply first."""
    conversation = access_conversation(member(request), conversation_id)
    ratings = (
        Rating.objects.filter(message__conversation=conversation)
        .select_related("inbox")
        .order_by("message__created_at", "message_id")
    )
    return [rating_out(r) for r in ratings]
