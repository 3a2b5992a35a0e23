"""Custom fields through their actions: what a value may be, which fields apply where,
closing refused while a required one is empty, and definitions that cannot change what
stored values mean."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import Conversation, Status
from tests.fields.support import define


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("text", "  77812 ", "77812"),
        ("number", "12,5", 12.5),
        ("number", 3, 3),
        ("number", "1e3", 1000),
        ("date", "2027-01-31", "2027-01-31"),
        ("choice", "Pro", "Pro"),
        ("multi_choice", ["Pro", "Free"], ["Free", "Pro"]),  # kept in the field's order
        ("multi_choice", "Pro", ["Pro"]),
        ("checkbox", True, True),
        ("checkbox", "on", True),
    ],
)
def test_a_value_is_stored_in_its_type(world, kind, raw, stored):
    options = {"choices": ["Free", "Pro"]} if "choice" in kind else {}
    define(world, "thing", kind, **options)
    convo = world.bob_conversation

    changed = actions.do_set_conversation_fields(convo, {"thing": raw}, actor=world.bob)

    assert changed == ["thing"]
    assert Conversation.objects.get(pk=convo.pk).fields == {"thing": stored}


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("number", "twelve", "A number."),
        ("number", True, "A number."),
        ("number", "inf", "A number."),
        ("date", "31/01/2027", "A date as YYYY-MM-DD."),
        ("choice", "Gold", "Choose one of: Free, Pro"),
        ("multi_choice", ["Pro", "Gold"], "Choose from: Free, Pro"),
        ("checkbox", "maybe", "true or false."),
        ("text", "x" * 501, "Text of at most 500 characters."),
    ],
)
def test_a_value_that_does_not_fit_is_refused_by_name(world, kind, raw, message):
    options = {"choices": ["Free", "Pro"]} if "choice" in kind else {}
    define(world, "thing", kind, **options)

    with pytest.raises(ValidationError) as refused:
        actions.do_set_conversation_fields(world.bob_conversation, {"thing": raw}, actor=world.bob)

    assert refusal(refused) == {"fields.thing": [message]}
    assert Conversation.objects.get(pk=world.bob_conversation.pk).fields == {}


def test_empty_clears_and_other_fields_keep_their_values(world):
    define(world, "order")
    define(world, "vip", "checkbox")
    convo = world.bob_conversation
    actions.do_set_conversation_fields(convo, {"order": "77812", "vip": True}, actor=world.bob)

    changed = actions.do_set_conversation_fields(convo, {"vip": False}, actor=world.bob)

    assert changed == ["vip"]
    assert Conversation.objects.get(pk=convo.pk).fields == {"order": "77812"}
    assert actions.do_set_conversation_fields(convo, {"order": "77812"}, actor=world.bob) == []


def test_an_unknown_or_archived_key_is_refused(world):
    order = define(world, "order")
    define(world, "plan", target="contact")  # a contact's, not a conversation's
    convo = world.bob_conversation
    with pytest.raises(ValidationError) as refused:
        actions.do_set_conversation_fields(convo, {"plan": "Pro"}, actor=world.bob)
    assert refusal(refused) == {"fields.plan": ["No such field."]}

    actions.do_archive_field(order, actor=world.alice)
    with pytest.raises(ValidationError) as refused:
        actions.do_set_conversation_fields(convo, {"order": "1"}, actor=world.bob)
    assert refusal(refused) == {"fields.order": ["No such field."]}


def test_a_field_limited_to_an_inbox_applies_only_there(world):
    define(world, "quote", inboxes=[world.sales])
    with pytest.raises(ValidationError):
        actions.do_set_conversation_fields(
            world.bob_conversation, {"quote": "Q-1"}, actor=world.alice
        )
    actions.do_set_conversation_fields(
        world.sales_conversation, {"quote": "Q-1"}, actor=world.alice
    )
    assert Conversation.objects.get(pk=world.sales_conversation.pk).fields == {"quote": "Q-1"}


def test_closing_waits_for_the_required_fields_of_its_inbox(world):
    define(world, "order", label="Order number", required_on_close=True)
    define(world, "reason", "choice", choices=["Bug", "Question"], required_on_close=True)
    define(world, "quote", required_on_close=True, inboxes=[world.sales])  # not Support's
    convo = world.bob_conversation

    with pytest.raises(ValidationError) as refused:
        actions.do_change_status(convo, Status.CLOSED, actor=world.bob)
    assert refusal(refused) == {"fields.order": ["Fill in Order number, Reason before closing."]}
    assert Conversation.objects.get(pk=convo.pk).status == Status.OPEN

    actions.do_set_conversation_fields(convo, {"order": "77812", "reason": "Bug"}, actor=world.bob)
    actions.do_change_status(convo, Status.CLOSED, actor=world.bob)
    assert Conversation.objects.get(pk=convo.pk).status == Status.CLOSED


def test_pending_and_spam_need_no_fields(world):
    define(world, "order", required_on_close=True)
    convo = world.bob_conversation
    actions.do_change_status(convo, Status.PENDING, actor=world.bob)
    actions.do_change_status(convo, Status.SPAM, actor=world.bob)
    assert Conversation.objects.get(pk=convo.pk).status == Status.SPAM


def test_contact_and_company_fields(world):
    carol = world.bob_conversation.contact
    define(world, "plan", "choice", target="contact", choices=["Free", "Pro"])
    define(world, "renewal", "date", target="company")

    actions.do_set_client_fields(
        {"plan": "Pro"}, inbox=world.support, contact=carol, actor=world.bob
    )
    actions.do_set_client_fields(
        {"renewal": "2027-03-01"}, inbox=world.support, company=carol.company, actor=world.bob
    )

    carol.refresh_from_db()
    assert carol.fields == {"plan": "Pro"}
    carol.company.refresh_from_db()
    assert carol.company.fields == {"renewal": "2027-03-01"}


def test_client_fields_need_the_client_in_that_inbox(world):
    carol = world.bob_conversation.contact  # writes to Support only
    define(world, "plan", target="contact")
    with pytest.raises(ValidationError) as refused:
        actions.do_set_client_fields(
            {"plan": "Pro"}, inbox=world.sales, contact=carol, actor=world.alice
        )
    assert list(refusal(refused)) == ["inbox"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("Order", "A key of lower-case letters, digits and underscores, starting with a letter."),
        ("9lives", "A key of lower-case letters, digits and underscores, starting with a letter."),
        ("from", "This word is a search operator: choose another key."),
        ("order", "Another field has this key."),
    ],
)
def test_a_key_is_checked(world, key, message):
    define(world, "order")
    with pytest.raises(ValidationError) as refused:
        define(world, key)
    assert refusal(refused) == {"key": [message]}


def test_the_same_key_may_name_a_contact_and_a_conversation_field(world):
    define(world, "tier")
    assert define(world, "tier", target="contact").key == "tier"


def test_options_in_use_stay_and_kind_key_and_target_are_fixed(world):
    plan = define(world, "plan", "choice", choices=["Free", "Pro"])
    with pytest.raises(ValidationError) as refused:
        actions.do_save_field(
            plan,
            target="contact",
            key="other",
            label="Plan",
            kind="text",
            choices=["Pro"],
            actor=world.alice,
        )
    assert refusal(refused) == {"choices": ["Options in use cannot be removed: Free"]}

    actions.do_save_field(
        plan,
        target="contact",
        key="other",
        label="Plan",
        kind="text",
        choices=["Free", "Pro", "Team"],
        actor=world.alice,
    )
    plan.refresh_from_db()
    assert (plan.target, plan.key, plan.kind, plan.choices) == (
        "conversation",
        "plan",
        "choice",
        ["Free", "Pro", "Team"],
    )


def test_a_choice_field_needs_options_without_quotes(world):
    with pytest.raises(ValidationError) as refused:
        define(world, "plan", "choice", choices=[" ", ""])
    assert refusal(refused) == {"choices": ["A choice field needs at least one option."]}
    with pytest.raises(ValidationError) as refused:
        define(world, "plan", "choice", choices=['The "big" one'])
    assert refusal(refused) == {
        "choices": ["An option has at most 80 characters and no double quote."]
    }


def test_only_owners_and_admins_define_fields_and_a_viewer_fills_none_in(world):
    with pytest.raises(NotAllowed):
        actions.do_save_field(
            None, target="conversation", key="order", label="Order", kind="text", actor=world.bob
        )
    define(world, "order")
    with pytest.raises(NotAllowed):
        actions.do_set_conversation_fields(
            world.sales_conversation, {"order": "1"}, actor=world.dora
        )


def test_saved_replies_fill_in_custom_fields(world):
    from postroom.saved.queries import render_for

    define(world, "order")
    define(world, "plan", target="contact")
    define(world, "vip", "checkbox", target="company")
    convo = world.bob_conversation
    carol = convo.contact
    actions.do_set_conversation_fields(convo, {"order": "77812"}, actor=world.bob)
    actions.do_set_client_fields(
        {"vip": True}, inbox=world.support, company=carol.company, actor=world.bob
    )
    convo = Conversation.objects.select_related("contact__company", "inbox").get(pk=convo.pk)

    rendered = render_for(
        "Order {{ conversation.order }}, VIP: {{ company.vip }}, plan {{ contact.plan }}.",
        convo,
        world.bob,
    )

    assert rendered.text == "Order 77812, VIP: Yes, plan {{ contact.plan }}."
    assert rendered.missing == ["contact.plan"]
    with pytest.raises(ValidationError) as refused:
        actions.do_reply(convo, rendered.text, actor=world.bob)
    assert list(refusal(refused)) == ["body"]
