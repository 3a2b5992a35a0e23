"""Email out in a real browser: send with a file, undo, schedule, and watch the states;
view-only members cannot send; the captured mail is one click from the sidebar."""

from __future__ import annotations

import threading
import zoneinfo
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from postroom.core import clock
from postroom.inbox.actions.sending import do_configure_outbound
from postroom.inbox.models import Message
from postroom.outbound.loop import run_outbox_loop
from tests.api.conftest import ApiClient, token_for
from tests.outbound.conftest import Peer


@pytest.fixture
def outbox_loop(transactional_db) -> Iterator[None]:
    """The outbox loop as ``postroom serve`` runs it, in a thread of the test process."""
    stop = threading.Event()
    thread = threading.Thread(target=run_outbox_loop, args=(stop, 0.2), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(10)


@pytest.fixture
def smtp_peer(settings) -> Iterator[Peer]:
    server = Peer()
    server.start()
    settings.POSTROOM_OUTBOUND_TRANSPORT = "smtp"
    settings.POSTROOM_OUTBOUND_SMTP_HOST = "127.0.0.1"
    settings.POSTROOM_OUTBOUND_SMTP_PORT = server.port
    settings.POSTROOM_OUTBOUND_SMTP_SECURITY = "none"
    yield server
    server.stop()


def _reply(page, text: str) -> None:
    page.fill("#reply-form textarea", text)


def test_reply_undo_and_schedule_with_the_states_changing(world, page_for, smtp_peer, outbox_loop):
    do_configure_outbound(world.support, undo_seconds=4, actor=world.alice)
    page = page_for(world.bob)
    page.goto(f"/c/{world.bob_conversation.pk}/")
    outbound = page.locator(".timeline li.message.out")

    # 1. A reply with a file: queued (with Undo), then sent, without reloading the page.
    _reply(page, "Hi Carol,\n\nthe corrected invoice is **attached**.")
    page.set_input_files(
        "#reply-form input[type=file]",
        files=[{"name": "invoice-fixed.pdf", "mimeType": "application/pdf", "buffer": b"%PDF ok"}],
    )
    page.click("#reply-form button[type=submit]")
    first = outbound.nth(0)
    expect(first.locator(".delivery")).to_have_text("Queued")
    expect(first.locator("button.undo")).to_be_visible()
    expect(first.locator(".delivery")).to_have_text("Sent", timeout=15_000)
    expect(first).to_contain_text("queued as")
    [got] = smtp_peer.received
    assert [p.get_filename() for p in got.message.iter_attachments()] == ["invoice-fixed.pdf"]

    # 2. A second reply, undone: nothing goes out and the text is back in the composer.
    _reply(page, "Sorry, wrong attachment!")
    page.click("#reply-form button[type=submit]")
    expect(outbound).to_have_count(2)
    outbound.nth(1).locator("button.undo").click()
    expect(page.locator(".flash")).to_contain_text("Your draft is back")
    expect(page.locator("#reply-form textarea")).to_have_value("Sorry, wrong attachment!")
    expect(outbound).to_have_count(1)

    # 3. A third, scheduled for tomorrow 9:00 in Bob's time zone.
    tz = zoneinfo.ZoneInfo(world.bob.time_zone or "UTC")
    tomorrow = (clock.now() + timedelta(days=1)).astimezone(tz)
    at = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    _reply(page, "Good morning Carol, a follow-up as promised.")
    page.fill("input[name=send_at]", at.strftime("%Y-%m-%dT%H:%M"))
    page.click("button.schedule")
    third = outbound.nth(1)
    expect(third.locator(".delivery")).to_have_text("Scheduled")
    expect(third).to_contain_text("09:00")
    assert len(smtp_peer.received) == 1

    # Time passes (the clock, not a sleep): the outbox sends it. A page that waits for a
    # message hours away polls slowly (live updates carry it at once under ``serve``), so
    # look again.
    clock.freeze(at + timedelta(seconds=1))
    page.reload()
    expect(third.locator(".delivery")).to_have_text("Sent", timeout=15_000)
    assert len(smtp_peer.received) == 2
    assert smtp_peer.received[1].message["Date"].datetime == at
    assert page.js_errors == []


def test_a_view_only_member_sees_no_send_button_and_the_api_refuses(world, page_for):
    page = page_for(world.dora)
    page.goto(f"/c/{world.sales_conversation.pk}/")
    expect(page.locator("h1")).to_contain_text("Quote please")
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Send reply")).to_have_count(0)
    expect(page.locator(".composer .tab[data-tab=note]")).to_be_visible()

    api = ApiClient(token_for(world.dora))
    response = api.post(f"/conversations/{world.sales_conversation.pk}/replies", {"body": "Hi"})
    assert response.status_code == 403
    assert not Message.objects.filter(direction="out").exists()


def test_captured_mail_is_shown_to_admins(world, page_for, outbox_loop, settings):
    settings.POSTROOM_OUTBOUND_TRANSPORT = "capture"
    do_configure_outbound(world.support, undo_seconds=0, actor=world.alice)
    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    expect(bob.get_by_test_id("capture-notice")).to_be_visible()
    _reply(bob, "Captured, not delivered.")
    bob.click("#reply-form button[type=submit]")
    expect(bob.locator(".timeline li.message.out .delivery")).to_have_text("Sent", timeout=15_000)

    alice = page_for(world.alice)
    alice.get_by_test_id("outbox-link").click()
    captured = alice.locator("#captured tr[data-captured]")
    expect(captured).to_have_count(1)
    captured.get_by_role("link", name="Re: Broken invoice").click()
    expect(alice.get_by_test_id("captured-text")).to_contain_text("Captured, not delivered.")
    expect(alice.get_by_test_id("headers")).to_contain_text("Bob via Support")
