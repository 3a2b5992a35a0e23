"""Conditions over facts: every field and operator, without a database."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postroom.automation.conditions import Facts, _condition, compile_group, holds
from postroom.automation.engine import predicate
from postroom.automation.models import Rule
from postroom.automation.vocabulary import ADDRESS_OPERATORS, clean_conditions

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


# Pieces that collide under case folding (ß and ss, İ and i̇, K and the Kelvin sign), so
# that small strings often contain one another.
PIECES = ["ss", "ß", "SS", "İ", "i̇", "K", "\u212a", "k", "@", "b.", ".test", "x"]
ADDRESS_LIKE = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["from", "to", "cc", "contact_email", "subject", "body"]),
    operator=st.sampled_from(ADDRESS_OPERATORS),
    value=ADDRESS_LIKE,
    text=ADDRESS_LIKE,
)
def test_the_compiled_test_agrees_with_the_plain_reading(field, operator, value, text):
    """Compiling (folding the value once, sharing the text's folding) changes no answer,
    including for characters whose case folding changes their length (ß, İ)."""
    if field in ("subject", "body") and operator.startswith("domain"):
        operator = "contains"
    if operator == "matches":
        value = re.escape(value)
    facts = replace(
        FACTS,
        from_address=text,
        to=(text, "x@y.test"),
        cc=(text,),
        contact_email=text,
        subject=text,
        body=text,
    )
    item = {"field": field, "operator": operator, "value": value}
    assert compile_group({"match": "all", "conditions": [item]})(facts) is _condition(item, facts)


def test_an_edited_rule_is_compiled_afresh_and_an_unchanged_one_is_not():
    refund = {"field": "subject", "operator": "contains", "value": "refund"}
    saved = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    rule = Rule(pk=90_001, updated_at=saved, conditions={"match": "all", "conditions": [refund]})
    first = predicate(rule)
    again = Rule(pk=90_001, updated_at=saved, conditions=copy.deepcopy(rule.conditions))
    assert predicate(again) is first
    assert first(FACTS) is True
    edited = Rule(
        pk=90_001,
        updated_at=saved + timedelta(seconds=1),
        conditions={"match": "all", "conditions": [{**refund, "value": "x"}]},
    )
    assert predicate(edited) is not first
    assert predicate(edited)(FACTS) is False
