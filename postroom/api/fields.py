"""Custom fields: their definitions (read by every member, changed by owners and
admins) and their values on a conversation, a contact or a company (docs/custom-fields.md)."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Status

from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES
from postroom.api.schemas import (
    CustomFieldChangeIn,
    CustomFieldIn,
    CustomFieldOut,
    EmptyIn,
    FieldKindName,
    FieldTargetName,
    FieldValues,
    FieldValuesIn,
    Id,
)
from postroom.inbox import actions
from postroom.inbox.access import access_conversation
from postroom.inbox.models import CustomField, Inbox

router = Router(tags=["custom fields"])
on_conversations = Router(tags=["custom fields"])


def field_out(field: CustomField) -> CustomFieldOut:
    return CustomFieldOut(
        id=field.pk,
        target=cast(FieldTargetName, field.target),
        key=field.key,
        label=field.label,
        kind=cast(FieldKindName, field.kind),
        choices=list(field.choices),
        help_text=field.help_text,
        required_on_close=field.required_on_close,
        inboxes=sorted(inbox.slug for inbox in field.inboxes.all()),
    )


def _inboxes(slugs: list[str]) -> list[Inbox]:
    found = list(Inbox.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {inbox.slug for inbox in found})
    if unknown:
        raise ValidationError({"inboxes": f"No inbox {unknown[0]!r}."})
    return found


def _field(field_id: int) -> CustomField:
    field = CustomField.objects.filter(pk=field_id, archived_at__isnull=True).first()
    if field is None:
        raise Http404
    return field


def _admin(request: HttpRequest) -> None:
    # Defining fields is for owners and admins; for anyone else it does not exist.
    if not member(request).is_admin:
        raise Http404


@router.get("", response={200: list[CustomFieldOut], **ERROR_RESPONSES}, summary="List fields")
def list_fields(request: HttpRequest) -> list[CustomFieldOut]:
    """Every field in use (archived ones are left out), by kind of record and position."""
    member(request)
    found = CustomField.objects.filter(archived_at__isnull=True).prefetch_related("inboxes")
    return [field_out(f) for f in found]


@router.post("", response={201: CustomFieldOut, **ACTION_RESPONSES}, summary="Define a field")
def create_field(request: HttpRequest, payload: CustomFieldIn) -> Status[CustomFieldOut]:
    _admin(request)
    field = actions.do_save_field(
        None,
        target=payload.target,
        key=payload.key,
        label=payload.label,
        kind=payload.kind,
        choices=payload.choices,
        help_text=payload.help_text,
        required_on_close=payload.required_on_close,
        inboxes=_inboxes(payload.inboxes),
        actor=member(request),
    )
    return Status(201, field_out(field))


@router.patch(
    "/{field_id}", response={200: CustomFieldOut, **ACTION_RESPONSES}, summary="Change a field"
)
def change_field(
    request: HttpRequest, field_id: Id, payload: CustomFieldChangeIn
) -> CustomFieldOut:
    """Only what is sent changes; the kind of record, key and type are fixed."""
    _admin(request)
    field = _field(field_id)
    inboxes = (
        _inboxes(payload.inboxes) if payload.inboxes is not None else list(field.inboxes.all())
    )
    actions.do_save_field(
        field,
        target=field.target,
        key=field.key,
        label=payload.label if payload.label is not None else field.label,
        kind=field.kind,
        choices=payload.choices if payload.choices is not None else field.choices,
        help_text=payload.help_text if payload.help_text is not None else field.help_text,
        required_on_close=payload.required_on_close
        if payload.required_on_close is not None
        else field.required_on_close,
        inboxes=inboxes,
        actor=member(request),
    )
    return field_out(field)


@router.delete("/{field_id}", response={204: None, **ACTION_RESPONSES}, summary="Archive a field")
def archive_field(
    request: HttpRequest, field_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    """It is no longer shown or accepted; stored values are kept and its key stays taken."""
    _admin(request)
    actions.do_archive_field(_field(field_id), actor=member(request))
    return Status(204, None)


@on_conversations.patch(
    "/{conversation_id}/fields",
    response={200: FieldValues, **ACTION_RESPONSES},
    summary="Fill in a conversation's fields",
)
def set_conversation_fields(
    request: HttpRequest, conversation_id: Id, payload: FieldValuesIn
) -> FieldValues:
    """Returns every value set on the conversation afterwards."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    actions.do_set_conversation_fields(conversation, payload.fields, actor=user)
    return dict(conversation.fields)
