"""Custom fields on pages: reading a posted fields form, and the field filters of a
list's address (``?field.plan=Pro``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.http import QueryDict

from postroom.inbox.fields import field_filter
from postroom.inbox.models import CustomField, FieldKind

PREFIX = "field."


def posted_fields(post: QueryDict, fields: Iterable[CustomField]) -> dict[str, object]:
    """The values of a fields form, every field of it: the form shows them all, so one
    left empty (an unticked box, no option chosen) is cleared."""
    values: dict[str, object] = {}
    for field in fields:
        name = PREFIX + field.key
        match field.kind:
            case FieldKind.CHECKBOX:
                values[field.key] = name in post
            case FieldKind.MULTI_CHOICE:
                values[field.key] = post.getlist(name)
            case _:
                values[field.key] = post.get(name, "")
    return values


def filters_from(
    query: Mapping[str, str], fields: Iterable[CustomField], path: str
) -> tuple[Q, dict[str, str]]:
    """The filter of the ``field.<key>`` parameters that name one of ``fields`` (the
    others are ignored, as an unknown parameter is), and those parameters, to keep in
    the list's links and its filter form."""
    condition = Q()
    used: dict[str, str] = {}
    for field in fields:
        raw = query.get(PREFIX + field.key, "").strip()
        if raw:
            condition &= field_filter(field, raw, path)
            used[field.key] = raw
    return condition, used
