"""Search queries. Only inboxes the user may see are searched (a conversation in
several inboxes is found through any of them)."""

from __future__ import annotations

import shlex

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from postroom.accounts.models import User
from postroom.inbox.access import in_inboxes, inbox_levels
from postroom.inbox.fields import field_filter
from postroom.inbox.models import Conversation, CustomField, FieldTarget

MAX_RESULTS = 50
MAX_WORDS = 8
# Where each kind of record's custom fields are, seen from a conversation.
FIELD_PATHS = {
    FieldTarget.CONVERSATION: "fields",
    FieldTarget.CONTACT: "contact__fields",
    FieldTarget.COMPANY: "contact__company__fields",
}


def search_conversations(user: User, text: str, limit: int = MAX_RESULTS) -> QuerySet[Conversation]:
    """Conversations whose subject, customer or latest message preview contain every word
    of ``text`` (case-insensitive), newest first. A conversation number (#123) matches
    that conversation. ``key:value`` filters by a custom field (the conversation's, its
    contact's or their company's, by key; ``key:-`` for empty); a bad value is a
    ValidationError naming the field."""
    visible = list(inbox_levels(user))
    qs = Conversation.objects.filter(in_inboxes(visible))
    words = _words(text)[:MAX_WORDS]
    if not words:
        return qs.none()
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        return qs.filter(pk=int(words[0].lstrip("#"))).select_related("contact", "inbox")
    fields = _fields_named(words)
    for word in words:
        key, colon, value = word.partition(":")
        if colon and value and key in fields:
            qs = qs.filter(_any_field(fields[key], value))
            continue
        qs = qs.filter(
            Q(subject__icontains=word)
            | Q(preview__icontains=word)
            | Q(contact__email__icontains=word)
            | Q(contact__name__icontains=word)
        )
    return qs.select_related("contact", "inbox").order_by("-last_activity_at", "-id")[:limit]


def _words(text: str) -> list[str]:
    # "plan:\"Pro plan\"" is one word; an unbalanced quote is read as plain words.
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _fields_named(words: list[str]) -> dict[str, list[CustomField]]:
    keys = {word.partition(":")[0] for word in words if ":" in word}
    found: dict[str, list[CustomField]] = {}
    if keys:
        for field in CustomField.objects.filter(key__in=keys, archived_at__isnull=True):
            found.setdefault(field.key, []).append(field)
    return found


def _any_field(fields: list[CustomField], value: str) -> Q:
    """A key may be a conversation's, a contact's and a company's field at once: any of
    them matching is enough."""
    condition = Q()
    errors: list[ValidationError] = []
    for field in fields:
        try:
            condition |= field_filter(field, value, FIELD_PATHS[FieldTarget(field.target)])
        except ValidationError as error:
            errors.append(error)
    if errors and len(errors) == len(fields):
        raise errors[0]
    return condition
