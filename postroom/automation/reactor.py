"""The ``rules`` reactor: for each event that can trigger rules, the enabled rules whose
conditions hold take their steps through the actions, with the rule as the actor; each
run is logged on the rule (``RuleRun``) in the same transaction.

A step that fails (a label deleted since, a person without access) is noted in the run
and the other steps go on: one stale step must not stop a rule routing mail, nor park
the reactor. The reactor's own retry covers failures of the database itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction

from postroom.automation import engine, timers
from postroom.automation import facts as gather
from postroom.automation.conditions import Facts, holds
from postroom.automation.models import AssignmentWait, Rule, RuleRun, SlaClock
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.inbox.actions.steps import hand_out, take_step
from postroom.inbox.actors import SYSTEM, NonUserActor
from postroom.inbox.models import ActorKind, Conversation, Status

_FAILURES = (ValidationError, PermissionDenied, ObjectDoesNotExist)


def rule_actor(rule: Rule) -> NonUserActor:
    return NonUserActor(ActorKind.RULE, rule.name, rule.pk)


def handle(event: LoggedEvent) -> None:
    if not gather.applies(event) or not gather.any_enabled(event.type):
        return  # most events: one indexed query
    found = gather.facts_now(event)
    if found is None:
        return
    conversation, facts = found
    rules = gather.rules_for(event.type, facts.inbox_ids)
    if engine.uses(rules, "business_hours"):
        facts = engine.with_business_hours(facts, conversation.inbox, event.created_at)
    for rule in engine.decide(rules, event, facts):
        if RuleRun.objects.filter(rule=rule, event=event.pk).exists():
            continue  # a re-run of a parked event: each rule once
        run(rule, conversation, facts, event)


def run(rule: Rule, conversation: Conversation, facts: Facts, event: LoggedEvent) -> RuleRun:
    names = engine.Names(rule.actions)
    done: list[str] = []
    errors: list[str] = []
    since = clock.now() - timedelta(hours=1)
    if (
        RuleRun.objects.filter(
            rule=rule, conversation=conversation, created_at__gte=since, matched=True
        ).count()
        >= engine.MAX_RUNS_PER_HOUR
    ):
        errors.append(f"loop guard: ran {engine.MAX_RUNS_PER_HOUR} times in an hour")
    else:
        for step in rule.actions:
            text = engine.describe(step, names)
            try:
                with transaction.atomic():
                    conversation.refresh_from_db()
                    outcome = take_step(step, conversation, rule=rule, actor=rule_actor(rule))
            except _FAILURES as error:
                errors.append(f"{text}: {_message(error)}")
            else:
                done.append(f"{text}: {outcome}" if outcome else text)
    return RuleRun.objects.create(
        rule=rule,
        conversation=conversation,
        event=event.pk,
        done=done,
        errors=errors,
        created_at=clock.now(),
    )


def assign_waiting(event: LoggedEvent | None = None) -> int:
    """Hand out waiting conversations, oldest first, while someone is free: after a
    conversation left someone's open load (the ``assignment`` reactor), and each minute
    (a shift began, a capacity was raised). Returns how many were assigned."""
    assigned = 0
    full: set[int] = set()  # teams found with nobody free in this round
    for wait in AssignmentWait.objects.select_related("conversation", "team", "rule")[:200]:
        conversation = wait.conversation
        if conversation.is_assigned or conversation.status != Status.OPEN:
            wait.delete()  # someone took it, or it was closed meanwhile
            continue
        if wait.team_id in full:
            continue
        actor = rule_actor(wait.rule) if wait.rule is not None else SYSTEM
        with transaction.atomic():
            outcome = hand_out(conversation, wait.team, wait.mode, rule=wait.rule, actor=actor)
        if outcome.startswith("waiting"):
            full.add(wait.team_id)
        else:
            assigned += 1
    return assigned


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(str(m) for m in error.messages)
    return str(error) or type(error).__name__


def run_time_rules() -> int:
    """Every enabled time-based rule on the moments that came of age (the ``time_rules``
    job, each minute). Returns how many runs matched."""
    now = clock.now()
    matched = 0
    for rule in timers.time_rules():
        if rule.trigger in timers.SLA_TRIGGERS:
            anchors = [_clock_anchor(item, rule, now) for item in timers.due_clocks(rule, now)]
        else:
            anchors = timers.due_anchors(rule, now)
        for anchor in anchors:
            with transaction.atomic():
                found = gather.facts_now(anchor)
                if found is not None:
                    conversation, facts = found
                    in_scope = rule.inbox_id is None or rule.inbox_id in facts.inbox_ids
                    if engine.uses([rule], "business_hours"):
                        facts = engine.with_business_hours(facts, conversation.inbox, now)
                    if in_scope and holds(rule.conditions, facts):
                        run(rule, conversation, facts, anchor)
                        matched += 1
                        continue
                RuleRun.objects.create(
                    rule=rule,
                    conversation=found[0] if found is not None else None,
                    event=anchor.pk,
                    matched=False,
                    created_at=now,
                )
    return matched


def _clock_anchor(item: SlaClock, rule: Rule, now: datetime) -> LoggedEvent:
    """An SLA clock as the moment a rule acts on: not stored, only carrying the run's
    identity (``timers.anchor_id``) and the conversation; the facts are those of now."""
    return LoggedEvent(
        pk=timers.anchor_id(item),
        type=rule.trigger,
        conversation_id=item.conversation_id,
        created_at=now,
        data={"target": item.target},
    )
