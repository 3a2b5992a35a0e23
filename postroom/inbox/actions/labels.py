"""Labels: defining them (admins) and putting them on conversations."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import Team
from postroom.inbox.access import require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.models import Conversation, ConversationLabel, Label

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_label_fields(name: str, color: str, icon: str, *, exclude: int | None = None) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("A label needs a name.")
    elif (
        Label.objects.filter(name__iexact=name.strip())
        .exclude(pk=exclude if exclude is not None else -1)
        .exists()
    ):
        errors["name"] = _("A label with this name exists.")
    if not _COLOUR.match(color):
        errors["color"] = _("Use a colour like #1f6feb.")
    if len(icon) > 8:
        errors["icon"] = _("The icon is one emoji or a short symbol.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_label(
    *,
    name: str,
    color: str = "#6b7280",
    icon: str = "",
    teams: Iterable[Team] = (),
    actor: Actor,
) -> Label:
    require(actor, "do_create_label")
    check_label_fields(name, color, icon)
    label = Label.objects.create(name=name.strip(), color=color, icon=icon)
    label.teams.set(list(teams))
    record("label.created", actor=actor, target=label, data={"name": label.name})
    return label


@transaction.atomic
def do_update_label(
    label: Label, *, name: str, color: str, icon: str, teams: Iterable[Team], actor: Actor
) -> Label:
    require(actor, "do_update_label")
    check_label_fields(name, color, icon, exclude=label.pk)
    label.name, label.color, label.icon = name.strip(), color, icon
    label.save()
    label.teams.set(list(teams))
    record("label.updated", actor=actor, target=label, data={"name": label.name})
    return label


@transaction.atomic
def do_delete_label(label: Label, *, actor: Actor) -> None:
    require(actor, "do_delete_label")
    record("label.deleted", actor=actor, data={"name": label.name, "label": label.pk})
    label.delete()


@transaction.atomic
def do_add_label(conversation: Conversation, label: Label, *, actor: Actor) -> bool:
    """Put ``label`` on the conversation; returns False when it was already there."""
    require_on(actor, "do_add_label", conversation)
    _, created = ConversationLabel.objects.get_or_create(
        conversation=conversation, label=label, defaults={"inbox_id": conversation.inbox_id}
    )
    if created:
        record(
            "conversation.labelled",
            actor=actor,
            conversation=conversation,
            target=label,
            data={"label": label.pk, "name": label.name},
        )
    return created


@transaction.atomic
def do_remove_label(conversation: Conversation, label: Label, *, actor: Actor) -> bool:
    require_on(actor, "do_remove_label", conversation)
    deleted, _ = ConversationLabel.objects.filter(conversation=conversation, label=label).delete()
    if deleted:
        record(
            "conversation.unlabelled",
            actor=actor,
            conversation=conversation,
            target=label,
            data={"label": label.pk, "name": label.name},
        )
    return bool(deleted)
