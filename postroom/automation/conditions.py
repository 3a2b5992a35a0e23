"""Whether a rule's conditions hold for a conversation at one moment. Pure: the facts
are plain values gathered once per event (``postroom.automation.facts``), so 200 rules
are evaluated without another query, and the dry run and the live reactor decide the
same way by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from postroom.automation.vocabulary import WEEKDAYS


@dataclass(frozen=True)
class Facts:
    """What conditions can ask about: the conversation's state and its message (the
    triggering one, or the latest from the customer)."""

    inbox_ids: frozenset[int]
    status: str
    priority: int
    labels: frozenset[int] = frozenset()
    assignees: frozenset[int] = frozenset()
    team: int | None = None
    from_address: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""
    kind: str = "normal"
    has_attachment: bool = False
    contact_name: str = ""
    contact_email: str = ""
    company_name: str = ""
    company_domain: str = ""
    # Custom field values by key: the conversation's, its contact's, their company's.
    fields: dict[str, Any] = field(default_factory=dict)
    contact_fields: dict[str, Any] = field(default_factory=dict)
    company_fields: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # local time of the event, for weekday and time
    open_now: bool | None = None  # inside the inbox's business hours (when a rule asks)
    message: int | None = None  # the message the message fields are about
    # Read only when a rule asks (engine.with_extras): (lower-cased name, decoded value).
    headers: tuple[tuple[str, str], ...] = ()
    language: str = ""  # ISO 639-1 code of the message's text; "" when not detected
    extra: dict[str, Any] = field(default_factory=dict)


Predicate = Callable[[Facts], bool]


def holds(group: dict[str, Any], facts: Facts) -> bool:
    """Evaluate a group in normal form (``vocabulary.clean_conditions``)."""
    return compile_group(group)(facts)


def compile_group(group: dict[str, Any]) -> Predicate:
    """The group as one function of the facts. Reading the group's structure, folding
    its values' case and picking each operator happen here, once per rule version
    (``engine.predicate`` caches the result), not once per event and rule."""
    parts = [
        compile_group(item) if "match" in item else _compile(item) for item in group["conditions"]
    ]
    if len(parts) == 1:
        return parts[0]
    every = group["match"] == "all"
    if len(parts) == 2:  # the common shape: no generator for two tests
        first, second = parts
        if every:
            return lambda facts: first(facts) and second(facts)
        return lambda facts: first(facts) or second(facts)
    if every:
        return lambda facts: all(part(facts) for part in parts)
    return lambda facts: any(part(facts) for part in parts)


def _compile(item: dict[str, Any]) -> Predicate:
    """One condition as a function. The fields the most rules ask about get a test with
    the value prepared; the rest are read as ``_condition`` reads them."""
    name, operator, value = item["field"], item["operator"], item["value"]
    match name:
        case "from":
            test = _address_test(operator, value)
            return lambda facts: test((facts.from_address,))
        case "to":
            test = _address_test(operator, value)
            return lambda facts: test(facts.to)
        case "cc":
            test = _address_test(operator, value)
            return lambda facts: test(facts.cc)
        case "contact_email":
            test = _address_test(operator, value)
            return lambda facts: test((facts.contact_email,) if facts.contact_email else ())
        case "subject":
            text = _text_test(operator, value)
            return lambda facts: text(facts.subject)
        case "body":
            text = _text_test(operator, value)
            return lambda facts: text(facts.body)
        case "contact_name":
            text = _text_test(operator, value)
            return lambda facts: text(facts.contact_name)
        case "label" if operator == "includes":
            return lambda facts: value in facts.labels
        case "priority" if operator == "at_least":
            return lambda facts: facts.priority >= value
        case "kind" if operator == "is":
            return lambda facts: facts.kind == value
        case "assignee" if operator == "includes":
            return lambda facts: value in facts.assignees
    return lambda facts: _condition(item, facts)


def _text_test(operator: str, value: str) -> Callable[[str], bool]:
    """``_text`` with the value prepared: the pattern compiled, the case folded. The
    text's own folding is shared between rules through ``_folded``."""
    if operator == "matches":
        search = _compiled(value).search
        return lambda text: search(text) is not None
    wanted = value.casefold()
    match operator:
        case "contains":
            return lambda text: wanted in _folded(text)
        case "not_contains":
            return lambda text: wanted not in _folded(text)
        case "starts_with":
            return lambda text: _folded(text).startswith(wanted)
    return lambda text: _text(text, operator, value)


def _address_test(operator: str, value: str) -> Callable[[tuple[str, ...]], bool]:
    if operator == "domain_is":
        domain = value.casefold().lstrip("@")
        suffix = "." + domain

        def in_domain(addresses: tuple[str, ...]) -> bool:
            for address in addresses:
                folded = _folded(address)
                if folded.rpartition("@")[2] == domain or folded.endswith(suffix):
                    return True
            return False

        return in_domain
    return lambda addresses: _addresses(addresses, operator, value)


@lru_cache(maxsize=256)
def _folded(text: str) -> str:
    # One event's subject and body are asked about by many rules: fold them once.
    return text.casefold()


def _condition(item: dict[str, Any], facts: Facts) -> bool:
    name, operator, value = item["field"], item["operator"], item["value"]
    match name:
        case "inbox":
            return (value in facts.inbox_ids) == (operator == "is")
        case "from":
            return _addresses((facts.from_address,), operator, value)
        case "to":
            return _addresses(facts.to, operator, value)
        case "cc":
            return _addresses(facts.cc, operator, value)
        case "subject":
            return _text(facts.subject, operator, value)
        case "body":
            return _text(facts.body, operator, value)
        case "contact_name":
            return _text(facts.contact_name, operator, value)
        case "contact_email":
            return _addresses(
                (facts.contact_email,) if facts.contact_email else (), operator, value
            )
        case "header":
            return _header(facts.headers, item["name"], operator, value)
        case "company_name":
            return _text(facts.company_name, operator, value)
        case "company_domain":
            return _text(facts.company_domain, operator, value)
        case "conversation_field":
            return _custom(facts.fields.get(item["name"]), operator, value)
        case "contact_field":
            return _custom(facts.contact_fields.get(item["name"]), operator, value)
        case "company_field":
            return _custom(facts.company_fields.get(item["name"]), operator, value)
        case "language":
            # Unknown (no text, or too little to tell): neither "is" nor "is not" holds,
            # so "not English" does not catch a message with nothing in it.
            return bool(facts.language) and (facts.language == value) == (operator == "is")
        case "kind":
            return (facts.kind == value) == (operator == "is")
        case "status":
            return (facts.status == value) == (operator == "is")
        case "has_attachment":
            return facts.has_attachment == value
        case "label":
            return (value in facts.labels) == (operator == "includes")
        case "priority":
            return _number(facts.priority, operator, value)
        case "assignee":
            if operator == "is_none":
                return not facts.assignees
            if operator == "is_not_none":
                return bool(facts.assignees)
            return (value in facts.assignees) == (operator == "includes")
        case "team":
            if operator in ("is_none", "is_not_none"):
                return (facts.team is None) == (operator == "is_none")
            return (facts.team == value) == (operator == "is")
        case "business_hours":
            return facts.open_now is not None and facts.open_now == value
        case "weekday":
            return facts.at is not None and WEEKDAYS[facts.at.weekday()] in value
        case "time":
            return facts.at is not None and _between(facts.at, value)
    return False


def _text(text: str, operator: str, value: str) -> bool:
    # Case-insensitive everywhere: "Refund" and "refund" are the same word to a team.
    if operator == "matches":
        return _compiled(value).search(text) is not None
    folded, wanted = text.casefold(), value.casefold()
    match operator:
        case "contains":
            return wanted in folded
        case "not_contains":
            return wanted not in folded
        case "is":
            return folded.strip() == wanted.strip()
        case "is_not":
            return folded.strip() != wanted.strip()
        case "starts_with":
            return folded.startswith(wanted)
    return False


def _addresses(addresses: tuple[str, ...], operator: str, value: str) -> bool:
    """An address condition holds if any of the addresses satisfies it; a negative one
    ("is not", "does not contain", "domain is not") if none of them has the property."""
    negative = {"not_contains": "contains", "is_not": "is", "domain_is_not": "domain_is"}
    if operator in negative:
        return not _addresses(addresses, negative[operator], value)
    if operator in ("domain_is", "domain_is_not"):
        domain = value.casefold().lstrip("@")
        return any(
            address.rpartition("@")[2].casefold() in (domain,)
            or address.casefold().endswith("." + domain)
            for address in addresses
        )
    return any(_text(address, operator, value) for address in addresses)


def _header(headers: tuple[tuple[str, str], ...], name: str, operator: str, value: str) -> bool:
    """Like the addresses: any occurrence of the header satisfies a positive operator; a
    negative one holds only if none does (so also when the message lacks the header)."""
    negative = {"not_contains": "contains", "is_not": "is"}
    if operator in negative:
        return not _header(headers, name, negative[operator], value)
    wanted = name.lower()
    return any(_text(text, operator, value) for key, text in headers if key == wanted)


def _custom(stored: Any, operator: str, value: Any) -> bool:
    """A custom field's stored value (postroom.inbox.fields: empty values are not
    stored) against a condition. Negative operators hold when the field is empty."""
    negative = {"is_not": "is", "not_contains": "contains", "is_not_set": "is_set"}
    if operator in negative:
        return not _custom(stored, negative[operator], value)
    if operator == "is_set":
        return stored is not None
    if stored is None:
        return False
    if isinstance(stored, list):  # a multiple choice: any chosen option
        return any(_custom(item, operator, value) for item in stored)
    if isinstance(stored, bool):  # a ticked box ("true" as the editor types it)
        ticked = value if isinstance(value, bool) else str(value).casefold() in ("true", "yes")
        return operator == "is" and stored == ticked
    if isinstance(value, bool):
        return False
    if isinstance(stored, int | float):
        number = _as_number(value)
        if number is None:
            return False
        match operator:
            case "is":
                return stored == number
            case "at_least":
                return stored >= number
            case "at_most":
                return stored <= number
        return False
    text, asked = str(stored).casefold(), str(value).casefold()
    match operator:
        case "is":
            return text == asked
        case "contains":
            return asked in text
        case "at_least":  # dates: YYYY-MM-DD compares as text
            return text >= asked
        case "at_most":
            return text <= asked
    return False


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _number(number: int, operator: str, value: int) -> bool:
    match operator:
        case "is":
            return number == value
        case "is_not":
            return number != value
        case "at_least":
            return number >= value
    return number <= value  # at_most


def _between(at: datetime, span: str) -> bool:
    start, _dash, end = span.partition("-")
    now = at.strftime("%H:%M")
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # over midnight: 22:00-06:00


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)
