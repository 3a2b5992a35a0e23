"""Retention: an inbox's policy (delete or anonymise conversations closed more than N
days ago), legal holds that keep conversations from it, and the periodic run. What a
run would do is ``postroom.inbox.privacy.due_for_retention`` (the dry run)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.removal import remove_conversations
from postroom.inbox.actors import SYSTEM, Actor
from postroom.inbox.models import (
    Contact,
    Conversation,
    Inbox,
    LegalHold,
    RetentionMode,
    RetentionPolicy,
)
from postroom.inbox.privacy import due_for_retention

MAX_DAYS = 36_500


@transaction.atomic
def do_set_retention(inbox: Inbox, *, days: int | None, mode: str, actor: Actor) -> None:
    """Set (``days``) or remove (None) the inbox's retention policy."""
    require(actor, "do_set_retention", inbox.pk)
    if days is None:
        RetentionPolicy.objects.filter(inbox=inbox).delete()
    else:
        if not 1 <= days <= MAX_DAYS:
            raise ValidationError({"days": _("Choose between 1 and 36500 days.")})
        if mode not in RetentionMode.values:
            raise ValidationError({"mode": _("Choose delete or anonymise.")})
        RetentionPolicy.objects.update_or_create(
            inbox=inbox, defaults={"days": days, "mode": mode, "updated_at": clock.now()}
        )
    record("inbox.retention_changed", actor=actor, inbox=inbox, data={"days": days, "mode": mode})


@transaction.atomic
def do_set_legal_hold(
    *,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    on: bool,
    reason: str = "",
    actor: Actor,
) -> None:
    """Place or lift a legal hold on one conversation or on every conversation of one
    contact: held conversations are never removed by retention."""
    if (conversation is None) == (contact is None):
        raise ValueError("a hold is on one conversation or on one contact")
    target: dict[str, Conversation | Contact | None]
    if conversation is not None:
        require_on(actor, "do_set_legal_hold", conversation)
        target = {"conversation": conversation}
    else:
        require(actor, "do_set_legal_hold", *Inbox.objects.values_list("pk", flat=True))
        target = {"contact": contact}
    if on:
        LegalHold.objects.get_or_create(
            **target,
            defaults={
                "reason": reason[:300],
                "placed_by": actor if isinstance(actor, User) else None,
                "placed_at": clock.now(),
            },
        )
    else:
        LegalHold.objects.filter(**target).delete()
    data: dict[str, object] = {"on": on, "reason": reason[:300]}
    if contact is not None:
        data["contact"] = contact.pk
    record("legal_hold.changed", actor=actor, conversation=conversation, data=data)


def do_apply_retention(now: datetime | None = None) -> int:
    """Remove what each inbox's policy says is due (one transaction per inbox).
    Returns how many conversations were deleted or anonymised."""
    require(SYSTEM, "do_apply_retention")
    total = 0
    for inbox, mode, due in due_for_retention(now or clock.now()):
        with transaction.atomic():
            ids = [c.pk for c in due]
            counts = remove_conversations(ids, erase=mode == RetentionMode.DELETE)
            record(
                "retention.applied",
                actor=SYSTEM,
                inbox=inbox,
                data={"mode": mode, "conversations": ids, "messages": counts["messages"]},
            )
            total += len(ids)
    return total
