"""Bob types "/" in the reply, picks a saved reply, sees its variables filled (and a
warning for one with no value), sends it, and sees the reply in the conversation."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import Direction, Message
from postroom.saved.models import SavedReply
from tests.browser.conftest import ARTIFACTS


def test_pick_a_saved_reply_with_slash_and_send_it(world, page_for):
    actions.do_save_saved_reply(
        None,
        title="Shipping times",
        body="Parcels ship in two days.",
        scope="everyone",
        actor=world.alice,
    )
    invoice = actions.do_save_saved_reply(
        None,
        title="Invoice corrected",
        body="Hi {{ contact.first_name }},\n\nwe corrected your invoice.\n\n{{ agent.first_name }}",
        folder="Billing",
        scope="everyone",
        actor=world.alice,
    )
    conversation = world.bob_conversation
    bob = page_for(world.bob)
    bob.goto(f"/c/{conversation.pk}/")
    body = bob.locator("#reply-form textarea[name=body]")
    body.click()
    body.press("/")
    search = bob.get_by_test_id("saved-reply-search")
    expect(search).to_be_focused()
    options = bob.get_by_test_id("saved-reply-options").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Invoice corrected")  # like "my invoice is wrong"
    search.fill("corrected")
    expect(options).to_have_count(1)
    bob.screenshot(path=str(ARTIFACTS / "saved-reply-picker.png"), full_page=True)
    search.press("Enter")
    expect(body).to_have_value("Hi Carol,\n\nwe corrected your invoice.\n\nBob")
    expect(bob.get_by_test_id("saved-missing")).to_be_hidden()

    body.press("End")
    body.type(" {{ contact.phone }}")
    expect(bob.get_by_test_id("saved-missing")).to_be_visible()
    expect(bob.get_by_test_id("saved-missing")).to_contain_text("{{ contact.phone }}")
    bob.screenshot(path=str(ARTIFACTS / "saved-reply-missing.png"), full_page=True)
    body.fill("Hi Carol,\n\nwe corrected your invoice.\n\nBob")
    expect(bob.get_by_test_id("saved-missing")).to_be_hidden()

    bob.get_by_role("button", name="Send reply").click()
    expect(bob.locator(".timeline, main").first).to_contain_text("we corrected your invoice.")
    bob.screenshot(path=str(ARTIFACTS / "saved-reply-sent.png"), full_page=True)
    sent = Message.objects.get(conversation=conversation, direction=Direction.OUTBOUND)
    assert sent.text.replace("\r\n", "\n") == "Hi Carol,\n\nwe corrected your invoice.\n\nBob\n"
    assert SavedReply.objects.get(pk=invoice.pk).usage_count == 1
    assert bob.js_errors == []


def test_an_edit_on_the_settings_page_shows_in_an_open_picker(world, live_page_for):
    shipping = actions.do_save_saved_reply(
        None, title="Shipping times", body="Parcels ship in two days.", scope="everyone",
        actor=world.alice,
    )  # fmt: skip
    bob = live_page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    body = bob.locator("#reply-form textarea[name=body]")
    body.click()
    body.press("/")
    options = bob.get_by_test_id("saved-reply-options").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Shipping times")

    alice = live_page_for(world.alice)
    alice.goto(f"/settings/saved-replies/?edit={shipping.pk}")
    form = alice.locator("#saved-reply-form")
    form.locator("input[name=title]").fill("Shipping in two days")
    form.locator("input[name=tags]").fill("sales")
    form.get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("saved-reply-list")).to_contain_text("Shipping in two days")

    # Bob's picker, still open, shows the new title and the new tag without a reload.
    expect(options.first).to_contain_text("Shipping in two days")
    expect(bob.get_by_test_id("saved-reply-tag")).to_be_visible()
    bob.screenshot(path=str(ARTIFACTS / "saved-reply-live-edit.png"), full_page=True)


def test_escape_closes_the_picker_and_gives_the_slash_back(world, page_for):
    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    body = bob.locator("#reply-form textarea[name=body]")
    body.click()
    body.press("/")
    search = bob.get_by_test_id("saved-reply-search")
    expect(search).to_be_focused()
    search.press("Escape")
    expect(search).to_have_count(0)
    expect(body).to_have_value("/")
    expect(body).to_be_focused()
    assert bob.js_errors == []
