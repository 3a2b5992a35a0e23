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
from postroom.automation import assignment, engine
from postroom.automation import facts as gather
from postroom.automation.conditions import Facts
from postroom.automation.models import AssignmentTurn, AssignmentWait, Rule, RuleRun
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM, NonUserActor
from postroom.inbox.models import ActorKind, Conversation, InboxAccess, Label, Status

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
                    outcome = _take(step, conversation, facts, rule, rule_actor(rule))
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


def _take(
    step: dict[str, Any], conversation: Conversation, facts: Facts, rule: Rule, actor: Any
) -> str:
    """Take one step; returns what fair assignment decided (whom, or that it waits)."""
    match step["kind"]:
        case "assign_round_robin" | "assign_least_loaded":
            mode = step["kind"].removeprefix("assign_")
            team = Team.objects.get(pk=step["team"])
            return hand_out(conversation, team, mode, rule=rule, actor=actor)
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
    return ""


def hand_out(
    conversation: Conversation, team: Team, mode: str, *, rule: Rule | None, actor: Any
) -> str:
    """Assign to whom fair assignment chooses, and note the turn; when nobody is free,
    the conversation waits (AssignmentWait) for ``assign_waiting``."""
    person = assignment.choose(team, conversation, mode, clock.now())
    if person is None:
        AssignmentWait.objects.get_or_create(
            conversation=conversation,
            defaults={"team": team, "rule": rule, "mode": mode, "since": clock.now()},
        )
        return f"waiting: nobody in {team.name} is free"
    # The team becomes the assigned team too where it has access to the inbox.
    shared = InboxAccess.objects.filter(team=team, inbox_id=conversation.inbox_id).exists()
    actions.do_assign(conversation, users=[person], team=team if shared else None, actor=actor)
    AssignmentTurn.objects.update_or_create(team=team, defaults={"last_user": person})
    AssignmentWait.objects.filter(conversation=conversation).delete()
    return person.name


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
