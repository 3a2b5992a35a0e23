"""Bob pins a note on a key client from her contact page (reached from the conversation's
sidebar); the note then shows on her other conversation, and on her company's page."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import ClientNote
from tests.browser.conftest import ARTIFACTS


def test_a_note_pinned_on_a_client_shows_on_her_other_conversation(world, page_for):
    carol = world.bob_conversation.contact
    later = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Second order", text="Another one, please."
        ),
    ).conversation
    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    bob.get_by_role("link", name="Carol Customer").click()
    expect(bob.get_by_role("heading", level=1)).to_have_text("Carol Customer")
    expect(bob.get_by_test_id("contact-company")).to_have_text("Customer")
    bob.get_by_label("Pin a note").fill("Key account: call before any refund")
    bob.get_by_role("button", name="Pin note").click()
    expect(bob.get_by_test_id("client-notes")).to_contain_text("Key account: call before any")
    bob.screenshot(path=str(ARTIFACTS / "contact-page.png"), full_page=True)

    bob.get_by_test_id("client-conversations").get_by_role("link", name="Second order").click()
    expect(bob.get_by_test_id("client-notes")).to_contain_text(
        "Key account: call before any refund"
    )
    others = bob.get_by_test_id("client-others")
    expect(others).to_contain_text("Broken invoice")
    bob.screenshot(path=str(ARTIFACTS / "conversation-client-note.png"), full_page=True)
    assert bob.url.endswith(f"/c/{later.pk}/")

    bob.get_by_test_id("client-company").click()
    expect(bob.get_by_test_id("company-people")).to_contain_text("Carol Customer")
    note = ClientNote.objects.get()
    assert (note.contact_id, note.author_id) == (carol.pk, world.bob.pk)
