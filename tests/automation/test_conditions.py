"""Conditions over facts: every field and operator, without a database."""

from __future__ import annotations

from datetime import datetime

import pytest

from postroom.automation.conditions import Facts, holds
from postroom.automation.vocabulary import clean_conditions

FACTS = Facts(
    inbox_ids=frozenset({1, 4}),
    status="open",
    priority=2,
    labels=frozenset({7}),
    assignees=frozenset({3}),
    team=None,
    from_address="Vip@Mail.BigCo.test",
    to=("support@example.test", "sales@example.test"),
    cc=("boss@bigco.test",),
    subject="Refund for order 77812",
    body="Hello,\nI would like a refund.",
    kind="normal",
    has_attachment=True,
    contact_name="Vera Vip",
    at=datetime(2026, 12, 7, 22, 30),  # a Monday, late
)


def check(field: str, operator: str, value: object = None) -> bool:
    condition = {"field": field, "operator": operator}
    if operator not in ("is_none", "is_not_none"):
        condition["value"] = value
    return holds(clean_conditions({"match": "all", "conditions": [condition]}), FACTS)


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("inbox", "is", 4, True),
        ("inbox", "is", 2, False),
        ("inbox", "is_not", 2, True),
        ("from", "domain_is", "bigco.test", True),  # a subdomain counts
        ("from", "domain_is", "co.test", False),
        ("from", "domain_is_not", "bigco.test", False),
        ("from", "is", "vip@mail.bigco.test", True),  # any case
        ("to", "is", "sales@example.test", True),
        ("to", "is_not", "sales@example.test", False),  # none of them may be it
        ("to", "not_contains", "billing", True),
        ("cc", "domain_is", "@bigco.test", True),
        ("subject", "contains", "REFUND", True),
        ("subject", "not_contains", "refund", False),
        ("subject", "starts_with", "refund", True),
        ("subject", "is", "refund for order 77812", True),
        ("subject", "matches", r"order \d{5}\b", True),
        ("subject", "matches", r"^order", False),
        ("body", "contains", "would like", True),
        ("contact_name", "is_not", "Vera Vip", False),
        ("kind", "is", "normal", True),
        ("kind", "is_not", "auto_reply", True),
        ("has_attachment", "is", True, True),
        ("has_attachment", "is", False, False),
        ("label", "includes", 7, True),
        ("label", "excludes", 7, False),
        ("priority", "at_least", 2, True),
        ("priority", "at_most", 1, False),
        ("priority", "is_not", 2, False),
        ("status", "is", "open", True),
        ("status", "is_not", "open", False),
        ("assignee", "includes", 3, True),
        ("assignee", "excludes", 3, False),
        ("assignee", "is_none", None, False),
        ("assignee", "is_not_none", None, True),
        ("team", "is_none", None, True),
        ("team", "is", 5, False),
        ("weekday", "in", ["mon", "tue"], True),
        ("weekday", "in", ["sat", "sun"], False),
        ("time", "between", "09:00-17:00", False),
        ("time", "between", "22:00-06:00", True),  # over midnight
    ],
)
def test_each_field_and_operator(field, operator, value, expected):
    assert check(field, operator, value) is expected


def test_all_and_any_groups_nest():
    refund = {"field": "subject", "operator": "contains", "value": "refund"}
    spam = {"field": "subject", "operator": "contains", "value": "viagra"}
    urgent = {"field": "priority", "operator": "is", "value": 3}
    assert holds(clean_conditions({"match": "any", "conditions": [spam, refund]}), FACTS)
    assert not holds(clean_conditions({"match": "all", "conditions": [spam, refund]}), FACTS)
    nested = {
        "match": "all",
        "conditions": [refund, {"match": "any", "conditions": [spam, urgent]}],
    }
    assert not holds(clean_conditions(nested), FACTS)
    assert holds(clean_conditions({"match": "all", "conditions": []}), FACTS)
    assert not holds(clean_conditions({"match": "any", "conditions": []}), FACTS)
