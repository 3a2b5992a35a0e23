"""The composer, the delivery state, the outbox pages and the sending settings, through
the web app as each persona sees it."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import AccessLevel, Conversation, DeliveryStatus, Message
from postroom.outbound.models import CapturedMail, Draft, OutboundSettings, OutboxItem
from tests.outbound.conftest import send_due

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def url(world) -> str:
    return f"/c/{world.bob_conversation.pk}/"


def outbound() -> list[Message]:
    return list(Message.objects.filter(direction="out").order_by("pk"))


def test_bob_sees_the_composer_with_the_customer_and_the_signature(world, client_for, frozen):
    actions.do_update_inbox(
        world.support, name="Support", address="support@example.test",
        aliases=["help@example.test"], signature="Cheers, {agent_first_name}", actor=world.alice,
    )  # fmt: skip
    page = client_for(world.bob).get(url(world)).content.decode()

    assert 'id="reply-form"' in page
    assert 'name="to" value="carol@customer.test"' in page
    assert "Cheers, Bob" in page
    assert 'data-testid="capture-notice"' in page  # the workspace default is the capture
    assert "Sent mail waits 10 seconds so you can undo it." in page


def test_a_view_only_member_has_no_send_button_and_cannot_send(world, client_for, frozen):
    dora = client_for(world.dora)
    conversation = f"/c/{world.sales_conversation.pk}/"
    page = dora.get(conversation).content.decode()

    assert 'id="reply-form"' not in page and "Send reply" not in page
    response = dora.post(conversation, {"action": "reply", "body": "Sure!"})
    assert response.status_code == 403
    assert "You need reply on behalf on Sales to reply to customers." in response.content.decode()
    assert outbound() == []
    compose = dora.get("/inbox/sales/compose/")
    assert compose.status_code == 403
    assert "You need reply on behalf on Sales to write to customers." in compose.content.decode()
    assert client_for(world.charlie).get("/inbox/sales/compose/").status_code == 404


def test_sending_shows_the_message_queued_with_undo(world, client_for, frozen):
    bob = client_for(world.bob)
    page = bob.post(url(world), {"action": "reply", "body": "Fixed!", "when": "now"}, follow=True)

    html = page.content.decode()
    assert 'data-status="queued"' in html
    assert 'data-undo-seconds="10"' in html


def test_undo_brings_the_text_back_into_the_composer(world, client_for, frozen):
    bob = client_for(world.bob)
    bob.post(url(world), {"action": "reply", "body": "Fixed, *sorry*!", "cc": "boss@customer.test"})
    [reply] = outbound()

    response = bob.post(f"/messages/{reply.pk}/delivery/", {"action": "cancel"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"/c/{world.bob_conversation.pk}/#composer")
    assert "Not sent. Your draft is back in the composer." in html
    assert ">Fixed, *sorry*!</textarea>" in html
    assert 'name="cc" value="boss@customer.test"' in html
    assert outbound() == []


def test_a_refused_send_keeps_what_was_written(world, client_for, frozen):
    bob = client_for(world.bob)
    response = bob.post(
        url(world),
        {"action": "reply", "body": "Long careful answer", "to": "carol@", "when": "now"},
        follow=True,
    )

    html = response.content.decode()
    assert "carol@ is not an email address." in html
    assert ">Long careful answer</textarea>" in html
    assert outbound() == []


def test_send_later_is_read_in_the_viewers_time_zone_and_listed(world, client_for, frozen):
    actions.do_update_profile(world.bob, time_zone="Europe/Amsterdam", actor=world.bob)
    bob = client_for(world.bob)
    tomorrow = (clock.now() + timedelta(days=1)).astimezone(AMSTERDAM)
    local = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)

    response = bob.post(
        url(world),
        {"action": "reply", "body": "Morning!", "when": "later", "send_at": local.isoformat()},
        follow=True,
    )

    assert "Scheduled. It is listed under Outbox until it goes." in response.content.decode()
    item = OutboxItem.objects.get()
    assert item.scheduled
    assert item.due_at.astimezone(AMSTERDAM).hour == 9
    outbox = bob.get("/outbox/").content.decode()
    assert "Scheduled</span>" in outbox and "09:00" in outbox


def test_schedule_without_a_time_is_refused_clearly(world, client_for, frozen):
    response = client_for(world.bob).post(
        url(world), {"action": "reply", "body": "Hi", "when": "later", "send_at": ""}, follow=True
    )
    assert "Pick a date and time to send it." in response.content.decode()


def test_reply_all_fills_in_the_other_recipients(world, client_for, frozen):
    incoming = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test",
            text="Adding Dave.",
            to=["support@example.test"],
            cc=["dave@customer.test"],
        ),
        conversation=world.bob_conversation,
    )
    page = (
        client_for(world.bob)
        .get(url(world), {"compose": "reply_all", "message": incoming.pk})
        .content.decode()
    )

    assert 'name="to" value="carol@customer.test"' in page
    assert 'name="cc" value="dave@customer.test"' in page
    assert 'name="mode" value="reply_all"' in page


def test_forward_keeps_the_files_of_the_forwarded_message(world, client_for, peer, frozen):
    original = Message.objects.get(conversation=world.bob_conversation)
    attachment = original.attachments.get()
    bob = client_for(world.bob)
    page = bob.get(url(world), {"compose": "forward"}).content.decode()
    assert f'name="keep" value="a:{attachment.pk}" checked' in page

    bob.post(
        url(world),
        {"action": "reply", "mode": "forward", "message": original.pk, "to": "finance@partner.test",
         "body": "Please check.", "keep": f"a:{attachment.pk}", "when": "now"},
    )  # fmt: skip
    send_due()

    mail = peer.received[0].message
    assert mail["Subject"] == "Fwd: Broken invoice"
    assert [p.get_filename() for p in mail.iter_attachments()] == ["invoice.pdf"]


def test_the_delivery_fragment_follows_the_state(world, client_for, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    bob = client_for(world.bob)
    fragment = bob.get(f"/messages/{reply.pk}/delivery/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "Undo" in fragment

    send_due()
    fragment = bob.get(f"/messages/{reply.pk}/delivery/").content.decode()
    assert 'data-status="sent"' in fragment
    assert "hx-trigger" not in fragment  # final: no more polling
    assert "queued as 4F2A1C" in fragment


def test_a_failing_message_shows_why_and_can_be_retried(world, client_for, peer, frozen):
    peer.handler.refuse = "554 5.7.1 Relay access denied"
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    bob = client_for(world.bob)
    page = bob.get(url(world)).content.decode()
    assert 'data-status="failed"' in page and "554 5.7.1 Relay access denied" in page

    peer.handler.refuse = None
    bob.post(f"/messages/{reply.pk}/delivery/", {"action": "retry"})
    send_due()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_others_cannot_reach_a_message_delivery(world, client_for, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    inbound = Message.objects.get(conversation=world.bob_conversation, direction="in")
    charlie = client_for(world.charlie)

    assert charlie.get(f"/messages/{reply.pk}/delivery/").status_code == 404
    assert charlie.post(f"/messages/{reply.pk}/delivery/", {"action": "cancel"}).status_code == 404
    assert client_for(world.bob).get(f"/messages/{inbound.pk}/delivery/").status_code == 404
    assert Message.objects.filter(pk=reply.pk).exists()


def test_admins_see_every_failure_agents_only_their_inboxes(world, client_for, peer, frozen):
    peer.handler.refuse = "550 5.1.1 No such user"
    actions.do_grant_access(
        world.sales, user=world.dora, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    support = actions.do_reply(world.bob_conversation, "A.", actor=world.bob)
    sales = actions.do_reply(world.sales_conversation, "B.", actor=world.dora)
    send_due()

    def listed(user) -> set[int]:
        html = client_for(user).get("/outbox/").content.decode()
        return {m.pk for m in (support, sales) if f'data-outbox="{m.pk}"' in html}

    assert listed(world.alice) == {support.pk, sales.pk}
    assert listed(world.bob) == {support.pk}
    assert listed(world.dora) == {sales.pk}
    assert listed(world.charlie) == set()


def test_the_captured_mail_page(world, client_for, frozen):
    reply = actions.do_reply(
        world.bob_conversation, "Fixed.", bcc=["audit@example.test"], actor=world.bob
    )
    send_due()
    captured = CapturedMail.objects.get()
    alice = client_for(world.alice)

    outbox = alice.get("/outbox/").content.decode()
    assert f'data-captured="{captured.pk}"' in outbox
    page = alice.get(f"/outbox/captured/{captured.pk}/").content.decode()
    assert "Bob via Support" in page and f"&lt;{reply.message_id}&gt;" in page
    assert "audit@example.test" in page  # the envelope shows the Bcc, the headers do not
    raw = alice.get(f"/outbox/captured/{captured.pk}/?raw=1")
    assert raw["Content-Type"] == "message/rfc822" and b"Fixed." in raw.content
    assert client_for(world.charlie).get(f"/outbox/captured/{captured.pk}/").status_code == 404


def test_the_sidebar_leads_to_the_outbox(world, client_for, frozen):
    page = client_for(world.alice).get("/inbox/support/").content.decode()
    assert 'href="/outbox/" data-testid="outbox-link"' in page


def test_sending_settings_are_for_managers(world, client_for, frozen):
    alice = client_for(world.alice)
    assert alice.get("/admin/inboxes/support/sending/").status_code == 200
    assert client_for(world.bob).get("/admin/inboxes/support/sending/").status_code == 403
    assert client_for(world.charlie).get("/admin/inboxes/support/sending/").status_code == 404

    response = alice.post(
        "/admin/inboxes/support/sending/",
        {"transport": "smtp", "smtp_host": "", "smtp_port": "587", "smtp_security": "starttls",
         "auto_ack_period_hours": "24"},
        follow=True,
    )  # fmt: skip
    assert "smtp_host: Enter the SMTP server&#x27;s host name." in response.content.decode()

    alice.post(
        "/admin/inboxes/support/sending/",
        {"transport": "smtp", "smtp_host": "smtp.example.test", "smtp_port": "465",
         "smtp_security": "tls", "smtp_username": "support", "smtp_password": "pw",
         "undo_seconds": "20", "auto_ack_enabled": "on", "auto_ack_period_hours": "12"},
    )  # fmt: skip
    row = OutboundSettings.objects.get(inbox=world.support)
    assert (row.transport, row.smtp_port, row.undo_seconds) == ("smtp", 465, 20)
    world.support.refresh_from_db()
    assert (world.support.auto_ack_enabled, world.support.auto_ack_period_hours) == (True, 12)
    assert (world.support.only_assignee_replies, world.support.reply_address_token) == (
        False,
        False,
    )
    assert "SMTP smtp.example.test:465" in alice.get("/outbox/").content.decode()


def test_address_suggestions_come_from_the_users_own_inboxes(world, client_for, frozen):
    bob = client_for(world.bob)
    options = bob.get("/addresses/", {"to": "x@y.test, car"}).content.decode()
    assert 'value="x@y.test, carol@customer.test"' in options
    assert "Carol Customer &lt;carol@customer.test&gt;" in options
    assert "dan@prospect.test" not in bob.get("/addresses/", {"cc": "dan"}).content.decode()
    alice = client_for(world.alice)
    assert "dan@prospect.test" in alice.get("/addresses/", {"cc": "dan"}).content.decode()


def test_a_new_conversation_from_the_compose_page(world, client_for, frozen):
    bob = client_for(world.bob)
    assert bob.get("/inbox/support/compose/").status_code == 200

    response = bob.post(
        "/inbox/support/compose/",
        {"to": "newcustomer@prospect.test", "subject": "Your trial", "body": "How is it?",
         "when": "now"},
    )  # fmt: skip

    conversation = Conversation.objects.get(subject="Your trial")
    assert response["Location"] == f"/c/{conversation.pk}/"
    assert conversation.status == "pending"


def test_a_refused_new_conversation_keeps_the_draft(world, client_for, frozen):
    bob = client_for(world.bob)
    response = bob.post(
        "/inbox/support/compose/",
        {"to": "newcustomer@prospect.test", "subject": "", "body": "Hello there"},
        follow=True,
    )
    html = response.content.decode()
    assert "Add a subject." in html and ">Hello there</textarea>" in html
    assert Draft.objects.filter(author=world.bob, conversation=None).exists()


def test_undoing_a_new_conversation_returns_to_the_compose_page(world, client_for, frozen):
    bob = client_for(world.bob)
    bob.post("/inbox/support/compose/", {"to": "n@prospect.test", "subject": "Hi", "body": "Hello"})
    [first] = outbound()

    response = bob.post(f"/messages/{first.pk}/delivery/", {"action": "cancel"}, follow=True)

    assert response.redirect_chain[-1][0] == "/inbox/support/compose/"
    html = response.content.decode()
    assert 'name="subject" value="Hi"' in html and ">Hello</textarea>" in html


@pytest.mark.parametrize("path", ["/outbox/", "/inbox/support/compose/"])
def test_pages_need_a_login(client, world, path):
    assert client.get(path).status_code == 302


def test_the_managers_level_sees_the_sending_link(world, client_for, frozen):
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.MANAGE, actor=world.alice
    )
    do_set_reply_rules(world.support, auto_ack_enabled=True, actor=world.bob)
    html = client_for(world.bob).get("/outbox/").content.decode()
    assert "/admin/inboxes/support/sending/" in html
    assert "acknowledges new conversations" in html


def test_sending_the_restored_new_conversation_clears_its_draft(world, client_for, frozen):
    bob = client_for(world.bob)
    bob.post("/inbox/support/compose/", {"to": "n@prospect.test", "subject": "", "body": "Hello"})
    assert Draft.objects.filter(author=world.bob, conversation=None).exists()

    bob.post("/inbox/support/compose/", {"to": "n@prospect.test", "subject": "Hi", "body": "Hello"})

    assert not Draft.objects.filter(author=world.bob).exists()
