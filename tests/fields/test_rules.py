"""Rules on companies and custom fields: the conditions over facts, their checks when a
rule is saved, and real mail through the rules reactor with a step that fills a field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from postroom.automation.conditions import Facts, holds
from postroom.automation.models import RuleRun
from postroom.automation.vocabulary import clean_conditions, clean_steps
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation

FACTS = Facts(
    inbox_ids=frozenset({1}),
    status="open",
    priority=1,
    company_name="BigCo",
    company_domain="bigco.test",
    fields={"order": "A-77812", "amount": 120.5, "due": "2027-01-31", "refund": True},
    contact_fields={"tags": ["vip", "beta"]},
    company_fields={},
)


def check(condition: dict) -> bool:
    return holds(clean_conditions({"match": "all", "conditions": [condition]}), FACTS)


@pytest.mark.parametrize(
    ("field", "name", "operator", "value", "expected"),
    [
        ("conversation_field", "order", "contains", "7781", True),
        ("conversation_field", "order", "is", "a-77812", True),
        ("conversation_field", "order", "is_not", "A-1", True),
        ("conversation_field", "amount", "at_least", 100, True),
        ("conversation_field", "amount", "at_most", "100", False),
        ("conversation_field", "amount", "is", 120.5, True),
        ("conversation_field", "due", "at_least", "2027-01-01", True),
        ("conversation_field", "due", "at_most", "2026-12-31", False),
        ("conversation_field", "refund", "is", True, True),
        ("conversation_field", "refund", "is", "true", True),
        ("conversation_field", "refund", "is", False, False),
        ("conversation_field", "missing", "is_set", None, False),
        ("conversation_field", "missing", "is_not_set", None, True),
        ("conversation_field", "missing", "is_not", "x", True),  # empty: not x
        ("conversation_field", "missing", "contains", "x", False),
        ("contact_field", "tags", "is", "vip", True),
        ("contact_field", "tags", "is", "gold", False),
        ("contact_field", "tags", "is_not", "vip", False),
        ("company_field", "seats", "is_set", None, False),
    ],
)
def test_a_custom_field_condition(field, name, operator, value, expected):
    condition = {"field": field, "name": name, "operator": operator}
    if value is not None:
        condition["value"] = value
    assert check(condition) is expected


def test_company_conditions():
    assert check({"field": "company_name", "operator": "is", "value": "bigco"}) is True
    assert check({"field": "company_domain", "operator": "contains", "value": "bigco"}) is True
    assert check({"field": "company_name", "operator": "starts_with", "value": "Small"}) is False


@pytest.mark.parametrize(
    ("condition", "place"),
    [
        ({"field": "conversation_field", "operator": "is", "value": "x"}, "conditions.0.name"),
        (
            {"field": "contact_field", "name": "Bad Key", "operator": "is", "value": "x"},
            "conditions.0.name",
        ),
        (
            {"field": "contact_field", "name": "plan", "operator": "matches", "value": "x"},
            "conditions.0.operator",
        ),
        (
            {"field": "contact_field", "name": "plan", "operator": "is", "value": ["x"]},
            "conditions.0.value",
        ),
    ],
)
def test_a_malformed_field_condition_is_refused_at_its_place(condition, place):
    with pytest.raises(ValidationError) as refused:
        clean_conditions({"match": "all", "conditions": [condition]})
    assert list(refused.value.message_dict) == [place]


def test_set_field_steps_in_normal_form():
    assert clean_steps([{"kind": "set_field", "field": "order", "value": None}]) == [
        {"kind": "set_field", "field": "order", "value": None}
    ]
    with pytest.raises(ValidationError) as refused:
        clean_steps([{"kind": "set_field", "field": "Order", "value": "1"}])
    assert list(refused.value.message_dict) == ["actions.0.field"]


def _rule(world, conditions, steps, **options):
    return actions.do_save_rule(
        None,
        inbox=None,
        name="Fields",
        trigger="message.received",
        conditions={"match": "all", "conditions": conditions},
        actions=steps,
        enabled=True,
        actor=world.alice,
        **options,
    )


def test_saving_a_rule_checks_the_fields_it_names(world):
    actions.do_save_field(
        None, target="conversation", key="amount", label="Amount", kind="number", actor=world.alice
    )
    with pytest.raises(ValidationError) as refused:
        _rule(world, [{"field": "contact_field", "name": "amount", "operator": "is_set"}], [])
    # (no step: the step check comes first)
    assert list(refused.value.message_dict) == ["actions"]
    with pytest.raises(ValidationError) as refused:
        _rule(
            world,
            [{"field": "contact_field", "name": "amount", "operator": "is_set"}],
            [{"kind": "set_priority", "priority": 2}],
        )
    assert refused.value.message_dict == {
        "conditions.0.name": ["No contact field has the key amount."]
    }
    with pytest.raises(ValidationError) as refused:
        _rule(world, [], [{"kind": "set_field", "field": "amount", "value": "lots"}])
    assert refused.value.message_dict == {"actions.0.value": ["A number."]}


def test_a_rule_reads_the_company_and_fills_in_a_field_on_real_mail(world):
    actions.do_save_field(
        None,
        target="conversation",
        key="tier",
        label="Tier",
        kind="choice",
        choices=["Standard", "Key account"],
        actor=world.alice,
    )
    actions.do_save_field(
        None,
        target="company",
        key="contract",
        label="Contract",
        kind="checkbox",
        actor=world.alice,
    )
    carol = world.bob_conversation.contact
    actions.do_set_client_fields(
        {"contract": True}, inbox=world.support, company=carol.company, actor=world.alice
    )
    rule = _rule(
        world,
        [
            {"field": "company_domain", "operator": "is", "value": "customer.test"},
            {"field": "company_field", "name": "contract", "operator": "is", "value": True},
        ],
        [{"kind": "set_field", "field": "tier", "value": "Key account"}],
    )
    drain()  # the fixture's own mail is before the rule

    key = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="eric@customer.test", subject="Help", text="Hi"),
    ).conversation
    other = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="olga@elsewhere.test", subject="Help", text="Hi"),
    ).conversation
    drain()

    assert Conversation.objects.get(pk=key.pk).fields == {"tier": "Key account"}
    assert Conversation.objects.get(pk=other.pk).fields == {}
    run = RuleRun.objects.get(rule=rule, conversation=key)
    assert run.conversation_id == key.pk
    assert not RuleRun.objects.filter(rule=rule, conversation=other).exists()
