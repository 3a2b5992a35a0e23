"""Bulk: one operation on many conversations (``POST /conversations/bulk``).

Its own router, mounted before the one with ``/conversations/{conversation_id}``, whose
pattern would otherwise take ``bulk`` for an id.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES
from postroom.api.schemas import BulkFailure, BulkIn, BulkOut
from postroom.inbox.actions.bulk import apply_bulk, build_request

router = Router(tags=["triage"])


@router.post("/bulk", response={200: BulkOut, **ACTION_RESPONSES}, summary="Act on many")
def bulk(request: HttpRequest, payload: BulkIn) -> BulkOut:
    """One operation on many conversations, each through the same action (and permission
    check) as its own endpoint, each in its own transaction: a conversation is changed
    completely or not at all. Ids the caller cannot see are reported as not found."""
    user = member(request)
    if payload.operation == "assign" and "assignee" not in payload.model_fields_set:
        raise ValidationError({"assignee": "Give a teammate id, or null for nobody."})
    until = payload.until if isinstance(payload.until, datetime) else None
    outcome = apply_bulk(
        build_request(
            user,
            payload.operation,
            list(payload.ids),
            assignee=payload.assignee,
            label=payload.label,
            status=payload.status or "",
            until=until,
            until_reply=payload.until == "reply",
            inbox=payload.inbox,
        ),
        actor=user,
    )
    return BulkOut(
        done=outcome.done,
        not_allowed=outcome.not_allowed,
        not_found=outcome.not_found,
        failed=[BulkFailure(id=pk, error=why) for pk, why in outcome.failed.items()],
        summary=outcome.summary(),
    )
