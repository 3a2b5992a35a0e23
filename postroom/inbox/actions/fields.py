"""Custom fields: defining them (owners and admins) and filling them in on a
conversation (whoever may reply there) or on a contact or company (whoever may reply
where that client writes, as for pinned notes). See docs/custom-fields.md.

The events name the keys that changed, never the values: a value is the customer's
data (an order number, a contract date) and the log outlives an erased contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.core import clock
from postroom.inbox import fields as custom
from postroom.inbox.access import conversation_inbox_ids, require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.customers import check_client_in
from postroom.inbox.actors import Actor
from postroom.inbox.models import (
    Company,
    Contact,
    Conversation,
    CustomField,
    FieldKind,
    FieldTarget,
    Inbox,
)

MAX_LABEL = 80
CHOICE_KINDS = (FieldKind.CHOICE, FieldKind.MULTI_CHOICE)
# Search reads ``key:value`` as a field filter; these words are its own operators.
RESERVED_KEYS = frozenset(
    {"from", "to", "cc", "inbox", "label", "is", "in", "assignee", "has", "before", "after"}
)


def _choices(kind: str, raw: Iterable[str]) -> list[str]:
    options = list(dict.fromkeys(option.strip() for option in raw if option.strip()))
    if kind not in CHOICE_KINDS:
        return []
    if not options:
        raise ValidationError({"choices": _("A choice field needs at least one option.")})
    if len(options) > custom.MAX_CHOICES:
        raise ValidationError({"choices": _("At most 100 options.")})
    for option in options:
        if len(option) > custom.MAX_CHOICE or '"' in option:
            raise ValidationError(
                {"choices": _("An option has at most 80 characters and no double quote.")}
            )
    return options


@transaction.atomic
def do_save_field(
    field: CustomField | None,
    *,
    target: str,
    key: str,
    label: str,
    kind: str,
    choices: Iterable[str] = (),
    help_text: str = "",
    required_on_close: bool = False,
    inboxes: Iterable[Inbox] = (),
    position: int | None = None,
    actor: Actor,
) -> CustomField:
    """Define a field (``field`` None) or change one. Its kind of record, key and type
    are fixed once made: stored values, rules and the API depend on them."""
    require(actor, "do_save_field")
    label = label.strip()
    errors: dict[str, str] = {}
    if field is None:
        if target not in FieldTarget.values:
            errors["target"] = _("Choose conversation, contact or company.")
        if not custom.KEY.match(key):
            errors["key"] = _(
                "A key of lower-case letters, digits and underscores, starting with a letter."
            )
        elif key in RESERVED_KEYS:
            errors["key"] = _("This word is a search operator: choose another key.")
        elif CustomField.objects.filter(target=target, key=key).exists():
            errors["key"] = _("Another field has this key.")
        if kind not in FieldKind.values:
            errors["kind"] = _("Choose text, number, date, choice, multi_choice or checkbox.")
    else:
        target, key, kind = field.target, field.key, field.kind
    if not label or len(label) > MAX_LABEL:
        errors["label"] = _("A label of at most 80 characters.")
    if len(help_text) > 200:
        errors["help_text"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    options = _choices(kind, choices)
    if field is not None and kind in CHOICE_KINDS:
        dropped = set(field.choices) - set(options)
        if dropped:
            # Values already stored would no longer be valid options.
            raise ValidationError(
                {
                    "choices": _("Options in use cannot be removed: %(o)s")
                    % {"o": ", ".join(sorted(dropped))}
                }
            )
    on_conversations = target == FieldTarget.CONVERSATION
    created = field is None
    if field is None:
        field = CustomField(target=target, key=key, kind=kind)
        field.position = custom.active_fields(target).count()
    field.label, field.choices, field.help_text = label, options, help_text.strip()
    field.required_on_close = bool(required_on_close) and on_conversations
    if position is not None:
        field.position = max(0, position)
    field.save()
    field.inboxes.set(list(dict.fromkeys(inboxes)) if on_conversations else [])
    record(
        "field.created" if created else "field.changed",
        actor=actor,
        target=field,
        data={"field": field.pk, "target": target, "key": key},
    )
    return field


@transaction.atomic
def do_archive_field(field: CustomField, *, actor: Actor) -> None:
    """Stop offering a field. Its values stay on the records (hidden) and its key stays
    taken, so an old rule or export never reads another field's values under it."""
    require(actor, "do_archive_field")
    if field.archived_at is not None:
        return
    field.archived_at = clock.now()
    field.save(update_fields=["archived_at", "updated_at"])
    record(
        "field.archived",
        actor=actor,
        target=field,
        data={"field": field.pk, "target": field.target, "key": field.key},
    )


@transaction.atomic
def do_set_conversation_fields(
    conversation: Conversation, changes: Mapping[str, object], *, actor: Actor
) -> list[str]:
    """Fill in or clear (an empty value) some of a conversation's fields; the others keep
    their values. Returns the keys that changed."""
    require_on(actor, "do_set_conversation_fields", conversation)
    inboxes = conversation_inbox_ids(conversation)
    values, changed = custom.merged_values(
        conversation.fields, changes, custom.fields_for_inboxes(inboxes)
    )
    if changed:
        conversation.fields = values
        conversation.save(update_fields=["fields"])
        record(
            "conversation.fields_changed",
            actor=actor,
            conversation=conversation,
            data={"keys": changed},
        )
    return changed


@transaction.atomic
def do_set_client_fields(
    changes: Mapping[str, object],
    *,
    inbox: Inbox,
    contact: Contact | None = None,
    company: Company | None = None,
    actor: Actor,
) -> list[str]:
    """Fill in or clear some of a contact's or a company's fields."""
    require(actor, "do_set_client_fields", inbox.pk)
    client = contact if contact is not None else company
    if client is None or (contact is not None and company is not None):
        raise ValueError("client fields are on a contact or on a company")
    check_client_in(inbox, contact, company)
    target = FieldTarget.CONTACT if contact is not None else FieldTarget.COMPANY
    values, changed = custom.merged_values(client.fields, changes, custom.active_fields(target))
    if changed:
        client.fields = values
        client.save(update_fields=["fields"])
        record(
            f"{target}.fields_changed",
            actor=actor,
            inbox=inbox,
            target=client,
            data={target: client.pk, "keys": changed},
        )
    return changed


def check_fields_to_close(conversation: Conversation) -> None:
    """Refuse closing a conversation whose required fields are empty. Call inside the
    closing action's transaction."""
    inboxes = conversation_inbox_ids(conversation)
    fields = [f for f in custom.fields_for_inboxes(inboxes) if f.required_on_close]
    missing = [f for f in fields if custom.is_empty(conversation.fields.get(f.key))]
    if missing:
        message = _("Fill in %(fields)s before closing.") % {
            "fields": ", ".join(f.label for f in missing)
        }
        raise ValidationError({f"fields.{missing[0].key}": message})
