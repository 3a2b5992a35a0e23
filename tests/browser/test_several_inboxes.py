"""Mail sent over SMTP to support@ and sales@ at once, worked in a real browser: listed
in both inboxes for their people, in neither for charlie, replied to from sales@."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox.models import Conversation, Message
from postroom.mail.digest.digest import digest_all
from tests.browser.conftest import ARTIFACTS
from tests.ingest.test_smtpd import connect, email_bytes, receiver  # noqa: F401 (a fixture)

SUBJECT = "Forty seats, and one refund"


def _mail_both(controller) -> Conversation:
    raw = email_bytes(SUBJECT, message_id="<seats-1@customer.test>").replace(
        b"To: support@example.test\r\n", b"To: support@example.test\r\nCc: sales@example.test\r\n"
    )
    with connect(controller) as client:
        client.sendmail("carol@customer.test", ["support@example.test", "sales@example.test"], raw)
    digest_all()
    return Conversation.objects.get(subject=SUBJECT)


def test_each_inbox_lists_it_for_its_people_and_a_reply_goes_from_sales(
    world,
    page_for,
    receiver,  # noqa: F811
):
    conversation = _mail_both(receiver)

    dora = page_for(world.dora)
    dora.goto("/inbox/sales/")
    expect(dora.locator("main")).to_contain_text(SUBJECT)
    dora.click(f"text={SUBJECT}")  # on this wide screen it opens beside the list
    expect(dora.locator("#conversation h1")).to_contain_text(SUBJECT)
    expect(dora.get_by_test_id("places")).to_have_text(
        "Support (replies go from here by default)Sales"
    )
    expect(dora.locator(".timeline")).to_contain_text(
        "added it to Sales (addressed to sales@example.test)"
    )
    expect(dora.locator("a.back")).to_have_text("← Sales")  # she stands in the inbox she sees
    dora.screenshot(path=str(ARTIFACTS / "several-inboxes-dora.png"), full_page=True)

    bob = page_for(world.bob)
    bob.goto("/inbox/support/")
    expect(bob.locator("main")).to_contain_text(SUBJECT)

    charlie = page_for(world.charlie, landing="**/")
    for url in ("/inbox/sales/", "/inbox/support/", f"/c/{conversation.pk}/"):
        assert charlie.goto(url).status == 404, url

    alice = page_for(world.alice)
    alice.goto(f"/c/{conversation.pk}/")
    alice.get_by_test_id("reply-from").select_option("sales")
    alice.fill("#reply-form textarea", "Here is the quote for forty seats.")
    alice.click("#reply-form button.primary")
    expect(alice.locator(".timeline")).to_contain_text("Here is the quote for forty seats.")
    reply = Message.objects.get(conversation=conversation, direction="out", author=world.alice)
    assert reply.from_email == "sales@example.test"
    assert dora.js_errors == bob.js_errors == alice.js_errors == []
