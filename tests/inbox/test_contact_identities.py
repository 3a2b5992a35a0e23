"""Contacts are found by their identities; a contact may have several, of any kind, and
everything from any of them joins the contact's history. The identity is unique, the
contact's address is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.actions import InboundMessage
from postroom.inbox.models import (
    Activity,
    Channel,
    Contact,
    ContactIdentity,
    Conversation,
    IdentityKind,
    Message,
)
from postroom.inbox.models.contact import normalize_identity
from postroom.mail.digest.digest import digest_all
from postroom.mail.store import store_raw
from tests.pipeline.mails import mail


def _carol(world) -> Contact:
    return world.bob_conversation.contact


def test_every_new_contact_gets_its_email_identity(world):
    message = actions.do_receive_message(
        world.support, InboundMessage(sender="Erin@Example.TEST", sender_name="Erin")
    )
    contact = message.conversation.contact
    assert (contact.email, contact.name) == ("erin@example.test", "Erin")
    assert list(contact.identities.values_list("kind", "value")) == [("email", "erin@example.test")]
    assert message.channel == Channel.EMAIL


def test_the_same_address_written_differently_is_the_same_contact(world):
    message = actions.do_receive_message(
        world.sales, InboundMessage(sender=" CAROL@customer.test", subject="Another thing")
    )
    assert message.conversation.contact == _carol(world)
    assert Contact.objects.count() == 2  # carol and dan, from the world


def test_a_contact_with_two_addresses_receives_mail_from_both_into_its_history(world):
    carol = _carol(world)
    actions.do_add_contact_identity(
        carol, IdentityKind.EMAIL, "carol.private@home.test", actor=world.alice
    )
    message = actions.do_receive_message(
        world.support,
        InboundMessage(sender="carol.private@home.test", subject="From my other address"),
    )
    assert message.conversation.contact == carol
    history = Conversation.objects.filter(contact=carol).order_by("pk")
    assert [c.subject for c in history] == ["Broken invoice", "From my other address"]
    assert carol.email == "carol@customer.test"  # replies still go to the main address


def test_a_reply_from_the_second_address_threads_by_subject_like_the_first(world):
    carol = _carol(world)
    actions.do_add_contact_identity(
        carol, IdentityKind.EMAIL, "carol.private@home.test", actor=world.alice
    )
    base = datetime.now(UTC) - timedelta(hours=3)
    store_raw(mail(subject="Order 77 missing", date=base), inbox=world.support, source="import")
    store_raw(
        mail(
            sender="Carol <carol.private@home.test>",
            subject="Re: Order 77 missing",
            date=base + timedelta(hours=1),
        ),
        inbox=world.support,
        source="import",
    )
    assert digest_all() == 2
    first, reply = Message.objects.filter(subject__contains="Order 77").order_by("pk")
    assert reply.conversation_id == first.conversation_id
    assert reply.thread_reason == "matched subject and sender within 14 days"
    assert first.conversation.contact == carol


def test_a_phone_identity_sits_beside_the_email_one(world):
    carol = _carol(world)
    identity = actions.do_add_contact_identity(
        carol, IdentityKind.PHONE, "+49 (30) 1234-567", actor=world.alice
    )
    assert identity.value == "+49301234567"
    assert sorted(carol.identities.values_list("kind", "value")) == [
        ("email", "carol@customer.test"),
        ("phone", "+49301234567"),
    ]
    text = actions.do_receive_message(
        world.support,
        InboundMessage(channel=Channel.SMS, sender="0049 30 1234567", text="Still broken"),
    )
    assert (text.conversation.contact, text.channel) == (carol, Channel.SMS)


def test_a_contact_reached_only_by_phone_has_no_address(world):
    message = actions.do_receive_message(
        world.support, InboundMessage(channel=Channel.SMS, sender="+31 6 1234 5678", text="Hi")
    )
    contact = message.conversation.contact
    assert contact.email == ""
    assert list(contact.identities.values_list("kind", "value")) == [("phone", "+31612345678")]


def test_an_agent_may_not_add_identities_yet(world):
    with pytest.raises(NotAllowed):
        actions.do_add_contact_identity(
            _carol(world), IdentityKind.PHONE, "+44 20 7946 0000", actor=world.bob
        )
    assert not Activity.objects.filter(verb="contact.identity_added").exists()


def test_adding_an_identity_is_recorded_with_its_actor(world):
    carol = _carol(world)
    actions.do_add_contact_identity(
        carol, IdentityKind.PHONE, "+44 20 7946 0000", actor=world.alice
    )
    activity = Activity.objects.get(verb="contact.identity_added")
    assert (activity.actor, activity.actor_kind, activity.target_id) == (
        world.alice,
        "user",
        carol.pk,
    )
    assert activity.data == {"contact": carol.pk, "kind": "phone", "value": "+442079460000"}


def test_an_identity_the_contact_has_already_is_not_added_twice(world):
    carol = _carol(world)
    again = actions.do_add_contact_identity(
        carol, IdentityKind.EMAIL, "Carol@Customer.test", actor=world.alice
    )
    assert again.contact == carol
    assert carol.identities.count() == 1
    assert not Activity.objects.filter(verb="contact.identity_added").exists()


def test_uniqueness_lives_on_the_identity_not_the_address(world):
    dan = world.sales_conversation.contact
    with pytest.raises(ValidationError) as refused:
        actions.do_add_contact_identity(
            dan, IdentityKind.EMAIL, "carol@customer.test", actor=world.alice
        )
    assert refused.value.message_dict == {"value": ["Another contact has this identity."]}
    with transaction.atomic(), pytest.raises(IntegrityError):
        ContactIdentity.objects.create(contact=dan, kind="email", value="carol@customer.test")
    # The same value of another kind is another identity; the address alone is not unique.
    ContactIdentity.objects.create(contact=dan, kind="chat", value="carol@customer.test")
    Contact.objects.create(email="carol@customer.test", name="A second record")
    assert Contact.objects.filter(email="carol@customer.test").count() == 2


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("email", "not an address", "not an address is not an email address."),
        ("phone", "call me", "callme is not a phone number."),
        ("fax", "+1 555", "Unknown kind of identity."),
        ("chat", "   ", "Enter an address, a number or a handle."),
    ],
)
def test_identities_are_checked(world, kind, value, error):
    with pytest.raises(ValidationError) as refused:
        actions.do_add_contact_identity(_carol(world), kind, value, actor=world.alice)
    assert refused.value.messages == [error]


@pytest.mark.parametrize(
    ("kind", "value", "normal"),
    [
        ("email", "  Ann@Example.COM ", "ann@example.com"),
        ("phone", "0044 20 7946-0000", "+442079460000"),
        ("phone", "+1 (555) 010.0199", "+15550100199"),
        ("chat", " @Ann_Example ", "@Ann_Example"),
    ],
)
def test_identities_are_normalised(kind, value, normal):
    assert normalize_identity(kind, value) == normal
