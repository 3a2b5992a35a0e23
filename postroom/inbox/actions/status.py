"""Status, priority, snoozing, and the timed transitions (wake-ups, trash purge)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.core import clock
from postroom.inbox.access import require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.fields import check_fields_to_close
from postroom.inbox.actions.tasks import check_close_allowed
from postroom.inbox.actors import SYSTEM, Actor
from postroom.inbox.models import Activity, Conversation, Priority, Status


def _set_status(
    conversation: Conversation,
    status: str,
    *,
    actor: Actor,
    snoozed_until: datetime | None = None,
    verb: str = "conversation.status",
    until_reply: bool = False,
) -> None:
    previous = conversation.status
    conversation.status = status
    conversation.snoozed_until = snoozed_until if status == Status.SNOOZED else None
    conversation.trashed_at = clock.now() if status == Status.TRASH else None
    conversation.save(update_fields=["status", "snoozed_until", "trashed_at"])
    data: dict[str, object] = {"from": previous, "to": status}
    if snoozed_until is not None:
        data["until"] = snoozed_until.isoformat()
    elif until_reply:
        data["until_reply"] = True
    record(verb, actor=actor, conversation=conversation, data=data, event="conversation.status")


@transaction.atomic
def do_change_status(conversation: Conversation, status: str, *, actor: Actor) -> None:
    """Open, pending, closed, spam or trash. Snoozing has its own action (it needs a time).
    Closing is refused while the conversation has open tasks, if its inbox says so,
    and while a field required to close is empty."""
    require_on(actor, "do_change_status", conversation)
    if status not in Status.values or status == Status.SNOOZED:
        raise ValidationError({"status": _("Choose open, pending, closed, spam or trash.")})
    if status == conversation.status:
        return
    if status == Status.CLOSED:
        check_close_allowed(conversation)
        check_fields_to_close(conversation)
    _set_status(conversation, status, actor=actor)


@transaction.atomic
def do_snooze(conversation: Conversation, until: datetime | None, *, actor: Actor) -> None:
    """Hide the conversation until ``until``; it comes back open then, or on a customer
    reply. ``None``: until the customer replies (no wake time: the wake-up job never
    sees it; a reply that only says thanks does not wake it, as for a timed snooze)."""
    require_on(actor, "do_snooze", conversation)
    if until is None:
        _set_status(
            conversation, Status.SNOOZED, actor=actor, verb="conversation.snoozed", until_reply=True
        )
        return
    if until.tzinfo is None:
        raise ValidationError({"until": _("The time needs a time zone.")})
    if until <= clock.now():
        raise ValidationError({"until": _("Pick a time in the future.")})
    _set_status(
        conversation, Status.SNOOZED, actor=actor, snoozed_until=until, verb="conversation.snoozed"
    )


@transaction.atomic
def do_set_priority(conversation: Conversation, priority: int, *, actor: Actor) -> None:
    require_on(actor, "do_set_priority", conversation)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose low, normal, high or urgent.")})
    if priority == conversation.priority:
        return
    previous = conversation.priority
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    record(
        "conversation.priority",
        actor=actor,
        conversation=conversation,
        data={"from": previous, "to": priority},
    )


def do_wake_snoozed(now: datetime | None = None) -> int:
    """Reopen every conversation whose snooze has run out. Returns how many woke."""
    now = now or clock.now()
    due = list(
        Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
        .select_related("inbox")
        .values_list("pk", flat=True)[:500]
    )
    woken = 0
    for pk in due:
        # One short transaction per conversation keeps SQLite's write lock brief.
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update().select_related("inbox").get(pk=pk)
            )
            if (
                conversation.status != Status.SNOOZED
                or conversation.snoozed_until is None
                or conversation.snoozed_until > now
            ):
                continue
            _set_status(conversation, Status.OPEN, actor=SYSTEM, verb="conversation.woke")
            woken += 1
    return woken


def do_purge_trash(now: datetime | None = None) -> int:
    """Delete conversations that have been in the trash longer than the retention period."""
    now = now or clock.now()
    cutoff = now - timedelta(days=settings.POSTROOM_TRASH_RETENTION_DAYS)
    purged = 0
    for conversation in Conversation.objects.filter(
        status=Status.TRASH, trashed_at__lte=cutoff
    ).select_related("inbox")[:500]:
        with transaction.atomic():
            record(
                "conversation.purged",
                actor=SYSTEM,
                inbox=conversation.inbox,
                data={"conversation": conversation.pk, "subject": conversation.subject},
            )
            Activity.objects.filter(conversation=conversation).delete()
            conversation.delete()
            purged += 1
    return purged
