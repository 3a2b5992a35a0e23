"""Triage: assign, label, status, priority and snooze (reply on behalf or more).

Each endpoint fetches the conversation through the access layer (404 without access),
calls one action with ``actor`` set to the caller (which enforces the permission table:
403 for a caller who may only view), and answers with the conversation as the caller
now sees it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from postroom.accounts.models import User
from postroom.api import lookups
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES
from postroom.api.present import PRIORITY_VALUES, conversation_out, load_people_and_labels
from postroom.api.schemas import (
    AssignIn,
    ConversationOut,
    Id,
    LabelIn,
    PriorityIn,
    SnoozeIn,
    StatusIn,
    UnassignIn,
)
from postroom.inbox import actions
from postroom.inbox.access import access_conversation, access_label
from postroom.inbox.models import Conversation

router = Router(tags=["triage"])

RESPONSES = {200: ConversationOut, **ACTION_RESPONSES}


def _current(user: User, conversation_id: int) -> ConversationOut:
    """Re-read after the action so assignees and labels are exactly what was stored."""
    conversation: Conversation = access_conversation(user, conversation_id)
    load_people_and_labels(user, [conversation])
    return conversation_out(conversation)


@router.post("/{conversation_id}/assign", response=RESPONSES, summary="Assign")
def assign(request: HttpRequest, conversation_id: Id, payload: AssignIn) -> ConversationOut:
    """Add teammates (and optionally set the team); ``replace`` drops everyone not listed."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    users, unknown = lookups.teammates(payload.users)
    if unknown:
        raise ValidationError({"users": f"No teammate has id {unknown[0]}."})
    team = None
    if payload.team is not None:
        team = lookups.team(payload.team)
        if team is None:
            raise ValidationError({"team": "No team has this id."})
    actions.do_assign(conversation, users=users, team=team, replace=payload.replace, actor=user)
    return _current(user, conversation_id)


@router.post("/{conversation_id}/unassign", response=RESPONSES, summary="Unassign")
def unassign(request: HttpRequest, conversation_id: Id, payload: UnassignIn) -> ConversationOut:
    """Remove one teammate (``user``), or every assignee and the team (``everyone``)."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    target = None
    if payload.user is not None:
        target = lookups.teammate(payload.user)
        if target is None:
            raise ValidationError({"user": "No teammate has this id."})
    actions.do_unassign(conversation, user=target, actor=user)
    return _current(user, conversation_id)


@router.post("/{conversation_id}/labels", response=RESPONSES, summary="Add a label")
def add_label(request: HttpRequest, conversation_id: Id, payload: LabelIn) -> ConversationOut:
    """A label the caller cannot see is a 404, like one that does not exist."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    actions.do_add_label(conversation, access_label(user, payload.label), actor=user)
    return _current(user, conversation_id)


@router.delete("/{conversation_id}/labels/{label_id}", response=RESPONSES, summary="Remove a label")
def remove_label(request: HttpRequest, conversation_id: Id, label_id: Id) -> ConversationOut:
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    actions.do_remove_label(conversation, access_label(user, label_id), actor=user)
    return _current(user, conversation_id)


@router.post("/{conversation_id}/status", response=RESPONSES, summary="Change status")
def change_status(request: HttpRequest, conversation_id: Id, payload: StatusIn) -> ConversationOut:
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    actions.do_change_status(conversation, payload.status, actor=user)
    return _current(user, conversation_id)


@router.post("/{conversation_id}/priority", response=RESPONSES, summary="Set priority")
def set_priority(request: HttpRequest, conversation_id: Id, payload: PriorityIn) -> ConversationOut:
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    actions.do_set_priority(conversation, PRIORITY_VALUES[payload.priority], actor=user)
    return _current(user, conversation_id)


@router.post("/{conversation_id}/snooze", response=RESPONSES, summary="Snooze")
def snooze(request: HttpRequest, conversation_id: Id, payload: SnoozeIn) -> ConversationOut:
    """Hide the conversation until ``until`` (with an offset, in the future), or with
    ``"reply"`` until the customer replies."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    until = payload.until if isinstance(payload.until, datetime) else None
    actions.do_snooze(conversation, until, actor=user)
    return _current(user, conversation_id)
