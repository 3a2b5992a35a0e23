"""Rules (list, create, read, replace, delete, dry run, run log) and macros (list,
create, replace, delete, apply to a conversation).

An inbox's rules are for those who manage it (403 for a person who only works in it);
workspace-wide rules (``inbox`` null) for those who manage every inbox (404 for others).
A definition that does not fit is a 422 naming the place (``conditions.0.value``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Status

from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES, invalid
from postroom.api.schemas import (
    DryMatchOut,
    DryRunIn,
    DryRunOut,
    EmptyIn,
    Id,
    MacroAppliedOut,
    MacroIn,
    MacroOut,
    RuleIn,
    RuleOut,
    RuleRunOut,
    SlaPolicyIn,
    SlaPolicyOut,
)
from postroom.automation.engine import dry_run
from postroom.automation.models import Macro, Rule, RuleRun, SlaPolicy
from postroom.inbox import actions
from postroom.inbox.access import (
    access_conversation,
    access_macro,
    access_rule,
    access_sla_policy,
    manageable_macros,
    manageable_rules,
    manageable_sla_policies,
    rule_scope,
    usable_macros,
)
from postroom.inbox.models import Label

router = Router(tags=["rules"])
sla_policies = Router(tags=["sla"])
macros = Router(tags=["macros"])
applying = Router(tags=["macros"])


def rule_out(rule: Rule) -> RuleOut:
    return RuleOut(
        id=rule.pk,
        inbox=rule.inbox.slug if rule.inbox is not None else None,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions,
        enabled=rule.enabled,
        stop_processing=rule.stop_processing,
        position=rule.position,
        after_minutes=rule.after_minutes,
        business_hours=rule.business_hours,
        sla_target=rule.sla_target or None,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


@router.get("", response={200: list[RuleOut], **ERROR_RESPONSES}, summary="List rules")
def list_rules(request: HttpRequest) -> list[RuleOut]:
    """The rules the caller may change: workspace-wide first, then each inbox's in order."""
    user = member(request)
    return [rule_out(rule) for rule in manageable_rules(user).select_related("inbox")]


def _save(request: HttpRequest, rule: Rule | None, payload: RuleIn) -> Rule:
    user = member(request)
    inbox = rule_scope(user, payload.inbox)
    return actions.do_save_rule(
        rule,
        inbox=inbox,
        name=payload.name,
        trigger=payload.trigger,
        conditions=payload.conditions,
        actions=payload.actions,
        enabled=payload.enabled,
        stop_processing=payload.stop_processing,
        position=payload.position,
        after_minutes=payload.after_minutes,
        business_hours=payload.business_hours,
        sla_target=payload.sla_target or "",
        actor=user,
    )


@router.post("", response={201: RuleOut, **ACTION_RESPONSES}, summary="Create a rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[RuleOut]:
    return Status(201, rule_out(_save(request, None, payload)))


@router.get("/{rule_id}", response={200: RuleOut, **ACTION_RESPONSES}, summary="Read a rule")
def read_rule(request: HttpRequest, rule_id: Id) -> RuleOut:
    return rule_out(access_rule(member(request), rule_id))


@router.put("/{rule_id}", response={200: RuleOut, **ACTION_RESPONSES}, summary="Replace a rule")
def replace_rule(request: HttpRequest, rule_id: Id, payload: RuleIn) -> RuleOut:
    """Everything but the id; moving it to another inbox needs manage on both."""
    rule = access_rule(member(request), rule_id)
    return rule_out(_save(request, rule, payload))


@router.delete("/{rule_id}", response={204: None, **ACTION_RESPONSES}, summary="Delete a rule")
def delete_rule(request: HttpRequest, rule_id: Id, payload: EmptyIn | None = None) -> Status[None]:
    user = member(request)
    actions.do_delete_rule(access_rule(user, rule_id, "do_delete_rule"), actor=user)
    return Status(204, None)


@router.post("/{rule_id}/dry-run", response={200: DryRunOut, **ACTION_RESPONSES}, summary="Dry run")
def dry_run_rule(request: HttpRequest, rule_id: Id, payload: DryRunIn | None = None) -> DryRunOut:
    """What the rule, as saved, would have matched and done over the last ``days`` days of
    the log (rebuilding each conversation's state event by event); changes nothing.
    A time-based rule (after.…, sla.…) cannot be dry-run: 422 naming ``trigger``."""
    rule = access_rule(member(request), rule_id)
    result = dry_run(rule, days=payload.days if payload is not None else 7)
    return DryRunOut(
        days=result.days,
        events=result.events,
        truncated=result.truncated,
        matches=[
            DryMatchOut(
                conversation_id=m.conversation,
                subject=m.subject,
                event_id=m.event,
                at=m.at,
                steps=list(m.steps),
            )
            for m in result.matches
        ],
    )


@router.get(
    "/{rule_id}/runs", response={200: list[RuleRunOut], **ACTION_RESPONSES}, summary="Run log"
)
def rule_runs(request: HttpRequest, rule_id: Id) -> list[RuleRunOut]:
    """The latest 100 times the rule matched, newest first, with what it did and what
    failed."""
    rule = access_rule(member(request), rule_id)
    return [
        RuleRunOut(
            id=run.pk,
            conversation_id=run.conversation_id,
            event_id=run.event,
            done=run.done,
            errors=run.errors,
            created_at=run.created_at,
        )
        for run in RuleRun.objects.filter(rule=rule, matched=True)[:100]
    ]


def macro_out(macro: Macro) -> MacroOut:
    return MacroOut(
        id=macro.pk,
        inbox=macro.inbox.slug if macro.inbox is not None else None,
        name=macro.name,
        actions=macro.actions,
    )


@macros.get("", response={200: list[MacroOut], **ERROR_RESPONSES}, summary="List macros")
def list_macros(request: HttpRequest) -> list[MacroOut]:
    """The macros the caller may change (to apply: the conversation's own list)."""
    return [macro_out(m) for m in manageable_macros(member(request)).select_related("inbox")]


def _save_macro(request: HttpRequest, macro: Macro | None, payload: MacroIn) -> Macro:
    user = member(request)
    inbox = rule_scope(user, payload.inbox, "do_save_macro")
    return actions.do_save_macro(
        macro, inbox=inbox, name=payload.name, actions=payload.actions, actor=user
    )


@macros.post("", response={201: MacroOut, **ACTION_RESPONSES}, summary="Create a macro")
def create_macro(request: HttpRequest, payload: MacroIn) -> Status[MacroOut]:
    return Status(201, macro_out(_save_macro(request, None, payload)))


@macros.put("/{macro_id}", response={200: MacroOut, **ACTION_RESPONSES}, summary="Replace a macro")
def replace_macro(request: HttpRequest, macro_id: Id, payload: MacroIn) -> MacroOut:
    macro = access_macro(member(request), macro_id)
    return macro_out(_save_macro(request, macro, payload))


@macros.delete("/{macro_id}", response={204: None, **ACTION_RESPONSES}, summary="Delete a macro")
def delete_macro(
    request: HttpRequest, macro_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    actions.do_delete_macro(access_macro(user, macro_id, "do_delete_macro"), actor=user)
    return Status(204, None)


@applying.get(
    "/{conversation_id}/macros",
    response={200: list[MacroOut], **ERROR_RESPONSES},
    summary="Macros for a conversation",
)
def conversation_macros(request: HttpRequest, conversation_id: Id) -> list[MacroOut]:
    """Those of the conversation's inboxes and the workspace's."""
    conversation = access_conversation(member(request), conversation_id)
    return [macro_out(m) for m in usable_macros(conversation).select_related("inbox")]


@applying.post(
    "/{conversation_id}/macros/{macro_id}",
    response={200: MacroAppliedOut, **ACTION_RESPONSES},
    summary="Apply a macro",
)
def apply_macro(
    request: HttpRequest, conversation_id: Id, macro_id: Id, payload: EmptyIn | None = None
) -> MacroAppliedOut:
    """Take the macro's steps as the caller (each checked as their own action); the
    refused ones are listed in ``errors``."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    macro = usable_macros(conversation).filter(pk=macro_id).first()
    if macro is None:
        raise Http404
    errors = actions.do_apply_macro(conversation, macro, actor=user)
    return MacroAppliedOut(conversation_id=conversation.pk, errors=errors)


def sla_out(policy: SlaPolicy) -> SlaPolicyOut:
    return SlaPolicyOut(
        id=policy.pk,
        inbox=policy.inbox.slug if policy.inbox is not None else None,
        name=policy.name,
        first_response_minutes=policy.first_response_minutes,
        next_response_minutes=policy.next_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        business_hours=policy.business_hours,
        warn_minutes=policy.warn_minutes,
        min_priority=policy.min_priority,
        label=policy.label_id,
        breach_actions=policy.breach_actions,
        enabled=policy.enabled,
        position=policy.position,
    )


@sla_policies.get(
    "", response={200: list[SlaPolicyOut], **ERROR_RESPONSES}, summary="List SLA policies"
)
def list_sla_policies(request: HttpRequest) -> list[SlaPolicyOut]:
    """The policies the caller may change, workspace-wide first, each list in order."""
    return [sla_out(p) for p in manageable_sla_policies(member(request)).select_related("inbox")]


def _save_sla(request: HttpRequest, policy: SlaPolicy | None, payload: SlaPolicyIn) -> SlaPolicy:
    user = member(request)
    inbox = rule_scope(user, payload.inbox, "do_save_sla_policy")
    label = None
    if payload.label is not None:
        label = Label.objects.filter(pk=payload.label).first()
        if label is None:
            raise invalid("body", "label", "No such label.")
    return actions.do_save_sla_policy(
        policy,
        inbox=inbox,
        name=payload.name,
        first_response_minutes=payload.first_response_minutes,
        next_response_minutes=payload.next_response_minutes,
        resolution_minutes=payload.resolution_minutes,
        business_hours=payload.business_hours,
        warn_minutes=payload.warn_minutes,
        min_priority=payload.min_priority,
        label=label,
        breach_actions=payload.breach_actions,
        enabled=payload.enabled,
        position=payload.position,
        actor=user,
    )


@sla_policies.post(
    "", response={201: SlaPolicyOut, **ACTION_RESPONSES}, summary="Create an SLA policy"
)
def create_sla_policy(request: HttpRequest, payload: SlaPolicyIn) -> Status[SlaPolicyOut]:
    return Status(201, sla_out(_save_sla(request, None, payload)))


@sla_policies.put(
    "/{policy_id}",
    response={200: SlaPolicyOut, **ACTION_RESPONSES},
    summary="Replace an SLA policy",
)
def replace_sla_policy(request: HttpRequest, policy_id: Id, payload: SlaPolicyIn) -> SlaPolicyOut:
    policy = access_sla_policy(member(request), policy_id)
    return sla_out(_save_sla(request, policy, payload))


@sla_policies.delete(
    "/{policy_id}", response={204: None, **ACTION_RESPONSES}, summary="Delete an SLA policy"
)
def delete_sla_policy(
    request: HttpRequest, policy_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    policy = access_sla_policy(user, policy_id, "do_delete_sla_policy")
    actions.do_delete_sla_policy(policy, actor=user)
    return Status(204, None)
