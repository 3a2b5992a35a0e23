"""The reply the SMTP server received, answered by the customer's mail client, comes back
into the same conversation: by In-Reply-To alone, by References alone, or by the reply
address alone."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from postroom.inbox import actions
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.store import store_raw
from tests.outbound.conftest import advance, send_due


def _answer(world, received, **headers: str) -> Message:
    """The customer's answer as Gmail writes it, stored and digested like real mail."""
    ours = received.message
    answer = EmailMessage()
    answer["From"] = "Carol Customer <carol@customer.test>"
    answer["To"] = headers.pop("To", str(ours["Reply-To"]))
    answer["Subject"] = headers.pop("Subject", f"Re: {ours['Subject']}")
    answer["Date"] = format_datetime(advance(60))
    answer["Message-ID"] = make_msgid(domain="mail.customer.test")
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    answer.set_content(
        f"Thanks!\n\nOn Monday you wrote:\n> {ours.get_body(('plain',)).get_content()[:40]}"
    )
    store_raw(answer.as_bytes(), inbox=world.support, source="import")
    digest_all()
    return Message.objects.get(message_id=answer["Message-ID"].strip("<>"))


def test_an_answer_with_only_in_reply_to_joins_the_conversation(world, peer, frozen):
    actions.do_reply(world.bob_conversation, "Fixed, sorry!", actor=world.bob)
    send_due()

    answer = _answer(
        world, peer.received[0], In_Reply_To=str(peer.received[0].message["Message-ID"])
    )

    assert answer.conversation_id == world.bob_conversation.pk


def test_an_answer_with_only_references_joins_the_conversation(world, peer, frozen):
    actions.do_reply(world.bob_conversation, "Fixed, sorry!", actor=world.bob)
    send_due()
    ours = peer.received[0].message

    answer = _answer(
        world, peer.received[0], References=f"{ours['References']} {ours['Message-ID']}"
    )

    assert answer.conversation_id == world.bob_conversation.pk


def test_an_answer_through_the_reply_address_alone_joins_the_conversation(world, peer, frozen):
    do_set_reply_rules(world.support, reply_address_token=True, actor=world.alice)
    actions.do_reply(world.bob_conversation, "Fixed, sorry!", actor=world.bob)
    send_due()
    reply_to = peer.received[0].message["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("support+pr.") and reply_to.endswith("@example.test")

    # A client that drops every threading header and changes the subject.
    answer = _answer(world, peer.received[0], To=reply_to, Subject="totally different")

    assert answer.conversation_id == world.bob_conversation.pk
    assert answer.thread_reason == "joined by our reply token"


def test_the_answer_reopens_a_new_outbound_conversation(world, peer, frozen):
    first = actions.do_start_conversation(
        world.support,
        to=["carol@customer.test"],
        subject="Your renewal",
        body="Shall we renew?",
        actor=world.bob,
    )
    send_due()

    answer = _answer(
        world, peer.received[0], In_Reply_To=str(peer.received[0].message["Message-ID"])
    )

    assert answer.conversation_id == first.conversation_id
    answer.conversation.refresh_from_db()
    assert answer.conversation.status == "open"
