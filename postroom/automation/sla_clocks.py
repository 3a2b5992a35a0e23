"""The ``sla`` reactor: starts, stops and re-times each conversation's SLA clocks as
its events come (docs/automation.md, "SLAs"). The clocks are the reactor's own
bookkeeping, written in its transaction; warnings and breaches are actions
(``do_check_sla``, run each minute).
"""

from __future__ import annotations

from datetime import datetime

from postroom.automation import sla
from postroom.automation.models import SlaClock, SlaPolicy, SlaTarget
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation, Direction, MessageKind, Status

RESPONSES = (SlaTarget.FIRST_RESPONSE, SlaTarget.NEXT_RESPONSE)


def keep(event: LoggedEvent) -> None:
    conversation = (
        Conversation.objects.filter(pk=event.conversation_id).select_related("inbox").first()
        if event.conversation_id is not None
        else None
    )
    if conversation is None:
        return
    at, data = event.created_at, event.data
    match event.type:
        case "conversation.created":
            policy = sla.policy_for(conversation)
            if policy is not None:
                if not data.get("outbound"):
                    _start(conversation, policy, SlaTarget.FIRST_RESPONSE, at)
                _start(conversation, policy, SlaTarget.RESOLUTION, at)
        case "message.received":
            if (
                data.get("direction") != Direction.INBOUND
                or data.get("kind") != MessageKind.NORMAL
                or data.get("new_conversation")
            ):
                return
            policy = sla.policy_for(conversation)
            if policy is None:
                return
            running = {c.target for c in sla.open_clocks(conversation)}
            if not running & set(RESPONSES):
                _start(conversation, policy, SlaTarget.NEXT_RESPONSE, at)
            if SlaTarget.RESOLUTION not in running:
                _start(conversation, policy, SlaTarget.RESOLUTION, at)  # reopened
        case "message.replied":
            _stop(conversation, RESPONSES, at)
        case "conversation.status":
            if data.get("to") == Status.CLOSED or data.get("to") in (Status.SPAM, Status.TRASH):
                _stop(conversation, (*RESPONSES, SlaTarget.RESOLUTION), at)
        case "conversation.priority" | "conversation.labelled" | "conversation.unlabelled":
            _retime(conversation, at)


def _start(conversation: Conversation, policy: SlaPolicy, target: str, at: datetime) -> None:
    minutes = sla.minutes_of(policy, target)
    if minutes is None or at < policy.created_at:
        return  # no such target, or a moment from before the policy (a reactor catching up)
    due_at, warn_at = sla.due(policy, conversation.inbox, at, minutes)
    SlaClock.objects.create(
        conversation=conversation,
        policy=policy,
        target=target,
        started_at=at,
        due_at=due_at,
        warn_at=warn_at,
    )


def _stop(conversation: Conversation, targets: tuple[str, ...], at: datetime) -> None:
    SlaClock.objects.filter(
        conversation=conversation, target__in=targets, met_at__isnull=True
    ).update(met_at=at)


def _retime(conversation: Conversation, at: datetime) -> None:
    """Another policy may apply now (a raised priority, a label): open clocks keep their
    start and take the new policy's target, or stop when it has none."""
    policy = sla.policy_for(conversation)
    for clock in sla.open_clocks(conversation):
        if policy is not None and policy.pk == clock.policy_id:
            continue
        minutes = sla.minutes_of(policy, clock.target) if policy is not None else None
        if policy is None or minutes is None:
            clock.met_at = at
            clock.save(update_fields=["met_at"])
            continue
        clock.policy = policy
        clock.due_at, clock.warn_at = sla.due(policy, conversation.inbox, clock.started_at, minutes)
        clock.save(update_fields=["policy", "due_at", "warn_at"])
