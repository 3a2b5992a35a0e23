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
history.

Counted in calendar time, or (``Rule.business_hours``) in the business hours of the
conversation's home inbox (calendar time for an inbox without them). Business time
passed is never more than calendar time, so each inbox gets its own exact cutoff, the
moment ``after_minutes`` of its open time before now (``subtract_business_seconds``),
and the query keeps the anchors at or before their inbox's cutoff: every anchor it
returns is due, so a batch never fills with ones that are not, and none is marked as
looked at before its time.

SLA triggers (``sla.before_due``, ``sla.after_breach``) anchor on an SLA clock instead
of an event: ``after_minutes`` before its due time, or after it, while the target is
unmet. A clock is not an event, so its run is kept under ``-clock.id`` (``anchor_id``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from postroom.automation import vocabulary
from postroom.automation.models import Rule, RuleRun, SlaClock
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation, Direction, Status
from postroom.schedules.hours import NeverOpen, add_business_seconds, subtract_business_seconds
from postroom.schedules.models import BusinessHours
from postroom.schedules.queries import hours_of

BATCH = 500

_ANCHOR = {
    "after.created": "conversation.created",
    "after.customer_message": "message.received",
    "after.waiting_on_us": "message.received",
    "after.pending": "conversation.status",
}


SLA_TRIGGERS = vocabulary.SLA_TRIGGERS


def time_rules() -> QuerySet[Rule]:
    return Rule.objects.filter(enabled=True, trigger__in=(*_ANCHOR, *SLA_TRIGGERS)).order_by(
        "position", "id"
    )


def anchor_id(clock: SlaClock) -> int:
    """The ``RuleRun.event`` of an SLA clock: minus its id (clocks are not events)."""
    return -clock.pk


def _home_in(inbox_ids: list[int]) -> Exists:
    return Exists(
        Conversation.objects.filter(pk=OuterRef("conversation_id"), inbox_id__in=inbox_ids)
    )


def business_cutoffs(field: str, now: datetime, minutes: int, *, ahead: bool = False) -> Q:
    """``field <= the moment minutes of business time before now`` (``ahead``: after
    now), each row (an event or a clock) by its conversation's home inbox's hours;
    calendar time for an inbox without hours, or with hours that are never open. One
    query whatever the number of inboxes, and exact, so every row it keeps is due."""
    seconds = minutes * 60
    calendar = now + timedelta(seconds=seconds) if ahead else now - timedelta(seconds=seconds)
    by_cutoff: dict[datetime, list[int]] = {}
    counted: list[int] = []
    for row in BusinessHours.objects.prefetch_related("spans", "closed_days"):
        hours = hours_of(row)
        try:
            if ahead:
                cutoff = add_business_seconds(hours, now, seconds)
            else:
                cutoff = subtract_business_seconds(hours, now, seconds)
        except NeverOpen:
            cutoff = calendar
        by_cutoff.setdefault(cutoff, []).append(row.inbox_id)
        counted.append(row.inbox_id)
    found = Q(**{f"{field}__lte": calendar}) & ~Q(_home_in(counted))
    for cutoff, inbox_ids in by_cutoff.items():
        found |= Q(**{f"{field}__lte": cutoff}) & Q(_home_in(inbox_ids))
    return found


def due_anchors(rule: Rule, now: datetime) -> list[LoggedEvent]:
    """The anchors ``rule`` should act on now, oldest first (at most ``BATCH``)."""
    if rule.after_minutes is None or rule.enabled_at is None:
        return []
    if rule.business_hours:
        old_enough = business_cutoffs("created_at", now, rule.after_minutes)
    else:
        old_enough = Q(created_at__lte=now - timedelta(minutes=rule.after_minutes))
    anchors = LoggedEvent.objects.filter(
        old_enough,
        type=_ANCHOR[rule.trigger],
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


def due_clocks(rule: Rule, now: datetime) -> list[SlaClock]:
    """The unmet SLA clocks an SLA rule should act on now (at most ``BATCH``): due within
    ``after_minutes`` (``sla.before_due``) or overdue by that much (``sla.after_breach``),
    started after the rule was turned on, not acted on yet."""
    if rule.after_minutes is None or rule.enabled_at is None or rule.trigger not in SLA_TRIGGERS:
        return []
    ahead = rule.trigger == "sla.before_due"
    if rule.business_hours:
        old_enough = business_cutoffs("due_at", now, rule.after_minutes, ahead=ahead)
    else:
        shift = timedelta(minutes=rule.after_minutes)
        old_enough = Q(due_at__lte=now + shift if ahead else now - shift)
    clocks = SlaClock.objects.filter(
        old_enough, met_at__isnull=True, started_at__gte=rule.enabled_at
    ).exclude(Exists(RuleRun.objects.filter(rule=rule, event=-OuterRef("pk"))))
    if rule.sla_target:
        clocks = clocks.filter(target=rule.sla_target)
    if rule.inbox_id is not None:
        clocks = clocks.filter(conversation__inbox_id=rule.inbox_id)
    return list(clocks.order_by("id")[:BATCH])
