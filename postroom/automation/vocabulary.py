"""What a rule may say: its triggers, the fields and operators of its conditions, and the
steps it takes (one vocabulary with macros). Pure: definitions are JSON, checked here
into a normal form, so the editor, the API and the database hold the same shape.

A condition group is ``{"match": "all" | "any", "conditions": [...]}``; each item is a
condition ``{"field": …, "operator": …, "value": …}`` (a ``header`` condition names its
header too: ``"name": "X-Priority"``) or a nested group. A step is
``{"kind": …, …its arguments}``. A definition that does not fit is refused with a
:class:`~django.core.exceptions.ValidationError` naming the place (``conditions.2.value``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Event types a rule can start from (values of postroom.events.catalogue.EventType).
EVENT_TRIGGERS: dict[str, Any] = {
    "conversation.created": _("A conversation is created"),
    "message.received": _("A customer message is received"),
    "message.replied": _("A reply is sent"),
    "note.added": _("A note is added"),
    "conversation.assigned": _("The conversation is assigned"),
    "conversation.unassigned": _("The conversation is unassigned"),
    "conversation.status": _("The status changes"),
    "conversation.labelled": _("A label is added"),
    "conversation.unlabelled": _("A label is removed"),
    "conversation.priority": _("The priority changes"),
}

# Time-based: the rule's ``after_minutes`` after a moment, if it still holds then
# (postroom.automation.timers). Counted in calendar time, or in the home inbox's
# business hours when the rule says so (``Rule.business_hours``).
TIME_TRIGGERS: dict[str, Any] = {
    "after.created": _("Some time after the conversation was created"),
    "after.customer_message": _("Some time after the last customer message"),
    "after.waiting_on_us": _("Some time waiting on us (a customer message not answered)"),
    "after.pending": _("Some time pending"),
    # ``after_minutes`` before an unmet SLA target is due, or after it was missed (of
    # ``Rule.sla_target``'s kind, or any): once per clock.
    "sla.before_due": _("Some time before a reply-time target is due"),
    "sla.after_breach": _("Some time after a reply-time target was missed"),
}
SLA_TRIGGERS = ("sla.before_due", "sla.after_breach")
SLA_TARGETS = ("first_response", "next_response", "resolution")  # SlaTarget's values

TRIGGERS: dict[str, Any] = {**EVENT_TRIGGERS, **TIME_TRIGGERS}
MAX_AFTER_MINUTES = 60 * 24 * 90

TEXT_OPERATORS = ("contains", "not_contains", "is", "is_not", "starts_with", "matches")
ADDRESS_OPERATORS = (*TEXT_OPERATORS, "domain_is", "domain_is_not")
CHOICE_OPERATORS = ("is", "is_not")
SET_OPERATORS = ("includes", "excludes")
NUMBER_OPERATORS = ("is", "is_not", "at_least", "at_most")
# A custom field's value (postroom.inbox.fields): "is" on a multiple choice asks whether
# the option is chosen; at_least / at_most compare numbers and dates.
FIELD_OPERATORS = (
    "is", "is_not", "contains", "not_contains", "at_least", "at_most", "is_set", "is_not_set",
)  # fmt: skip
# Conditions that name what they read beside field/operator/value: a header by its name,
# a custom field by its key (``"name": "plan"``).
NAMED_FIELDS = {"header", "conversation_field", "contact_field", "company_field"}
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

KINDS = ("normal", "auto_reply", "bounce", "list")
STATUSES = ("open", "pending", "snoozed", "closed", "spam", "trash")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# ISO 639-1 codes the language condition offers (the detector knows these and more; a
# short list keeps the pick-list usable). Detection: postroom.automation.facts.
LANGUAGES = (
    "ar", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hu", "id", "it", "ja",
    "ko", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh",
)  # fmt: skip
CHANNELS = ("app", "email")  # how notify and notify_team tell people
# A header's name as RFC 5322 allows it: printable ASCII but the colon.
_HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")


@dataclass(frozen=True)
class Field:
    """A condition field: its operators and what its value must be."""

    operators: tuple[str, ...]
    # "text", "id", "id_or_none", "choice", "number", "bool", "weekdays", "hours",
    # "field_value" (a custom field's)
    value: str
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    "inbox": Field(CHOICE_OPERATORS, "id"),
    "from": Field(ADDRESS_OPERATORS, "text"),
    "to": Field(ADDRESS_OPERATORS, "text"),
    "cc": Field(ADDRESS_OPERATORS, "text"),
    "subject": Field(TEXT_OPERATORS, "text"),
    "body": Field(TEXT_OPERATORS, "text"),
    "contact_name": Field(TEXT_OPERATORS, "text"),
    "contact_email": Field(ADDRESS_OPERATORS, "text"),
    # The contact's company (found from their address's domain, or renamed by hand).
    "company_name": Field(TEXT_OPERATORS, "text"),
    "company_domain": Field(TEXT_OPERATORS, "text"),
    # Custom fields, by key (``"name"``): of the conversation, its contact, their company.
    "conversation_field": Field(FIELD_OPERATORS, "field_value"),
    "contact_field": Field(FIELD_OPERATORS, "field_value"),
    "company_field": Field(FIELD_OPERATORS, "field_value"),
    # A header of the message, by name (``"name"`` beside field/operator/value).
    "header": Field(TEXT_OPERATORS, "text"),
    "language": Field(CHOICE_OPERATORS, "choice", LANGUAGES),  # detected from the text
    "kind": Field(CHOICE_OPERATORS, "choice", KINDS),
    "has_attachment": Field(("is",), "bool"),
    "label": Field(SET_OPERATORS, "id"),
    "priority": Field(NUMBER_OPERATORS, "number"),
    "status": Field(CHOICE_OPERATORS, "choice", STATUSES),
    "assignee": Field((*SET_OPERATORS, "is_none", "is_not_none"), "id_or_none"),
    "team": Field(("is", "is_not", "is_none", "is_not_none"), "id_or_none"),
    "business_hours": Field(("is",), "bool"),  # true: inside the inbox's business hours
    "weekday": Field(("in",), "weekdays"),
    "time": Field(("between",), "hours"),
}

# Step kinds and their arguments (name: value type).
STEPS: dict[str, dict[str, str]] = {
    "assign": {"user": "id"},
    "assign_team": {"team": "id"},
    # Fair assignment within a team (postroom.automation.assignment).
    "assign_round_robin": {"team": "id"},
    "assign_least_loaded": {"team": "id"},
    "unassign": {},
    "add_label": {"label": "id"},
    "remove_label": {"label": "id"},
    "set_priority": {"priority": "number"},
    "set_status": {"status": "status"},
    "snooze": {"hours": "number"},
    "add_note": {"body": "text"},
    "move": {"inbox": "id"},
    "notify": {"user": "id", "body": "text", "channel": "channel"},
    # Every member of the team who can see the conversation.
    "notify_team": {"team": "id", "body": "text", "channel": "channel"},
    # An automatic answer to the customer (RFC 3834-safe: postroom.outbound.autoack).
    "reply_template": {"body": "text"},
    # A Slack/Mattermost incoming webhook, posted after the run by the webhooks job.
    "webhook": {"url": "url", "body": "text"},
    "follow": {"user": "id"},
    # A task on the conversation for a person (postroom/inbox/actions/tasks.py).
    "add_task": {"user": "id", "title": "text"},
    # Fill in (or, with null, clear) a custom field of the conversation, by key.
    "set_field": {"field": "key", "value": "field_value"},
}

# Steps a macro may not take: automatic mail and outside posts are a rule's business
# (a person applying a macro replies and shares by hand).
RULE_ONLY_STEPS = frozenset({"reply_template", "webhook"})

MAX_CONDITIONS = 50
MAX_STEPS = 20
MAX_DEPTH = 3
MAX_TEXT = 2000
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def clean_conditions(raw: object) -> dict[str, Any]:
    """The condition group in normal form (an empty ``all`` matches everything)."""
    if raw is None or raw == {}:
        return {"match": "all", "conditions": []}
    counter = [0]
    return _group(raw, "conditions", 1, counter)


def clean_steps(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"actions": _("Add at least one action.")})
    if len(raw) > MAX_STEPS:
        raise ValidationError({"actions": _("At most %(n)d actions.") % {"n": MAX_STEPS}})
    return [_step(item, f"actions.{index}") for index, item in enumerate(raw)]


def clean_trigger(raw: object) -> str:
    if raw not in TRIGGERS:
        raise ValidationError({"trigger": _("Choose one of the triggers.")})
    return str(raw)


def clean_after(trigger: str, raw: object) -> int | None:
    """Minutes for a time-based trigger (1 minute to 90 days); none for the others."""
    if trigger not in TIME_TRIGGERS:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_AFTER_MINUTES:
        raise ValidationError({"after_minutes": _("How long after: 1 minute to 90 days.")})
    return raw


def clean_sla_target(trigger: str, raw: object) -> str:
    """The SLA target kind an SLA trigger watches ("" any); "" for other triggers."""
    if trigger not in SLA_TRIGGERS or raw in (None, ""):
        return ""
    if raw not in SLA_TARGETS:
        raise ValidationError(
            {"sla_target": _("Choose first_response, next_response, resolution or none (any).")}
        )
    return str(raw)


def _group(raw: object, where: str, depth: int, counter: list[int]) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) != {"match", "conditions"}:
        raise ValidationError({where: _("A group has “match” (all or any) and “conditions”.")})
    if raw["match"] not in ("all", "any"):
        raise ValidationError({f"{where}.match": _("Choose all or any.")})
    if depth > MAX_DEPTH:
        raise ValidationError({where: _("Groups nest at most three deep.")})
    items = raw["conditions"]
    if not isinstance(items, list):
        raise ValidationError({f"{where}.conditions": _("A list of conditions.")})
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        place = f"{where}.{index}"
        if isinstance(item, dict) and "match" in item:
            cleaned.append(_group(item, place, depth + 1, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_CONDITIONS:
                raise ValidationError({where: _("At most 50 conditions.")})
            cleaned.append(_condition(item, place))
    return {"match": raw["match"], "conditions": cleaned}


def _condition(raw: object, where: str) -> dict[str, Any]:
    named = isinstance(raw, dict) and raw.get("field") in NAMED_FIELDS
    allowed = {"field", "operator", "value", "name"} if named else {"field", "operator", "value"}
    if not isinstance(raw, dict) or not {"field", "operator"} <= set(raw) <= allowed:
        raise ValidationError({where: _("A condition has a field, an operator and a value.")})
    field = FIELDS.get(raw["field"])
    if field is None:
        raise ValidationError({f"{where}.field": _("Unknown field.")})
    if named:
        name = raw.get("name")
        if raw["field"] == "header":
            if not isinstance(name, str) or not _HEADER_NAME.match(name.strip()):
                raise ValidationError({f"{where}.name": _("A header's name, such as X-Priority.")})
        elif not isinstance(name, str) or not _FIELD_KEY.match(name):
            raise ValidationError({f"{where}.name": _("A custom field's key, such as plan.")})
    operator = raw["operator"]
    if operator not in field.operators:
        raise ValidationError({f"{where}.operator": _("This field cannot be compared so.")})
    if operator in ("is_none", "is_not_none", "is_set", "is_not_set"):
        value = None
    else:
        value = _value(field, operator, raw.get("value"), f"{where}.value")
    if named:
        # Header names are case-insensitive; the normal form keeps them as written.
        return {
            "field": raw["field"],
            "name": raw["name"].strip(),
            "operator": operator,
            "value": value,
        }
    return {"field": raw["field"], "operator": operator, "value": value}


def _value(field: Field, operator: str, value: object, where: str) -> object:
    match field.value:
        case "text":
            if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
                raise ValidationError({where: _("Enter some text (at most 2,000 characters).")})
            if operator == "matches":
                try:
                    re.compile(value)
                except re.error as error:
                    raise ValidationError(
                        {where: _("Not a regular expression: %(e)s") % {"e": error}}
                    ) from error
            return value
        case "id" | "id_or_none":
            return _id(value, where)
        case "choice":
            if value not in field.choices:
                raise ValidationError({where: _("Choose one of: %(c)s") % {"c": field.choices}})
            return value
        case "number":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3:
                raise ValidationError({where: _("A priority: 0 (low) to 3 (urgent).")})
            return value
        case "field_value":
            # What it must be depends on the field's type, which the action checks
            # (postroom.inbox.fields.clean_value); here: a plain JSON value.
            if isinstance(value, str) and 0 < len(value) <= MAX_TEXT:
                return value
            if isinstance(value, int | float | bool):
                return value
            raise ValidationError({where: _("Enter a value (at most 2,000 characters).")})
        case "bool":
            if not isinstance(value, bool):
                raise ValidationError({where: _("true or false.")})
            return value
        case "weekdays":
            if (
                not isinstance(value, list)
                or not value
                or any(day not in WEEKDAYS for day in value)
            ):
                raise ValidationError({where: _("A list of days: mon … sun.")})
            return sorted(set(value), key=WEEKDAYS.index)
        case _:  # hours
            if not isinstance(value, str) or not _HOURS.match(value):
                raise ValidationError({where: _("A time span such as 09:00-17:30.")})
            return value


def _id(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError({where: _("Choose one from the list.")})
    return value


def _step(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("kind") not in STEPS:
        raise ValidationError({f"{where}.kind": _("Unknown action.")})
    if raw["kind"] == "snooze" and "until" in raw:
        # "Until the customer replies": no wake time (``hours`` is for a timed snooze).
        if set(raw) != {"kind", "until"} or raw["until"] != "reply":
            raise ValidationError({f"{where}.until": _("“reply”, without hours.")})
        return {"kind": "snooze", "until": "reply"}
    arguments = STEPS[raw["kind"]]
    unknown = set(raw) - {"kind"} - set(arguments)
    if unknown:
        raise ValidationError({f"{where}.{sorted(unknown)[0]}": _("Unknown argument.")})
    cleaned: dict[str, Any] = {"kind": raw["kind"]}
    for name, kind in arguments.items():
        value = raw.get(name)
        place = f"{where}.{name}"
        match kind:
            case "id":
                cleaned[name] = _id(value, place)
            case "number" if name == "hours":
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8760:
                    raise ValidationError({place: _("Hours from 1 to 8760.")})
                cleaned[name] = value
            case "number":
                cleaned[name] = _value(FIELDS["priority"], "is", value, place)
            case "status":
                if value not in ("open", "pending", "closed", "spam", "trash"):
                    raise ValidationError({place: _("open, pending, closed, spam or trash.")})
                cleaned[name] = value
            case "channel":
                # Optional: rules saved before email delivery existed notify in the app.
                if value is None:
                    value = "app"
                if value not in CHANNELS:
                    raise ValidationError({place: _("app or email.")})
                cleaned[name] = value
            case "url":
                cleaned[name] = _url(value, place)
            case "key":
                if not isinstance(value, str) or not _FIELD_KEY.match(value):
                    raise ValidationError({place: _("A custom field's key, such as plan.")})
                cleaned[name] = value
            case "field_value":
                # null clears; a list is a multiple choice's options.
                if value is None or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    cleaned[name] = value
                else:
                    cleaned[name] = _value(FIELDS["conversation_field"], "is", value, place)
            case _:
                cleaned[name] = _value(FIELDS["subject"], "contains", value, place)
    return cleaned


def _url(value: object, where: str) -> str:
    """An http(s) address with a host: nothing else is posted to (no file:, no ftp:)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValidationError({where: _("Enter the webhook's address.")})
    url = value.strip()
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if (
        not sep
        or scheme.lower() not in ("http", "https")
        or not host
        or any(c.isspace() for c in url)
    ):
        raise ValidationError({where: _("An http:// or https:// address.")})
    return url


def refuse_rule_only(steps: list[dict[str, Any]]) -> None:
    """Refuse the steps only a rule takes (macros and SLA breach steps), at their place."""
    for index, step in enumerate(steps):
        if step["kind"] in RULE_ONLY_STEPS:
            raise ValidationError({f"actions.{index}.kind": _("Only a rule can take this action.")})


def move_targets(raw_steps: object) -> list[int]:
    """The inboxes a (not yet checked) list of steps would move conversations to: saving
    such a rule needs manage there too."""
    if not isinstance(raw_steps, list):
        return []
    return [
        step["inbox"]
        for step in raw_steps
        if isinstance(step, dict)
        and step.get("kind") == "move"
        and isinstance(step.get("inbox"), int)
        and not isinstance(step.get("inbox"), bool)
    ]


def ids_in(conditions: dict[str, Any], steps: list[dict[str, Any]], kind: str) -> set[int]:
    """Every id of ``kind`` ("label", "user", "team", "inbox") a definition names, so that
    the action can check each exists and may be used there."""
    fields = {"label": ("label",), "user": ("assignee",), "team": ("team",), "inbox": ("inbox",)}
    found: set[int] = set()

    def walk(group: dict[str, Any]) -> None:
        for item in group["conditions"]:
            if "match" in item:
                walk(item)
            elif item["field"] in fields[kind] and isinstance(item["value"], int):
                found.add(item["value"])

    walk(conditions)
    argument = {"label": "label", "user": "user", "team": "team", "inbox": "inbox"}[kind]
    found.update(step[argument] for step in steps if argument in step)
    return found


def field_keys_in(
    conditions: dict[str, Any], steps: list[dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """(place, kind of record, key) of every custom field a definition names, so that
    the action can check each exists: "conversation", "contact" or "company"."""
    found: list[tuple[str, str, str]] = []

    def walk(group: dict[str, Any], where: str) -> None:
        for index, item in enumerate(group["conditions"]):
            place = f"{where}.{index}"
            if "match" in item:
                walk(item, place)
            elif item["field"] in ("conversation_field", "contact_field", "company_field"):
                found.append((f"{place}.name", item["field"].removesuffix("_field"), item["name"]))

    walk(conditions, "conditions")
    for index, step in enumerate(steps):
        if step["kind"] == "set_field":
            found.append((f"actions.{index}.field", "conversation", step["field"]))
    return found
