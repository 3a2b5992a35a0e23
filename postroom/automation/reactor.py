"""The ``rules`` reactor: for each event that can trigger rules, the enabled rules whose
conditions hold take their steps through the actions, with the rule as the actor; each
run is logged on the rule (``RuleRun``) in the same transaction.

A step that fails (a label deleted since, a person without access) is noted in the run
and the other steps go on: one stale step must not stop a rule routing mail, nor park
the reactor. The reactor's own retry covers failures of the database itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction

from postroom.accounts.models import Team, User
from postroom.automation import engine
from postroom.automation import facts as gather
from postroom.automation.conditions import Facts
from postroom.automation.models import Rule, RuleRun
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.inbox import actions
from postroom.inbox.actors import NonUserActor
from postroom.inbox.models import ActorKind, Conversation, Label

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
        RuleRun.objects.filter(rule=rule, conversation=conversation, created_at__gte=since).count()
        >= engine.MAX_RUNS_PER_HOUR
    ):
        errors.append(f"loop guard: ran {engine.MAX_RUNS_PER_HOUR} times in an hour")
    else:
        for step in rule.actions:
            text = engine.describe(step, names)
            try:
                with transaction.atomic():
                    conversation.refresh_from_db()
                    _take(step, conversation, facts, rule_actor(rule))
            except _FAILURES as error:
                errors.append(f"{text}: {_message(error)}")
            else:
                done.append(text)
    return RuleRun.objects.create(
        rule=rule,
        conversation=conversation,
        event=event.pk,
        done=done,
        errors=errors,
        created_at=clock.now(),
    )


def _take(step: dict[str, Any], conversation: Conversation, facts: Facts, actor: Any) -> None:
    match step["kind"]:
        case "assign":
            actions.do_assign(conversation, users=[User.objects.get(pk=step["user"])], actor=actor)
        case "assign_team":
            actions.do_assign(conversation, team=Team.objects.get(pk=step["team"]), actor=actor)
        case "unassign":
            actions.do_unassign(conversation, actor=actor)
        case "add_label":
            actions.do_add_label(conversation, Label.objects.get(pk=step["label"]), actor=actor)
        case "remove_label":
            actions.do_remove_label(conversation, Label.objects.get(pk=step["label"]), actor=actor)
        case "set_priority":
            actions.do_set_priority(conversation, step["priority"], actor=actor)
        case "set_status":
            actions.do_change_status(conversation, step["status"], actor=actor)
        case "snooze":
            until = clock.now() + timedelta(hours=step["hours"])
            actions.do_snooze(conversation, until, actor=actor)
        case "add_note":
            body = engine.render_note(step["body"], conversation, facts)
            actions.do_add_note(conversation, body, actor=actor)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(str(m) for m in error.messages)
    return str(error) or type(error).__name__
