"""Custom fields as records hold them: which fields apply where, what a value may be,
and whether a conversation has what it needs to be closed.

A value is stored in its JSON form: text and a choice as a string, a number as a JSON
number, a date as ``YYYY-MM-DD``, a multiple choice as a list of options in the field's
order, a checkbox as ``true``. An empty value (no text, no option, an unticked box) is
not stored at all, so "is set" is "the key is there".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from postroom.inbox.models import CustomField, FieldKind, FieldTarget

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 500
MAX_CHOICES = 100
MAX_CHOICE = 80
# Numbers are kept as JSON numbers; beyond this a float no longer holds every integer.
MAX_NUMBER = Decimal(2**53)


def active_fields(target: str) -> QuerySet[CustomField]:
    return CustomField.objects.filter(target=target, archived_at__isnull=True).order_by(
        "position", "pk"
    )


def fields_for_inboxes(inbox_ids: Iterable[int]) -> list[CustomField]:
    """The conversation fields that apply in any of these inboxes (a field limited to
    none applies in all)."""
    ids = list(inbox_ids)
    return list(
        active_fields(FieldTarget.CONVERSATION)
        .filter(Q(inboxes__isnull=True) | Q(inboxes__in=ids))
        .distinct()
    )


def is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value is False


def clean_value(field: CustomField, raw: object, where: str) -> Any:
    """``raw`` as the field stores it, or None for "empty" (the key is removed). Raises a
    ValidationError at ``where`` when it does not fit the field's type."""
    if is_empty(raw):
        return None
    match field.kind:
        case FieldKind.TEXT:
            if not isinstance(raw, str) or len(raw) > MAX_TEXT:
                raise ValidationError({where: _("Text of at most 500 characters.")})
            return raw.strip() or None
        case FieldKind.NUMBER:
            return _number(raw, where)
        case FieldKind.DATE:
            if isinstance(raw, str):
                try:
                    return date.fromisoformat(raw.strip()).isoformat()
                except ValueError:
                    pass
            raise ValidationError({where: _("A date as YYYY-MM-DD.")})
        case FieldKind.CHOICE:
            if raw not in field.choices:
                raise ValidationError({where: _("Choose one of: %(c)s") % {"c": _listed(field)}})
            return raw
        case FieldKind.MULTI_CHOICE:
            picked = [raw] if isinstance(raw, str) else raw
            if not isinstance(picked, list) or any(item not in field.choices for item in picked):
                raise ValidationError({where: _("Choose from: %(c)s") % {"c": _listed(field)}})
            return [option for option in field.choices if option in picked]
        case _:  # checkbox
            if raw is True or raw in ("true", "on", "1"):
                return True
            raise ValidationError({where: _("true or false.")})


def _number(raw: object, where: str) -> int | float:
    if isinstance(raw, bool):
        raise ValidationError({where: _("A number.")})
    try:
        number = Decimal(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else None
        if isinstance(raw, int | float):
            number = Decimal(str(raw))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > MAX_NUMBER:
        raise ValidationError({where: _("A number.")})
    return int(number) if number == number.to_integral_value() else float(number)


def _listed(field: CustomField) -> str:
    return ", ".join(field.choices)


def merged_values(
    current: Mapping[str, Any],
    changes: Mapping[str, object],
    fields: Iterable[CustomField],
    where: str = "fields",
) -> tuple[dict[str, Any], list[str]]:
    """The record's values after ``changes`` (key → raw value; empty clears) and the keys
    that changed. A key no field of the record's kind has is refused by name."""
    by_key = {field.key: field for field in fields}
    values = dict(current)
    changed = []
    for key, raw in changes.items():
        field = by_key.get(key)
        if field is None:
            raise ValidationError({f"{where}.{key}": _("No such field.")})
        value = clean_value(field, raw, f"{where}.{key}")
        if values.get(key) == value:
            continue
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
        changed.append(key)
    return values, sorted(changed)


def missing_to_close(values: Mapping[str, Any], fields: Iterable[CustomField]) -> list[str]:
    """Labels of the fields required to close that ``values`` leaves empty."""
    return [f.label for f in fields if f.required_on_close and is_empty(values.get(f.key))]


def as_text(value: Any) -> str:
    """A stored value as text: a ticked box is "Yes", a multiple choice its options."""
    if is_empty(value):
        return ""
    if value is True:
        return _("Yes")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def shown(fields: Iterable[CustomField], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each field with its value, for a page's form or its read-only list."""
    return [
        {"field": f, "value": values.get(f.key), "text": as_text(values.get(f.key))} for f in fields
    ]


def field_filter(field: CustomField, raw: str, path: str = "fields") -> Q:
    """Records whose ``field`` matches ``raw`` as a list filter reads it: text contains it
    (any case), a multiple choice includes the option, anything else equals it; ``-``
    asks for the field to be empty. ``path`` leads to the JSON column (``contact__fields``
    for a conversation's contact)."""
    lookup = f"{path}__{field.key}"
    if raw.strip() == "-":
        return Q(**{f"{lookup}__isnull": True})
    value = clean_value(field, raw, f"field.{field.key}")
    if value is None:
        return Q()
    match field.kind:
        case FieldKind.TEXT:
            return Q(**{f"{lookup}__icontains": value})
        case FieldKind.MULTI_CHOICE:
            # The list's JSON text holds each option in quotes (options have none of
            # their own): the same test on SQLite, which has no JSON containment.
            return Q(**{f"{lookup}__icontains": f'"{value[0]}"'})
    return Q(**{lookup: value})


@dataclass(frozen=True)
class SidebarFields:
    conversation: list[CustomField]
    contact: list[CustomField]
    company: list[CustomField]


def sidebar_fields(inbox_ids: Iterable[int]) -> SidebarFields:
    """Every field a conversation page shows, in one query: the conversation's (those of
    its inboxes), its contact's and its company's."""
    ids = list(inbox_ids)
    found = (
        CustomField.objects.filter(archived_at__isnull=True)
        .filter(~Q(target=FieldTarget.CONVERSATION) | Q(inboxes__isnull=True) | Q(inboxes__in=ids))
        .distinct()
        .order_by("position", "pk")
    )
    by_target: dict[str, list[CustomField]] = {t: [] for t in FieldTarget.values}
    for field in found:
        by_target[field.target].append(field)
    return SidebarFields(
        by_target[FieldTarget.CONVERSATION],
        by_target[FieldTarget.CONTACT],
        by_target[FieldTarget.COMPANY],
    )
