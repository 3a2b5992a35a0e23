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
from django.db.models import F

from postroom.automation import engine, timers, webhooks
from postroom.automation import facts as gather
from postroom.automation.conditions import Facts
from postroom.automation.models import (
    AssignmentWait,
    Rule,
    RuleRun,
    SlaClock,
    WebhookDelivery,
    WebhookState,
)
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.inbox.actions.steps import hand_out, take_step
from postroom.inbox.actors import SYSTEM, NonUserActor
from postroom.inbox.models import ActorKind, Conversation, ConversationAssignee, Status

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
    facts = engine.with_extras(facts, rules)
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
                    outcome = take_step(
                        step, conversation, rule=rule, actor=rule_actor(rule), event=event
                    )
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
        # Someone took it, or it was closed meanwhile. (A team alone does not count: one
        # whose assignee went out of office keeps its team while it waits.)
        taken = ConversationAssignee.objects.filter(conversation=conversation).exists()
        if taken or conversation.status != Status.OPEN:
            wait.delete()
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
                    facts = engine.with_extras(facts, [rule])  # headers, language
                    if in_scope and engine.predicate(rule)(facts):
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


# Webhook posts: attempts, and the wait before each retry (doubling, at most an hour).
WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_RETRY = timedelta(seconds=30)
# A post still "sending" after this was abandoned by a worker that died mid-post.
WEBHOOK_STALE = timedelta(minutes=5)


def webhook_backoff(attempt: int) -> timedelta:
    return min(WEBHOOK_RETRY * 2 ** max(attempt - 1, 0), timedelta(hours=1))


def deliver_webhooks(limit: int = 20) -> int:
    """Post the due webhooks of rules' runs (the ``webhooks`` job, every 15 seconds),
    each claimed with a compare-and-set so that N workers post it once, and none while a
    transaction is open. Returns how many were attempted."""
    now = clock.now()
    # Abandoned mid-post: the hook may have had it; try again (a chat message twice is
    # better than a lost one, unlike an email).
    WebhookDelivery.objects.filter(
        state=WebhookState.SENDING, claimed_at__lt=now - WEBHOOK_STALE
    ).update(state=WebhookState.QUEUED)
    due = list(
        WebhookDelivery.objects.filter(state=WebhookState.QUEUED, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    attempted = 0
    for pk in due:
        won = WebhookDelivery.objects.filter(pk=pk, state=WebhookState.QUEUED).update(
            state=WebhookState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if not won:
            continue  # another worker took it
        delivery = WebhookDelivery.objects.get(pk=pk)
        outcome = webhooks.post_json(delivery.url, delivery.payload)
        _record_webhook(delivery, outcome, clock.now())
        attempted += 1
    return attempted


def _record_webhook(delivery: WebhookDelivery, outcome: webhooks.Outcome, now: datetime) -> None:
    """The outcome on the delivery; a post that failed for good is noted in its run."""
    with transaction.atomic():
        if outcome.delivered:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=WebhookState.SENT, sent_at=now, answer=outcome.answer[:300], last_error=""
            )
            return
        give_up = outcome.permanent or delivery.attempts >= WEBHOOK_MAX_ATTEMPTS
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookState.FAILED if give_up else WebhookState.QUEUED,
            due_at=now if give_up else now + webhook_backoff(delivery.attempts),
            last_error=outcome.answer[:2000],
        )
        if not give_up:
            return
        run = (
            RuleRun.objects.select_for_update()
            .filter(rule_id=delivery.rule_id, event=delivery.event)
            .first()
        )
        if run is not None:
            host = engine.webhook_host(delivery.url)
            tries = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
            run.errors = [
                *run.errors,
                f"post to the webhook at {host}: failed after {tries}: {outcome.answer[:200]}",
            ]
            run.save(update_fields=["errors"])


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
