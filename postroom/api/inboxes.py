"""GET /inboxes: the inboxes the caller can see, their level and view counts."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.present import level_name
from postroom.api.schemas import InboxOut, ViewCountsOut
from postroom.inbox.access import inbox_levels, visible_inboxes
from postroom.inbox.queries import view_counts

router = Router(tags=["inboxes"])


@router.get("", response={200: list[InboxOut], **ERROR_RESPONSES}, summary="List inboxes")
def list_inboxes(request: HttpRequest) -> list[InboxOut]:
    """Every inbox the caller can see, by name. Costs one count query per inbox."""
    user = member(request)
    levels = inbox_levels(user)
    return [
        InboxOut(
            id=inbox.pk,
            slug=inbox.slug,
            name=inbox.name,
            address=inbox.address,
            level=level_name(levels[inbox.pk]),
            counts=ViewCountsOut(**view_counts(user, inbox)),
        )
        for inbox in visible_inboxes(user)
        if inbox.pk in levels  # a grant made between the two reads shows up next time
    ]
