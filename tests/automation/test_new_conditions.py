"""The header, language and contact email conditions: over facts (no database), their
shape in the vocabulary, and on real mail handed to the rules reactor (headers read
from the stored email, the language detected only when a rule asks)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError

from postroom.automation import facts as gather
from postroom.automation.conditions import Facts, holds
from postroom.automation.models import RuleRun
from postroom.automation.vocabulary import clean_conditions
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import Source
from postroom.mail.store import store_raw
from tests.pipeline.mails import mail

FACTS = Facts(
    inbox_ids=frozenset({1}),
    status="open",
    priority=1,
    contact_email="Vera@Mail.BigCo.test",
    headers=(("x-priority", "1 (Highest)"), ("received", "from a"), ("received", "from b")),
    language="nl",
)

DUTCH = (
    "Goedemorgen, ik heb een vraag over mijn factuur van vorige maand. Het bedrag klopt "
    "niet en ik wil graag weten wat er is gebeurd. Met vriendelijke groet, Vera"
)
ITALIAN = (
    "Buongiorno, ho un problema con la fattura del mese scorso. L'importo non è corretto "
    "e vorrei sapere cosa è successo. Cordiali saluti, Vera"
)
ENGLISH = "Hello, my invoice from last month is wrong and I would like to know what happened."


def check(condition: dict, facts: Facts = FACTS) -> bool:
    return holds(clean_conditions({"match": "all", "conditions": [condition]}), facts)


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("contains", "highest", True),
        ("is", "1 (highest)", True),
        ("starts_with", "1", True),
        ("matches", r"^[12]\b", True),
        ("is", "1", False),
        ("not_contains", "highest", False),
        ("is_not", "5 (lowest)", True),
    ],
)
def test_a_header_condition(operator, value, expected):
    condition = {"field": "header", "name": "X-Priority", "operator": operator, "value": value}
    assert check(condition) is expected


def test_a_repeated_header_holds_for_any_and_its_negation_for_none():
    received = {"field": "header", "name": "Received", "value": "from b"}
    assert check({**received, "operator": "contains"}) is True
    assert check({**received, "operator": "not_contains"}) is False
    assert check({**received, "operator": "not_contains", "value": "from c"}) is True


def test_a_missing_header_satisfies_only_the_negative_operators():
    missing = {"field": "header", "name": "X-Spam-Flag", "value": "yes"}
    assert check({**missing, "operator": "contains"}) is False
    assert check({**missing, "operator": "is"}) is False
    assert check({**missing, "operator": "not_contains"}) is True
    assert check({**missing, "operator": "is_not"}) is True


@pytest.mark.parametrize(
    ("language", "operator", "value", "expected"),
    [
        ("nl", "is", "nl", True),
        ("nl", "is_not", "nl", False),
        ("nl", "is", "it", False),
        ("nl", "is_not", "en", True),
        ("", "is", "en", False),  # too little text to tell
        ("", "is_not", "en", False),
    ],
)
def test_a_language_condition(language, operator, value, expected):
    facts = replace(FACTS, language=language)
    condition = {"field": "language", "operator": operator, "value": value}
    assert check(condition, facts) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("is", "vera@mail.bigco.test", True),
        ("domain_is", "bigco.test", True),
        ("domain_is_not", "bigco.test", False),
        ("contains", "vera@", True),
        ("is_not", "vera@mail.bigco.test", False),
        ("starts_with", "bob", False),
    ],
)
def test_a_contact_email_condition(operator, value, expected):
    assert check({"field": "contact_email", "operator": operator, "value": value}) is expected


def test_no_contact_email_satisfies_only_the_negative_operators():
    facts = replace(FACTS, contact_email="")
    contains = {"field": "contact_email", "operator": "contains", "value": "@"}
    assert check(contains, facts) is False
    assert check({**contains, "operator": "not_contains"}, facts) is True


def test_the_language_of_dutch_italian_and_english_text():
    assert gather.language_of(DUTCH) == "nl"
    assert gather.language_of(ITALIAN) == "it"
    assert gather.language_of(ENGLISH) == "en"
    assert gather.language_of("ok 👍") == ""


def test_headers_are_read_decoded_and_in_order():
    raw = (
        b"From: a@b.test\r\nX-Priority: 1\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
        b"X-Long: one\r\n two\r\n\r\nX-Not-A-Header: body\r\n"
    )
    assert gather.headers_of(raw) == (
        ("from", "a@b.test"),
        ("x-priority", "1"),
        ("subject", "Café"),
        ("x-long", "one two"),
    )


def refused(raw: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        clean_conditions({"match": "all", "conditions": [raw]})
    return caught.value.message_dict


def test_the_shape_of_the_new_conditions():
    assert clean_conditions(
        {
            "match": "all",
            "conditions": [
                {"field": "header", "name": " X-Priority ", "operator": "is", "value": "1"},
                {"field": "language", "operator": "is_not", "value": "en"},
            ],
        }
    ) == {
        "match": "all",
        "conditions": [
            {"field": "header", "name": "X-Priority", "operator": "is", "value": "1"},
            {"field": "language", "operator": "is_not", "value": "en"},
        ],
    }
    header = {"field": "header", "operator": "is", "value": "1"}
    assert list(refused(header)) == ["conditions.0.name"]
    assert list(refused({**header, "name": "X Priority"})) == ["conditions.0.name"]
    assert list(refused({**header, "name": "X-Priority:"})) == ["conditions.0.name"]
    assert list(refused({**header, "name": ""})) == ["conditions.0.name"]
    assert list(refused({**header, "name": "X-Priority", "operator": "domain_is"})) == [
        "conditions.0.operator"
    ]
    # Only a header condition names a header.
    assert list(refused({"field": "subject", "operator": "is", "value": "x", "name": "X"})) == [
        "conditions.0"
    ]
    assert list(refused({"field": "language", "operator": "is", "value": "english"})) == [
        "conditions.0.value"
    ]
    assert list(refused({"field": "language", "operator": "contains", "value": "en"})) == [
        "conditions.0.operator"
    ]


def test_on_real_mail_the_header_and_language_decide(world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Urgent Dutch",
        trigger="message.received",
        conditions={
            "match": "all",
            "conditions": [
                {"field": "header", "name": "x-priority", "operator": "starts_with", "value": "1"},
                {"field": "language", "operator": "is", "value": "nl"},
            ],
        },
        actions=[{"kind": "add_label", "label": world.billing.pk}],
        enabled=True,
        actor=world.alice,
    )

    def deliver(subject: str, body: str, headers: dict[str, str]) -> None:
        raw = mail(sender="vera@bigco.test", subject=subject, body=body, headers=headers)
        store_raw(raw, inbox=world.support, source=Source.SMTP, envelope_from="vera@bigco.test")
        digest_all()
        drain()

    deliver("Factuur", DUTCH, {"X-Priority": "1 (Highest)"})
    deliver("Fattura", ITALIAN, {"X-Priority": "1 (Highest)"})
    deliver("Factuur 2", DUTCH, {"X-Priority": "3 (Normal)"})
    deliver("Factuur 3", DUTCH, {})
    matched = RuleRun.objects.filter(rule=rule).values_list("conversation__subject", "done")
    assert list(matched) == [("Factuur", ["add label Billing"])]


def test_a_message_not_from_mail_has_no_headers(world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="No spam flag",
        trigger="message.received",
        conditions={
            "match": "all",
            "conditions": [
                {"field": "header", "name": "X-Spam-Flag", "operator": "is_not", "value": "YES"},
                {"field": "contact_email", "operator": "domain_is", "value": "bigco.test"},
            ],
        },
        actions=[{"kind": "add_note", "body": "ok"}],
        enabled=True,
        actor=world.alice,
    )
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="vera@bigco.test", subject="From the API")
    )
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="dan@other.test", subject="Elsewhere")
    )
    drain()
    matched = RuleRun.objects.filter(rule=rule).values_list("conversation__subject", flat=True)
    assert list(matched) == ["From the API"]


def test_headers_and_language_are_gathered_only_when_a_rule_asks(world, django_assert_num_queries):
    from postroom.automation.engine import with_extras
    from postroom.automation.models import Rule

    message = world.bob_conversation.messages.get()
    facts = replace(FACTS, message=message.pk, headers=(), language="", body=DUTCH)
    plain = Rule(conditions=clean_conditions(None))
    asks = Rule(
        conditions=clean_conditions(
            {
                "match": "any",
                "conditions": [
                    {"field": "header", "name": "X-A", "operator": "is", "value": "1"},
                    {"field": "language", "operator": "is", "value": "nl"},
                ],
            }
        )
    )
    with django_assert_num_queries(0):
        assert with_extras(facts, [plain]) == facts
    with django_assert_num_queries(1):  # the raw email's headers (none: not from mail)
        assert with_extras(facts, [plain, asks]) == replace(facts, language="nl")
