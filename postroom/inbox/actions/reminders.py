"""Follow-up reminders: "remind me in 3 days if there is no reply". A person sets one on
a conversation they can see; when it is due the ``fire_reminders`` job notifies them,
unless it was to be only without a reply and the customer has written since."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.automation.models import Reminder
from postroom.core import clock
from postroom.inbox.access import require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.notifications import notify
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Conversation, Direction, Message, MessageKind
from postroom.notifications.models import Kind

MAX_AHEAD = timedelta(days=366)


@transaction.atomic
def do_set_reminder(
    conversation: Conversation, due_at: datetime, *, unless_replied: bool = True, actor: User
) -> Reminder:
    require_on(actor, "do_set_reminder", conversation)
    now = clock.now()
    if due_at.tzinfo is None:
        raise ValidationError({"due_at": _("The time needs a time zone.")})
    if not now < due_at <= now + MAX_AHEAD:
        raise ValidationError({"due_at": _("Pick a time in the coming year.")})
    reminder = Reminder.objects.create(
        conversation=conversation,
        user=actor,
        due_at=due_at,
        unless_replied=unless_replied,
        created_at=now,
    )
    record(
        "reminder.set",
        actor=actor,
        conversation=conversation,
        target=reminder,
        data={
            "reminder": reminder.pk,
            "due_at": due_at.isoformat(),
            "unless_replied": unless_replied,
        },
    )
    return reminder


@transaction.atomic
def do_cancel_reminder(reminder: Reminder, *, actor: User) -> None:
    require(actor, "do_cancel_reminder", account=reminder.user)
    if reminder.done_at is not None:
        return
    reminder.done_at = clock.now()
    reminder.outcome = "cancelled"
    reminder.save(update_fields=["done_at", "outcome"])
    record(
        "reminder.done",
        actor=actor,
        conversation=reminder.conversation,
        target=reminder,
        data={"reminder": reminder.pk, "outcome": "cancelled"},
    )


def _reminder_text(replied: bool, subject: str) -> str:
    """Made in the reminded person's language (see ``notify``)."""
    text = _("No reply yet on “%(subject)s”") if not replied else _("Reminder: “%(subject)s”")
    return text % {"subject": subject}


@transaction.atomic
def do_fire_reminders() -> int:
    """Every due reminder: notify its person, or close it quietly when the customer
    replied meanwhile and it was only for no reply. Returns how many notified."""
    require(SYSTEM, "do_fire_reminders")
    now = clock.now()
    notified = 0
    due = Reminder.objects.filter(done_at__isnull=True, due_at__lte=now).select_related(
        "conversation", "user"
    )
    for reminder in due.select_for_update(skip_locked=True)[:500]:
        conversation = reminder.conversation
        replied = Message.objects.filter(
            conversation=conversation,
            direction=Direction.INBOUND,
            kind=MessageKind.NORMAL,
            created_at__gte=reminder.created_at,
        ).exists()
        outcome = "replied" if replied and reminder.unless_replied else "reminded"
        if outcome == "reminded" and reminder.user.is_active:
            text = partial(_reminder_text, replied, conversation.subject)
            notify(reminder.user, Kind.REMINDER, conversation, actor=SYSTEM, text=text)
            notified += 1
        reminder.done_at = now
        reminder.outcome = outcome
        reminder.save(update_fields=["done_at", "outcome"])
        record(
            "reminder.done",
            actor=SYSTEM,
            conversation=conversation,
            target=reminder,
            data={"reminder": reminder.pk, "outcome": outcome},
        )
    return notified
