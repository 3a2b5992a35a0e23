"""A customer opens the Good link of a reply they received, adds a comment and sends
it; Alice sees the rating on the conversation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from postroom.core import clock
from postroom.inbox import actions
from postroom.outbound.loop import deliver_due
from postroom.ratings.models import Rating
from tests.browser.conftest import ARTIFACTS
from tests.outbound.conftest import Peer

GOOD = re.compile(r'href="(https?://[^"]+/rate/[^"]+\?r=good)"')


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


def test_a_customer_rates_a_reply_and_alice_sees_it(
    world, page_for, chromium, live_server, smtp_peer, settings
):
    settings.BASE_URL = live_server.url
    conversation = world.bob_conversation
    alice = page_for(world.alice)
    alice.goto(f"/admin/inboxes/{world.support.slug}/ratings/")
    alice.get_by_label("A link in every reply").check()
    alice.get_by_role("button", name="Save").click()
    # The saved page, not the form as clicked: the reply below must see the setting.
    expect(alice.get_by_text("Rating settings saved.")).to_be_visible()
    expect(alice.get_by_label("A link in every reply")).to_be_checked()

    actions.do_reply(conversation, "The invoice is corrected.", actor=world.bob)
    clock.freeze(clock.now() + timedelta(minutes=1))  # past the undo window
    assert deliver_due() == 1
    clock.freeze(None)
    [got] = smtp_peer.received
    html = got.message.get_body(preferencelist=("html",))
    assert html is not None
    [good] = GOOD.findall(html.get_content())

    customer = chromium.new_context(viewport={"width": 800, "height": 700})
    try:
        page = customer.new_page()
        page.goto(good)
        expect(page.get_by_label("Good")).to_be_checked()
        expect(page.get_by_label("Okay")).not_to_be_checked()
        page.get_by_label("Anything you would like to add?").fill("Quick and friendly")
        page.screenshot(path=str(ARTIFACTS / "rating-page.png"), full_page=True)
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_test_id("rating-thanks")).to_be_visible()
        expect(page.locator("body")).to_contain_text("You rated our reply: Good.")
    finally:
        customer.close()
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == ("good", "Quick and friendly")

    alice.goto(f"/c/{conversation.pk}/")
    expect(alice.get_by_test_id("rating-activity")).to_have_text(
        "The customer rated the reply: Good — “Quick and friendly”"
    )
    expect(alice.get_by_test_id("rating-badge")).to_contain_text("Good")
    alice.screenshot(path=str(ARTIFACTS / "conversation-rating.png"), full_page=True)
    assert alice.js_errors == []
