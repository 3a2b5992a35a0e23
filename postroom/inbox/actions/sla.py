"""SLA policies (saved like rules: manage on the inbox, or on every inbox for one that
covers all) and the minute's check of running clocks: warnings before a target, and
breaches, with the policy's breach steps."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.automation import vocabulary
from postroom.automation.models import SlaClock, SlaPolicy, SlaTarget
from postroom.core import clock
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.notifications import notify
from postroom.inbox.actions.rules import (
    MAX_NAME,
    check_names,
    next_position,
    require_definition,
    rule_inboxes,
)
from postroom.inbox.actions.steps import take_step
from postroom.inbox.actors import SYSTEM, Actor, NonUserActor
from postroom.inbox.models import ActorKind, ConversationAssignee, Inbox, Label
from postroom.notifications.models import Kind

MAX_TARGET_MINUTES = 60 * 24 * 90
BATCH = 500


def _minutes(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_TARGET_MINUTES
    ):
        raise ValidationError({name: _("Minutes from 1 to 90 days.")})
    return value


@transaction.atomic
def do_save_sla_policy(
    policy: SlaPolicy | None,
    *,
    inbox: Inbox | None,
    name: str,
    first_response_minutes: int | None = None,
    next_response_minutes: int | None = None,
    resolution_minutes: int | None = None,
    business_hours: bool = True,
    warn_minutes: int = 30,
    min_priority: int | None = None,
    label: Label | None = None,
    breach_actions: object = (),
    enabled: bool = True,
    position: int | None = None,
    actor: Actor,
) -> SlaPolicy:
    steps_raw = list(breach_actions) if isinstance(breach_actions, list | tuple) else breach_actions
    require_definition(actor, "do_save_sla_policy", inbox, policy, steps_raw)
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": _("A policy needs a name (at most 120 characters).")})
    targets = {
        "first_response_minutes": _minutes("first_response_minutes", first_response_minutes),
        "next_response_minutes": _minutes("next_response_minutes", next_response_minutes),
        "resolution_minutes": _minutes("resolution_minutes", resolution_minutes),
    }
    if all(value is None for value in targets.values()):
        raise ValidationError({"first_response_minutes": _("Set at least one target.")})
    if not isinstance(warn_minutes, int) or not 0 <= warn_minutes <= MAX_TARGET_MINUTES:
        raise ValidationError({"warn_minutes": _("Minutes from 0 to 90 days.")})
    if min_priority is not None and min_priority not in (0, 1, 2, 3):
        raise ValidationError({"min_priority": _("A priority: 0 (low) to 3 (urgent).")})
    steps = vocabulary.clean_steps(steps_raw) if steps_raw else []
    vocabulary.refuse_rule_only(steps)
    check_names({"match": "all", "conditions": []}, steps)
    now = clock.now()
    created = policy is None
    if policy is None:
        policy = SlaPolicy(created_at=now, position=next_position(SlaPolicy, inbox))
    for field, value in targets.items():
        setattr(policy, field, value)
    policy.inbox, policy.name, policy.business_hours = inbox, name, business_hours
    policy.warn_minutes, policy.min_priority, policy.label = warn_minutes, min_priority, label
    policy.breach_actions, policy.enabled, policy.updated_at = steps, enabled, now
    if position is not None:
        policy.position = max(0, position)
    policy.save()
    record(
        "sla_policy.created" if created else "sla_policy.updated",
        actor=actor,
        inbox=inbox,
        target=policy,
        data={"policy": policy.pk, "name": policy.name, "enabled": policy.enabled},
    )
    return policy


@transaction.atomic
def do_delete_sla_policy(policy: SlaPolicy, *, actor: Actor) -> None:
    require(actor, "do_delete_sla_policy", *rule_inboxes(policy.inbox))
    record(
        "sla_policy.deleted",
        actor=actor,
        inbox=policy.inbox,
        data={"policy": policy.pk, "name": policy.name, "enabled": policy.enabled},
    )
    policy.delete()


# The notifications' texts, made in each assignee's language (``label``: lazy).
def _due_soon(label: object, subject: str) -> str:
    return _("%(target)s due soon on “%(subject)s”") % {"target": label, "subject": subject}


def _overdue(label: object, subject: str) -> str:
    return _("%(target)s overdue on “%(subject)s”") % {"target": label, "subject": subject}


def _tell_assignees(running: SlaClock, text: Callable[[], str]) -> None:
    """``text`` is made once per assignee, in their language."""
    conversation = running.conversation
    assigned = ConversationAssignee.objects.filter(conversation=conversation)
    for row in assigned.select_related("user").order_by("user_id"):
        notify(row.user, Kind.SLA, conversation, actor=SYSTEM, text=text)


@transaction.atomic
def do_check_sla() -> tuple[int, int]:
    """Warn about the clocks whose warning time came, breach those whose due time came
    (once each). Returns (warned, breached)."""
    require(SYSTEM, "do_check_sla")
    now = clock.now()
    running = SlaClock.objects.filter(met_at__isnull=True, breached_at__isnull=True)
    warned = breached = 0
    # A range on warn_at alone (its index); those already due are breached below instead.
    due_soon = running.filter(warned_at__isnull=True, warn_at__lte=now)
    for item in due_soon.select_related("conversation", "policy")[:BATCH]:
        if item.due_at <= now:
            continue
        item.warned_at = now
        item.save(update_fields=["warned_at"])
        label = SlaTarget(item.target).label
        record(
            "sla.warning",
            actor=SYSTEM,
            conversation=item.conversation,
            target=item,
            data={
                "target": item.target,
                "due_at": item.due_at.isoformat(),
                "policy": item.policy_id,
            },
        )
        _tell_assignees(
            item,
            partial(_due_soon, label, item.conversation.subject),
        )
        warned += 1
    for item in running.filter(due_at__lte=now).select_related("conversation", "policy")[:BATCH]:
        item.breached_at = now
        item.save(update_fields=["breached_at"])
        policy = item.policy
        actor = NonUserActor(ActorKind.RULE, _("SLA “%(name)s”") % {"name": policy.name})
        errors: list[str] = []
        for step in policy.breach_actions:
            try:
                with transaction.atomic():
                    item.conversation.refresh_from_db()
                    take_step(step, item.conversation, rule=None, actor=actor)
            except (ValidationError, PermissionDenied, ObjectDoesNotExist) as error:
                errors.append(f"{step['kind']}: {error}")
        record(
            "sla.breached",
            actor=SYSTEM,
            conversation=item.conversation,
            target=item,
            data={
                "target": item.target,
                "due_at": item.due_at.isoformat(),
                "policy": policy.pk,
                "errors": errors,
            },
        )
        _tell_assignees(
            item,
            partial(_overdue, SlaTarget(item.target).label, item.conversation.subject),
        )
        breached += 1
    return warned, breached
