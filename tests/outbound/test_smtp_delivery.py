"""What a real SMTP server receives: identity, threading headers, recipients, bodies, files."""

from __future__ import annotations

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions import NewAttachment
from postroom.inbox.events import subscribe
from postroom.inbox.models import AccessLevel, Activity, DeliveryStatus, Message, Status
from postroom.outbound.models import OutboxItem, OutboxState
from tests.outbound.conftest import ANSWER, send_due


def _sign(world, text="Kind regards,\n{agent} for {inbox}"):
    actions.do_update_inbox(
        world.support,
        name="Support",
        address="support@example.test",
        aliases=["help@example.test"],
        signature=text,
        actor=world.alice,
    )


def _customer_message(world) -> Message:
    return Message.objects.get(conversation=world.bob_conversation, direction="in")


def test_a_reply_on_behalf_names_the_agent_through_the_inbox(world, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    assert send_due() == 1

    [got] = peer.received
    mail = got.message
    assert mail["From"].addresses[0].display_name == "Bob via Support"
    assert mail["From"].addresses[0].addr_spec == "support@example.test"
    assert mail["Sender"].addresses[0].display_name == "Bob"
    assert mail["Sender"].addresses[0].addr_spec == "bob@example.test"
    assert mail["Reply-To"].addresses[0].addr_spec == "support@example.test"
    assert mail["Message-ID"] == f"<{reply.message_id}>"
    assert got.mail_from == "support@example.test"


def test_send_as_is_purely_the_inbox(world, peer, frozen):
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.SEND_AS, actor=world.alice
    )
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()

    mail = peer.received[0].message
    assert str(mail["From"]) == "Support <support@example.test>"
    assert "Sender" not in mail


def test_threading_headers_point_at_the_customer_message(world, peer, frozen):
    customer = _customer_message(world)
    first = actions.do_reply(world.bob_conversation, "First answer.", actor=world.bob)
    send_due()
    actions.do_reply(world.bob_conversation, "Second answer.", actor=world.bob)
    send_due()

    one, two = (r.message for r in peer.received)
    assert one["In-Reply-To"] == f"<{customer.message_id}>"
    assert one["References"] == f"<{customer.message_id}>"
    # The customer has not answered: the second reply still answers their message, and
    # its References carry the whole thread, our first reply included.
    assert two["In-Reply-To"] == f"<{customer.message_id}>"
    assert two["References"].split() == [f"<{first.message_id}>", f"<{customer.message_id}>"]
    assert two["Subject"] == "Re: Broken invoice"
    assert "pr." in str(two["Message-ID"])  # our reply token


def test_cc_and_bcc_are_delivered_but_bcc_never_shown(world, peer, frozen):
    actions.do_reply(
        world.bob_conversation,
        "Looping in accounts.",
        cc=["accounts@customer.test"],
        bcc=["audit@example.test"],
        actor=world.bob,
    )
    send_due()

    [got] = peer.received
    assert sorted(got.rcpt_tos) == [
        "accounts@customer.test",
        "audit@example.test",
        "carol@customer.test",
    ]
    assert str(got.message["To"]) == "carol@customer.test"
    assert str(got.message["Cc"]) == "accounts@customer.test"
    assert "Bcc" not in got.message
    assert b"audit@example.test" not in got.data


def test_text_and_sanitised_html_bodies_with_signature_and_quote(world, peer, frozen):
    _sign(world)
    actions.do_reply(
        world.bob_conversation,
        "Hi **Carol**,\n\n<script>alert(1)</script> the invoice is fixed.",
        actor=world.bob,
    )
    send_due()

    mail = peer.received[0].message
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hi **Carol**," in text
    assert "Bob for Support" in text and "Bob for Support" in html
    assert "<strong>Carol</strong>" in html
    assert "<script>" not in html  # Markdown's raw HTML is escaped, then sanitised
    assert "wrote:" in text and "> Hello, my invoice is wrong." in text
    assert '<blockquote type="cite"' in html and "Hello, my invoice is wrong." in html


def test_quoting_can_be_left_out(world, peer, frozen):
    actions.do_reply(world.bob_conversation, "Short.", actor=world.bob, quote=False)
    send_due()

    text = peer.received[0].message.get_body(("plain",)).get_content()
    assert "wrote:" not in text


def test_attachments_travel_with_the_reply(world, peer, frozen):
    reply = actions.do_reply(
        world.bob_conversation,
        "The corrected invoice is attached.",
        attachments=[
            NewAttachment("invoice-fixed.pdf", "application/pdf", b"%PDF-1.4 fixed"),
            NewAttachment("notes.txt", "text/plain", "Grüße".encode()),
        ],
        actor=world.bob,
    )
    send_due()

    mail = peer.received[0].message
    assert mail.get_content_type() == "multipart/mixed"
    files = {p.get_filename(): p.get_payload(decode=True) for p in mail.iter_attachments()}
    assert files == {"invoice-fixed.pdf": b"%PDF-1.4 fixed", "notes.txt": "Grüße".encode()}
    assert [a.filename for a in reply.attachments.all()] == ["invoice-fixed.pdf", "notes.txt"]


def test_success_is_recorded_with_the_time_and_the_server_answer(world, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()

    reply.refresh_from_db()
    item = OutboxItem.objects.get(message=reply)
    assert reply.delivery_status == DeliveryStatus.SENT
    assert item.state == OutboxState.SENT
    assert item.sent_at == clock.now()
    assert item.answer == ANSWER
    assert item.transport == f"SMTP 127.0.0.1:{peer.port}"
    assert item.attempts == 1
    sent = Activity.objects.get(verb="message.sent")
    assert sent.data["answer"] == ANSWER and sent.target_id == reply.pk


def test_delivery_emits_its_events_after_commit(
    world, peer, frozen, django_capture_on_commit_callbacks
):
    seen = []
    unsubscribe = subscribe(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
        with django_capture_on_commit_callbacks(execute=True):
            send_due()
    finally:
        unsubscribe()
    kinds = [(e.type, e.data.get("message")) for e in seen]
    assert ("message.replied", reply.pk) in kinds
    assert ("message.delivery", reply.pk) in kinds  # the claim: sending
    assert ("message.sent", reply.pk) in kinds
    assert all(e.inbox_id == world.support.pk for e in seen)


def test_reply_all_copies_everyone_but_our_own_addresses(world, peer, frozen):
    incoming = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test",
            subject="Re: Broken invoice",
            text="Adding my colleague.",
            to=["support@example.test", "dave@customer.test"],
            cc=["help@example.test", "erin@customer.test", "carol@customer.test"],
        ),
        conversation=world.bob_conversation,
    )
    actions.do_reply(
        world.bob_conversation, "Hello both.", replying_to=incoming, reply_all=True, actor=world.bob
    )
    send_due()

    mail = peer.received[0].message
    assert str(mail["To"]) == "carol@customer.test"
    assert str(mail["Cc"]) == "dave@customer.test, erin@customer.test"
    assert mail["In-Reply-To"] == f"<{incoming.message_id}>"


def test_forward_carries_the_message_and_its_files(world, peer, frozen):
    original = _customer_message(world)
    attachment = original.attachments.get()
    forward = actions.do_forward(
        world.bob_conversation,
        original,
        "Finance, can you check this invoice?",
        to=["finance@partner.test"],
        attachments=[NewAttachment(attachment.filename, attachment.content_type, b"%PDF-1.4 demo")],
        actor=world.bob,
    )
    send_due()

    mail = peer.received[0].message
    assert mail["Subject"] == "Fwd: Broken invoice"
    assert str(mail["To"]) == "finance@partner.test"
    assert "In-Reply-To" not in mail and "References" not in mail
    text = mail.get_body(("plain",)).get_content()
    assert "Finance, can you check this invoice?" in text
    assert "---------- Forwarded message ---------" in text
    assert "From: Carol Customer <carol@customer.test>" in text
    assert "Hello, my invoice is wrong." in text
    assert [p.get_filename() for p in mail.iter_attachments()] == ["invoice.pdf"]
    assert forward.conversation_id == world.bob_conversation.pk
    assert Activity.objects.filter(verb="message.forwarded", target_id=forward.pk).exists()


def test_a_new_outbound_conversation(world, peer, frozen):
    first = actions.do_start_conversation(
        world.support,
        to=["newcustomer@prospect.test"],
        cc=["boss@prospect.test"],
        subject="Your trial",
        body="Hello, how is the trial going?",
        actor=world.bob,
    )
    send_due()

    mail = peer.received[0].message
    assert mail["Subject"] == "Your trial"
    assert "In-Reply-To" not in mail
    conversation = first.conversation
    assert conversation.contact.email == "newcustomer@prospect.test"
    assert conversation.status == Status.PENDING
    assert list(conversation.assignees.all()) == [world.bob]
    assert Activity.objects.filter(
        verb="conversation.created", conversation=conversation, data__outbound=True
    ).exists()


def test_non_ascii_names_and_subjects_are_encoded(world, peer, frozen):
    actions.do_update_profile(world.bob, name="Zoë Ångström", time_zone="UTC", actor=world.bob)
    actions.do_start_conversation(
        world.support,
        to=["anais@münchen.test"],
        subject="Überweisung für März",
        body="Grüße aus Köln",
        actor=world.bob,
    )
    send_due()

    [got] = peer.received
    mail = got.message
    assert mail["From"].addresses[0].display_name == "Zoë Ångström via Support"
    assert mail["Subject"] == "Überweisung für März"
    assert "Grüße aus Köln" in mail.get_body(("plain",)).get_content()
    assert got.rcpt_tos == ["anais@xn--mnchen-3ya.test"]  # the domain in its IDNA form
    assert mail["To"].addresses[0].domain == "xn--mnchen-3ya.test"
