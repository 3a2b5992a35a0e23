"""Two agents in two real browsers: live lists, presence, access loss."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import Message


def test_bob_sees_alice_viewing_and_typing(world, live_page_for):
    bob = live_page_for(world.bob)
    alice = live_page_for(world.alice)
    url = f"/c/{world.bob_conversation.pk}/"
    bob.goto(url)
    alice.goto(url)
    presence = bob.locator("#presence")
    expect(presence).to_contain_text("Alice is viewing")
    alice.fill("#reply-form textarea", "Hi Carol, on it")
    expect(presence).to_contain_text("Alice is replying")
    alice.goto("/inbox/support/")
    expect(presence).not_to_contain_text("Alice")


def test_a_new_conversation_appears_in_open_lists_without_reload(world, live_page_for):
    bob = live_page_for(world.bob)
    expect(bob.locator("#conversation-list")).to_contain_text("Broken invoice")
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="erin@customer.test", subject="Live arrival", text="Hello there"
        ),
    )
    expect(bob.locator("#conversation-list")).to_contain_text("Live arrival")
    expect(bob.locator("a[data-view=open] .count")).to_have_text("2")


def test_an_assignment_shows_in_the_open_conversation(world, live_page_for):
    bob = live_page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    actions.do_assign(world.bob_conversation, users=[world.alice], actor=world.alice)
    expect(bob.locator("#assign-panel")).to_contain_text("Alice")
    expect(bob.locator(".timeline")).to_contain_text("Alice took it")


def test_mail_sent_over_smtp_appears_in_both_lists_without_reload(world, live_page_for):
    import smtplib
    import socket
    import threading

    from postroom.jobs import run_digest_loop
    from postroom.mail.sources.smtpd import start_smtpd

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver = start_smtpd("127.0.0.1", port)
    stop = threading.Event()
    digest = threading.Thread(target=run_digest_loop, args=(stop,), daemon=True)
    digest.start()
    try:
        alice = live_page_for(world.alice, landing="**/inbox/**")
        alice.goto("/inbox/support/")
        bob = live_page_for(world.bob)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                "frank@customer.test",
                ["support@example.test"],
                b"From: Frank <frank@customer.test>\r\nTo: support@example.test\r\n"
                b"Subject: Arrived by SMTP\r\nMessage-ID: <smtp-live@customer.test>\r\n"
                b"\r\nHello over the wire\r\n",
            )
        # First the pipeline (stored before 250, then digested), then the live update.
        deadline = time.monotonic() + 20
        while not Message.objects.filter(subject="Arrived by SMTP").exists():
            assert time.monotonic() < deadline, "the digest did not record the message"
            bob.wait_for_timeout(100)
        expect(bob.locator("#conversation-list")).to_contain_text("Arrived by SMTP", timeout=15_000)
        expect(alice.locator("#conversation-list")).to_contain_text(
            "Arrived by SMTP", timeout=15_000
        )
    finally:
        stop.set()
        receiver.stop()
        digest.join(5)


def test_a_mention_reaches_bob_live(world, live_page_for):
    bob = live_page_for(world.bob)
    # bob already has one: the conversation was assigned to him in the fixture
    expect(bob.get_by_test_id("unread")).to_have_text("1")
    actions.do_add_note(world.bob_conversation, "@bob can you take this?", actor=world.alice)
    expect(bob.get_by_test_id("unread")).to_have_text("2")
    bob.click("a[data-personal=mentions]")
    expect(bob.locator("#mention-list")).to_contain_text("Broken invoice")
