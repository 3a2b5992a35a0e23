"""Rules: saving and deleting them. Running them is the ``rules`` reactor's
(``postroom.automation.reactor``), through the other actions with the rule as the actor.

An inbox's rules need manage on that inbox; a workspace-wide rule (no inbox) acts on
every inbox, so it needs manage on every inbox (owners and admins have it).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import Team, User
from postroom.automation import vocabulary
from postroom.automation.models import Rule, SlaPolicy
from postroom.core import clock
from postroom.inbox import fields as custom
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.models import CustomField, Inbox, Label

MAX_NAME = 120


def rule_inboxes(inbox: Inbox | None) -> list[int]:
    """The inboxes a rule or macro of ``inbox`` acts on (None: every inbox)."""
    if inbox is not None:
        return [inbox.pk]
    every = list(Inbox.objects.order_by("pk").values_list("pk", flat=True))
    if not every:
        raise ValidationError({"inbox": _("Create an inbox first.")})
    return every


def existing_inboxes(inbox_ids: list[int]) -> list[int]:
    return list(Inbox.objects.filter(pk__in=inbox_ids).values_list("pk", flat=True))


def require_definition(
    actor: Actor, action: str, inbox: Inbox | None, old: Any, steps: object
) -> None:
    """Saving a rule, macro or SLA policy: manage where it is to act, where it was
    (``old``, when changed: moving one between inboxes needs both), and in any inbox its
    steps would move conversations to."""
    touched = rule_inboxes(inbox) + (rule_inboxes(old.inbox) if old is not None else [])
    touched += existing_inboxes(vocabulary.move_targets(steps))
    require(actor, action, *touched)


def next_position(model: type[Rule] | type[SlaPolicy], inbox: Inbox | None) -> int:
    """After the last of ``inbox``'s (or the workspace's)."""
    last = model.objects.filter(inbox=inbox).order_by("-position").first()
    return last.position + 1 if last is not None else 0


def check_rule(
    *, name: str, trigger: object, conditions: object, actions: object
) -> tuple[str, str, dict[str, Any], list[dict[str, Any]]]:
    """The definition in normal form, or a ValidationError naming the place; every
    label, person, team and inbox it names must exist."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("A rule needs a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("At most 120 characters.")
    if errors:
        raise ValidationError(errors)
    cleaned_trigger = vocabulary.clean_trigger(trigger)
    cleaned_conditions = vocabulary.clean_conditions(conditions)
    steps = vocabulary.clean_steps(actions)
    check_names(cleaned_conditions, steps)
    return name, cleaned_trigger, cleaned_conditions, steps


def check_names(conditions: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """Every label, person, team and inbox a definition names must exist."""
    models: dict[str, Any] = {
        "label": Label.objects,
        "user": User.objects.filter(is_active=True),
        "team": Team.objects,
        "inbox": Inbox.objects,
    }
    for kind, manager in models.items():
        wanted = vocabulary.ids_in(conditions, steps, kind)
        missing = wanted - set(manager.filter(pk__in=wanted).values_list("pk", flat=True))
        if missing:
            raise ValidationError(
                {kind: _("No such %(kind)s: %(ids)s") % {"kind": kind, "ids": sorted(missing)}}
            )
    check_fields(conditions, steps)


def check_fields(conditions: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """Every custom field a definition names must be in use, and a value a step fills
    in must fit the field's type."""
    named = vocabulary.field_keys_in(conditions, steps)
    if not named:
        return
    fields = {
        (f.target, f.key): f
        for f in CustomField.objects.filter(
            archived_at__isnull=True, key__in={key for _place, _target, key in named}
        )
    }
    for place, target, key in named:
        if (target, key) not in fields:
            raise ValidationError(
                {
                    place: _("No %(target)s field has the key %(key)s.")
                    % {"target": target, "key": key}
                }
            )
    for index, step in enumerate(steps):
        if step["kind"] == "set_field":
            custom.clean_value(
                fields[("conversation", step["field"])], step["value"], f"actions.{index}.value"
            )


@transaction.atomic
def do_save_rule(
    rule: Rule | None,
    *,
    inbox: Inbox | None,
    name: str,
    trigger: object,
    conditions: object,
    actions: object,
    enabled: bool = False,
    stop_processing: bool = False,
    position: int | None = None,
    after_minutes: int | None = None,
    business_hours: bool = False,
    sla_target: object = "",
    actor: Actor,
) -> Rule:
    """Create (``rule`` None) or change a rule. A rule moved between inboxes needs
    manage on both."""
    require_definition(actor, "do_save_rule", inbox, rule, actions)
    name, trigger, conditions, steps = check_rule(
        name=name, trigger=trigger, conditions=conditions, actions=actions
    )
    now = clock.now()
    created = rule is None
    if rule is None:
        rule = Rule(
            created_at=now,
            created_by=actor if isinstance(actor, User) else None,
            position=next_position(Rule, inbox),
        )
    rule.inbox = inbox
    rule.name = name
    rule.trigger = trigger
    rule.after_minutes = vocabulary.clean_after(trigger, after_minutes)
    # Counting in business hours means something for time-based triggers only.
    rule.business_hours = bool(business_hours) and trigger in vocabulary.TIME_TRIGGERS
    rule.sla_target = vocabulary.clean_sla_target(trigger, sla_target)
    rule.conditions = conditions
    rule.actions = steps
    if enabled and not rule.enabled:
        rule.enabled_at = now
    rule.enabled = enabled
    rule.stop_processing = stop_processing
    if position is not None:
        rule.position = max(0, position)
    rule.updated_at = now
    rule.save()
    record(
        "rule.created" if created else "rule.updated",
        actor=actor,
        inbox=inbox,
        target=rule,
        data={"rule": rule.pk, "name": rule.name, "enabled": rule.enabled},
    )
    return rule


@transaction.atomic
def do_delete_rule(rule: Rule, *, actor: Actor) -> None:
    require(actor, "do_delete_rule", *rule_inboxes(rule.inbox))
    record(
        "rule.deleted",
        actor=actor,
        inbox=rule.inbox,
        data={"rule": rule.pk, "name": rule.name, "enabled": rule.enabled},
    )
    rule.delete()
