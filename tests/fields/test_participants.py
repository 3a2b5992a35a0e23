"""Customers on the recipients of mail: a colleague in Cc, a second addressee, a form's
Reply-To become contacts on the conversation, seen through it and only through it."""

from __future__ import annotations

import pytest
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.access import visible_companies, visible_contacts
from postroom.inbox.models import Contact, Conversation, ConversationParticipant
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import Source
from postroom.mail.store import store_raw
from tests.api.conftest import ApiClient, token_for
from tests.pipeline.mails import mail


def deliver(inbox, **parts) -> Conversation:
    raw = mail(**parts)
    store_raw(raw, inbox=inbox, source=Source.SMTP, envelope_from="x@customer.test")
    digest_all()
    return Conversation.objects.order_by("-pk").first()


def roles(conversation) -> list[tuple[str, str]]:
    return list(
        ConversationParticipant.objects.filter(conversation=conversation)
        .order_by("pk")
        .values_list("contact__email", "role")
    )


def test_the_customers_in_to_cc_and_reply_to_become_participants(world):
    convo = deliver(
        world.support,
        sender="Vera <vera@bigco.test>",
        to="support@example.test, Walt <walt@bigco.test>",
        headers={
            "Cc": "Xena <xena@bigco.test>, sales@example.test, BOB@example.test, vera@bigco.test",
            "Reply-To": "orders@bigco.test",
        },
    )

    assert convo.contact.email == "vera@bigco.test"
    # Our own addresses (an inbox, a teammate) and the contact herself are left out.
    assert roles(convo) == [
        ("walt@bigco.test", "to"),
        ("xena@bigco.test", "cc"),
        ("orders@bigco.test", "reply_to"),
    ]
    walt = Contact.objects.get(email="walt@bigco.test")
    assert (walt.name, walt.company_id) == ("", convo.contact.company_id)


def test_a_reply_adds_new_people_once(world):
    first = deliver(
        world.support, sender="vera@bigco.test", subject="Order", headers={"Cc": "xena@bigco.test"}
    )
    message_id = first.messages.get().message_id
    again = deliver(
        world.support,
        sender="xena@bigco.test",
        subject="Re: Order",
        in_reply_to=f"<{message_id}>",
        headers={"Cc": "vera@bigco.test, yuri@bigco.test"},
    )

    assert again.pk == first.pk
    assert roles(first) == [("xena@bigco.test", "cc"), ("yuri@bigco.test", "cc")]


def test_automatic_mail_adds_nobody(world):
    convo = deliver(
        world.support,
        sender="news@lists.bigco.test",
        headers={"Cc": "xena@bigco.test", "List-Id": "<news.bigco.test>", "Precedence": "list"},
    )
    assert roles(convo) == []


def test_a_participant_is_seen_through_the_conversation_and_only_so(world):
    convo = deliver(
        world.sales,
        sender="dan@prospect.test",
        to="sales@example.test",
        headers={"Cc": "erin@partner.test"},
    )
    erin = Contact.objects.get(email="erin@partner.test")

    assert erin in visible_contacts(world.dora)  # views Sales
    assert erin.company in visible_companies(world.dora)
    assert erin not in visible_contacts(world.bob)  # Support only
    assert erin not in visible_contacts(world.charlie)
    page = Client()
    page.force_login(world.dora)
    contact_page = page.get(f"/contacts/{erin.pk}/")
    assert contact_page.status_code == 200
    assert f'href="/c/{convo.pk}/"' in contact_page.content.decode()
    sidebar = page.get(f"/c/{convo.pk}/").content.decode()
    assert f'href="/contacts/{erin.pk}/"' in sidebar and "(Cc)" in sidebar
    bob = Client()
    bob.force_login(world.bob)
    assert bob.get(f"/contacts/{erin.pk}/").status_code == 404
    assert ApiClient(token_for(world.bob)).get(f"/contacts/{erin.pk}").status_code == 404
    assert ApiClient(token_for(world.dora)).get(f"/contacts/{erin.pk}").status_code == 200
    assert "erin@partner.test" not in bob.get("/contacts/", {"q": "erin"}).content.decode()


def test_a_note_on_a_participant_is_pinned_through_the_conversation(world):
    deliver(world.support, sender="carol@customer.test", headers={"Cc": "pat@partner.test"})
    pat = Contact.objects.get(email="pat@partner.test")

    note = actions.do_add_client_note(
        "Pat signs the orders", inbox=world.support, contact=pat, actor=world.bob
    )

    assert note.contact_id == pat.pk


@pytest.mark.parametrize("kept", ["walt", "vera"])
def test_merging_contacts_keeps_each_on_a_conversation_once(world, kept):
    convo = deliver(
        world.support, sender="vera@bigco.test", headers={"Cc": "walt@bigco.test, xena@bigco.test"}
    )
    vera = Contact.objects.get(email="vera@bigco.test")
    walt = Contact.objects.get(email="walt@bigco.test")
    source, into = (vera, walt) if kept == "walt" else (walt, vera)

    actions.do_merge_contacts(source, into, actor=world.alice)

    convo.refresh_from_db()
    assert convo.contact_id == into.pk
    assert roles(convo) == [("xena@bigco.test", "cc")]  # not the customer as a participant too


def test_merging_conversations_moves_the_participants(world):
    one = deliver(
        world.support, sender="vera@bigco.test", subject="One", headers={"Cc": "walt@bigco.test"}
    )
    two = deliver(
        world.support,
        sender="vera@bigco.test",
        subject="Two",
        headers={"Cc": "walt@bigco.test, xena@bigco.test"},
    )

    actions.do_merge_conversations(one, two, actor=world.alice)

    assert roles(one) == [("walt@bigco.test", "cc"), ("xena@bigco.test", "cc")]
