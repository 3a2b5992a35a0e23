"""In a real browser: the error pages, the merge confirmation, the send buttons that
set a status, and a message's "⋯" menu. Screenshots go to test-artifacts/."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import Conversation, Message, Status
from tests.browser.conftest import ARTIFACTS


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"polish-{name}.png"), full_page=True)


def _second(world, sender: str = "carol@customer.test", subject: str = "Also: my address"):
    return actions.do_receive_message(
        world.support, actions.InboundMessage(sender=sender, subject=subject, text="New address")
    ).conversation


def test_error_pages_are_styled(world, page_for, chromium, live_server):
    page = page_for(world.bob)
    response = page.goto("/c/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error-page")).to_contain_text("This page was not found.")
    expect(page.locator(".sidebar")).to_contain_text("Support")
    _shot(page, "404-signed-in")
    page.get_by_test_id("error-back").click()
    page.wait_for_url("**/inbox/support/**")

    # Signed out: the card alone, centred; the favicon answers.
    context = chromium.new_context(
        viewport={"width": 1360, "height": 900}, base_url=live_server.url
    )
    anonymous = context.new_page()
    assert anonymous.goto("/nowhere/").status == 404
    expect(anonymous.locator(".sidebar")).to_have_count(0)
    expect(anonymous.get_by_test_id("error-page")).to_be_visible()
    _shot(anonymous, "404-signed-out")
    icon = anonymous.goto("/favicon.ico")
    assert icon is not None and icon.status == 200 and icon.url.endswith("/favicon.svg")

    # The 500 page as the server sends it (rendered without a request).
    from postroom.web.views.errors import server_error

    anonymous.goto("/login/")
    anonymous.set_content(server_error(None).content.decode())  # type: ignore[arg-type]
    expect(anonymous.locator("h1")).to_have_text("Something went wrong")
    colour = anonymous.eval_on_selector(".card", "e => getComputedStyle(e).borderRadius")
    assert colour == "8px"  # app.css applied
    _shot(anonymous, "500")
    context.close()


def test_merge_asks_first_and_the_old_number_leads_on(world, page_for):
    other = _second(world, "zed@elsewhere.test", "Another customer")
    number = other.pk
    page = page_for(world.alice)
    page.goto(f"/c/{world.bob_conversation.pk}/")
    page.fill("[data-testid=merge-form] input[name=other]", f"#{number}")
    page.click("[data-testid=merge-form] button")
    expect(page.get_by_test_id("merge-source")).to_contain_text("Another customer")
    expect(page.get_by_test_id("merge-target")).to_contain_text("Broken invoice")
    expect(page.get_by_test_id("merge-warning")).to_contain_text("different customers")
    _shot(page, "merge-confirm")
    assert Conversation.objects.filter(pk=number).exists()
    page.get_by_test_id("merge-confirm").click()
    expect(page.locator(".timeline")).to_contain_text(f"merged #{number}")
    page.goto(f"/c/{number}/")
    expect(page.locator("h1")).to_contain_text("Broken invoice")
    assert page.url.endswith(f"/c/{world.bob_conversation.pk}/")
    assert page.js_errors == []


def test_send_and_close_from_the_composer(world, page_for):
    page = page_for(world.bob)
    page.goto(f"/c/{world.bob_conversation.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("Open")
    page.fill("#reply-form textarea", "All sorted, closing this.")
    _shot(page, "composer-send-group")
    page.get_by_test_id("send-close").click()
    expect(page.get_by_test_id("status")).to_have_text("Closed")
    expect(page.locator(".timeline")).to_contain_text("Bob marked it closed")
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == Status.CLOSED
    assert list(Message.objects.filter(direction="out").values_list("text", flat=True)) == [
        "All sorted, closing this.\n"
    ]
    page.fill("#reply-form textarea", "One more thing.")
    page.get_by_test_id("send-pending").click()
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    assert page.js_errors == []


def test_the_message_menu_opens_by_keyboard_and_splits(world, page_for):
    second = _second(world)
    actions.do_merge_conversations(world.bob_conversation, second, actor=world.alice)
    actions.do_add_note(
        world.bob_conversation, "@bob please split the address one", actor=world.alice
    )
    page = page_for(world.bob)
    page.goto(f"/c/{world.bob_conversation.pk}/")
    moved = Message.objects.get(subject="Also: my address")
    menu = page.locator(f"#m{moved.pk} [data-testid=message-menu]")
    expect(menu.get_by_test_id("split-out")).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu.get_by_test_id("split-out")).to_be_visible()
    expect(menu.get_by_test_id("thread-reason")).to_contain_text("How it was threaded:")
    _shot(page, "message-menu")
    page.keyboard.press("Escape")
    expect(menu.get_by_test_id("split-out")).to_be_hidden()
    menu.locator("summary").click()
    menu.get_by_test_id("split-out").click()
    expect(page.locator(".timeline")).to_contain_text("split a message out into #")
    moved.refresh_from_db()
    assert moved.conversation_id != world.bob_conversation.pk
    page.goto("/mentions/")
    expect(page.get_by_test_id("mention-note").first).to_contain_text("please split")
    _shot(page, "mentions")
    assert page.js_errors == []
