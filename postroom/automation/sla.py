"""SLA policies: which applies to a conversation, and when a target falls due.

A conversation's policy is the first enabled one, in order, of its home inbox and then
of the workspace, whose filters match it (a minimum priority, a label). Targets are
counted in the inbox's business hours (postroom.schedules; an inbox without them is
always open) unless the policy says calendar time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from postroom.automation.models import SlaClock, SlaPolicy, SlaTarget
from postroom.inbox.models import Conversation, ConversationLabel, Inbox
from postroom.schedules.hours import NeverOpen, add_business_seconds
from postroom.schedules.queries import inbox_hours

MINUTES = {
    SlaTarget.FIRST_RESPONSE: "first_response_minutes",
    SlaTarget.NEXT_RESPONSE: "next_response_minutes",
    SlaTarget.RESOLUTION: "resolution_minutes",
}


def policy_for(conversation: Conversation) -> SlaPolicy | None:
    labels = set(
        ConversationLabel.objects.filter(conversation=conversation).values_list(
            "label_id", flat=True
        )
    )
    candidates = SlaPolicy.objects.filter(enabled=True).filter(
        Q(inbox_id=conversation.inbox_id) | Q(inbox__isnull=True)
    )
    for policy in sorted(candidates, key=lambda p: (p.inbox_id is None, p.position, p.pk)):
        if policy.min_priority is not None and conversation.priority < policy.min_priority:
            continue
        if policy.label_id is not None and policy.label_id not in labels:
            continue
        return policy
    return None


def minutes_of(policy: SlaPolicy, target: str) -> int | None:
    value: int | None = getattr(policy, MINUTES[SlaTarget(target)])
    return value


def due(
    policy: SlaPolicy, inbox: Inbox, start: datetime, minutes: int
) -> tuple[datetime, datetime]:
    """(due, warn): ``minutes`` after ``start``, and ``warn_minutes`` before that, in the
    inbox's business hours or in calendar time."""
    if not policy.business_hours:
        at = start + timedelta(minutes=minutes)
        return at, at - timedelta(minutes=policy.warn_minutes)
    hours = inbox_hours(inbox)
    try:
        at = add_business_seconds(hours, start, minutes * 60)
        warn_after = max(0, minutes - policy.warn_minutes) * 60
        return at, add_business_seconds(hours, start, warn_after)
    except NeverOpen:  # hours with no open time at all: count calendar time instead
        at = start + timedelta(minutes=minutes)
        return at, at - timedelta(minutes=policy.warn_minutes)


def open_clocks(conversation: Conversation) -> list[SlaClock]:
    return list(
        SlaClock.objects.filter(conversation=conversation, met_at__isnull=True).select_related(
            "policy"
        )
    )


@dataclass(frozen=True)
class RowState:
    """What a list row shows of its reply times: the nearest open target, and whether
    the job has found it due soon (warned) or missed (breached). Never decided against
    the clock at render time (docs/web-app.md, "Time under the cache")."""

    target: str
    due_at: datetime
    soon: bool
    overdue: bool


def row_states(conversation_ids: list[int]) -> dict[int, RowState]:
    """The nearest open target of each conversation, in one query."""
    found: dict[int, RowState] = {}
    clocks = SlaClock.objects.filter(
        conversation_id__in=conversation_ids, met_at__isnull=True
    ).order_by("conversation_id", "due_at", "id")
    for item in clocks.only("conversation_id", "target", "due_at", "warned_at", "breached_at"):
        found.setdefault(
            item.conversation_id,
            RowState(
                target=item.target,
                due_at=item.due_at,
                soon=item.warned_at is not None,
                overdue=item.breached_at is not None,
            ),
        )
    return found
