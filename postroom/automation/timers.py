"""Time-based triggers: which moments have come of age for a rule.

Each time trigger has an *anchor*, an event of the log, and a condition that must still
hold when the rule's ``after_minutes`` have passed since it:

- ``after.created``: the conversation's ``conversation.created``;
- ``after.customer_message``: a customer's ``message.received`` that is still the
  latest customer message of the conversation;
- ``after.waiting_on_us``: the same, with no reply sent since, and the conversation open;
- ``after.pending``: a ``conversation.status`` to pending that is still the latest
  status change, the conversation still pending.

A rule fires once per anchor (``RuleRun`` is unique per rule and event, the anchor's
id), only for anchors from after it was turned on, so turning one on does not act on
history. Counted in calendar time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from postroom.automation.models import Rule, RuleRun
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation, Direction, Status

BATCH = 500

_ANCHOR = {
    "after.created": "conversation.created",
    "after.customer_message": "message.received",
    "after.waiting_on_us": "message.received",
    "after.pending": "conversation.status",
}


def time_rules() -> QuerySet[Rule]:
    return Rule.objects.filter(enabled=True, trigger__in=tuple(_ANCHOR)).order_by("position", "id")


def due_anchors(rule: Rule, now: datetime) -> list[LoggedEvent]:
    """The anchors ``rule`` should act on now, oldest first (at most ``BATCH``)."""
    if rule.after_minutes is None or rule.enabled_at is None:
        return []
    cutoff = now - timedelta(minutes=rule.after_minutes)
    anchors = LoggedEvent.objects.filter(
        type=_ANCHOR[rule.trigger],
        created_at__lte=cutoff,
        created_at__gte=rule.enabled_at,
        conversation_id__isnull=False,
    ).exclude(Exists(RuleRun.objects.filter(rule=rule, event=OuterRef("pk"))))
    if rule.inbox_id is not None:
        anchors = anchors.filter(inbox_id=rule.inbox_id)
    same = {"conversation_id": OuterRef("conversation_id"), "id__gt": OuterRef("id")}
    match rule.trigger:
        case "after.customer_message" | "after.waiting_on_us":
            anchors = anchors.filter(data__direction=Direction.INBOUND).exclude(
                Exists(
                    LoggedEvent.objects.filter(
                        type="message.received", data__direction=Direction.INBOUND, **same
                    )
                )
            )
            if rule.trigger == "after.waiting_on_us":
                anchors = anchors.exclude(
                    Exists(LoggedEvent.objects.filter(type="message.replied", **same))
                ).filter(
                    Exists(
                        Conversation.objects.filter(
                            pk=OuterRef("conversation_id"), status=Status.OPEN
                        )
                    )
                )
        case "after.pending":
            anchors = (
                anchors.filter(data__to=Status.PENDING)
                .exclude(Exists(LoggedEvent.objects.filter(type="conversation.status", **same)))
                .filter(
                    Exists(
                        Conversation.objects.filter(
                            pk=OuterRef("conversation_id"), status=Status.PENDING
                        )
                    )
                )
            )
    return list(anchors.filter(~Q(conversation_id=None)).order_by("id")[:BATCH])
