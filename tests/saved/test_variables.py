"""Variables in saved replies: filled for a conversation, the missing ones named."""

from __future__ import annotations

from postroom.saved.variables import Rendered, left_to_fill, render, unfilled, values_of

VALUES = values_of(
    contact_name="Carol  Customer",
    contact_email="carol@customer.test",
    agent_name="Bob Builder",
    company_name="Customer Ltd",
    inbox_name="Support",
    conversation_number=42,
)


def test_every_variable_is_filled():
    body = (
        "Hi {{ contact.first_name }} ({{contact.name}}, {{ contact.email }}, "
        "{{ company.name }}), "
        "{{ agent.first_name }} of {{ inbox.name }} here about #{{ conversation.number }}. "
        "— {{ agent.name }}"
    )
    assert render(body, VALUES) == Rendered(
        "Hi Carol (Carol  Customer, carol@customer.test, Customer Ltd), Bob of Support here "
        "about #42. "
        "— Bob Builder",
        [],
    )


def test_an_empty_value_is_missing_and_stays_as_written():
    values = values_of(
        contact_name="",
        contact_email="pat@customer.test",
        agent_name="Bob",
        inbox_name="Support",
        conversation_number=7,
    )
    assert render("Hi {{ contact.first_name }}, {{ contact.name }}!", values) == Rendered(
        "Hi {{ contact.first_name }}, {{ contact.name }}!", ["contact.first_name", "contact.name"]
    )


def test_an_unknown_variable_is_missing_once():
    assert render("{{ contact.phone }} {{ contact.phone }} {{ }}", VALUES) == Rendered(
        "{{ contact.phone }} {{ contact.phone }} {{ }}", ["contact.phone", ""]
    )


def test_unfilled_names_what_is_left():
    assert unfilled("Dear {{ contact.name }}, {not} {{x}}") == ["contact.name", "x"]
    assert unfilled("Plain text {with braces}") == []


def test_a_template_of_the_customers_own_is_not_taken_for_a_variable():
    text = "Use {{ order.id }} in your shop's template, and {{ contact.phone }} is ours."
    assert left_to_fill(text) == ["contact.phone"]
    assert left_to_fill("Dear {{ }}") == [""]
    assert left_to_fill("{{ company.name }} and {{ user }}") == ["company.name"]
