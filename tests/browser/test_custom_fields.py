"""Alice makes "Contact reason" a field needed to close; Bob tries to close a
conversation, is told which field is missing, picks a reason on the sidebar and closes."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox.models import Conversation
from tests.browser.conftest import ARTIFACTS


def test_a_required_field_is_filled_in_before_closing(world, page_for):
    alice = page_for(world.alice)
    alice.goto("/admin/fields/")
    form = alice.get_by_test_id("new-field")
    form.get_by_label("Label").fill("Contact reason")
    form.get_by_label("Key (").fill("reason")
    form.get_by_label("Type").select_option("choice")
    form.get_by_label("Options, one per line").fill("Bug\nQuestion\nRefund")
    form.get_by_label("Needed to close a conversation").check()
    form.get_by_role("button", name="Create field").click()
    expect(alice.locator('[data-field="conversation.reason"]')).to_be_visible()
    alice.screenshot(path=str(ARTIFACTS / "custom-fields-settings.png"), full_page=True)

    convo = world.bob_conversation
    bob = page_for(world.bob)
    bob.goto(f"/c/{convo.pk}/")
    bob.locator("details[data-hc=status] > summary").click()
    bob.locator('button[data-status="closed"]').click()
    expect(bob.locator(".flash")).to_contain_text("Fill in Contact reason before closing.")
    assert Conversation.objects.get(pk=convo.pk).status == "open"

    fields = bob.get_by_test_id("conversation-fields")
    fields.get_by_label("Contact reason").select_option("Refund")
    fields.get_by_role("button", name="Save fields").click()
    expect(bob.locator(".flash")).to_contain_text("Fields saved.")
    bob.screenshot(path=str(ARTIFACTS / "conversation-custom-fields.png"), full_page=True)
    bob.locator("details[data-hc=status] > summary").click()
    bob.locator('button[data-status="closed"]').click()
    expect(bob.locator('button[data-status="open"]')).to_have_text("Reopen")
    saved = Conversation.objects.get(pk=convo.pk)
    assert (saved.status, saved.fields) == ("closed", {"reason": "Refund"})
