"""Notification emails reach a real SMTP server, right away or as a digest."""

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions.notifications import do_set_preferences
from postroom.notifications.email import send_notification_emails
from postroom.notifications.models import Notification


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.POSTROOM_OUTBOUND_TRANSPORT = "smtp"
    settings.POSTROOM_OUTBOUND_SMTP_HOST = "127.0.0.1"
    settings.POSTROOM_OUTBOUND_SMTP_PORT = port
    settings.POSTROOM_OUTBOUND_SMTP_SECURITY = "none"
    settings.POSTROOM_OUTBOUND_SMTP_USERNAME = ""
    yield handler
    controller.stop()


def test_a_mention_is_emailed_right_away_once(world, smtp):
    Notification.objects.all().delete()  # the fixture's assignment
    actions.do_add_note(world.bob_conversation, "@alice please look", actor=world.bob)
    assert send_notification_emails() == 1
    assert send_notification_emails() == 0
    [(rcpt, content)] = smtp.messages
    assert rcpt == ["alice@example.test"]
    mail = message_from_bytes(content)
    assert "Bob mentioned you" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert f"/c/{world.bob_conversation.pk}/" in mail.get_payload(decode=True).decode()


def test_digest_waits_for_the_hour_then_sends_one_email(world, smtp):
    Notification.objects.all().delete()
    do_set_preferences(
        world.alice,
        email_mode="digest",
        email_mentions=True,
        email_assignments=True,
        email_replies=False,
        desktop=True,
        actor=world.alice,
    )
    actions.do_add_note(world.bob_conversation, "@alice one", actor=world.bob)
    actions.do_add_note(world.bob_conversation, "@alice two", actor=world.bob)
    assert send_notification_emails() == 0
    assert send_notification_emails(clock.now() + timedelta(minutes=61)) == 1
    assert "2 updates" in message_from_bytes(smtp.messages[0][1])["Subject"]


def test_read_or_unwanted_notifications_are_not_emailed(world, smtp):
    Notification.objects.all().delete()
    do_set_preferences(
        world.alice,
        email_mode="off",
        email_mentions=True,
        email_assignments=True,
        email_replies=False,
        desktop=True,
        actor=world.alice,
    )
    actions.do_add_note(world.bob_conversation, "@alice x", actor=world.bob)
    assert send_notification_emails() == 0
    assert smtp.messages == []
