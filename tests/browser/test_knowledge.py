"""Alice writes a refund process for Support with the price list attached, public in
Support's help centre; Bob sees it in the Processes panel of a Support conversation and
puts it into his reply, as a link and as text; a visitor reads it in the help centre."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox.models import Direction, Message
from postroom.knowledge.models import Article
from tests.browser.conftest import ARTIFACTS

PRICES = b"item,price\nRefund fee,0\n"


def test_write_a_process_use_it_in_a_reply_and_read_it_in_the_help_centre(
    world, page_for, chromium, live_server, tmp_path, settings
):
    settings.BASE_URL = live_server.url  # the help centre's addresses in replies
    alice = page_for(world.alice)
    alice.goto(f"/admin/inboxes/{world.support.slug}/help-centre/")
    alice.get_by_label("Publish the help centre").check()
    alice.locator("input[name=slug]").fill("support-help")
    alice.locator("input[name=title]").fill("Support help")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("help-centre-link")).to_have_text("/help/support-help/")

    alice.goto("/knowledge/")
    alice.get_by_placeholder("New category").fill("Billing")
    alice.get_by_role("button", name="Add").click()
    expect(alice.get_by_label("Category name")).to_have_value("Billing")
    alice.get_by_role("link", name="New article").click()
    alice.locator("input[name=title]").fill("Refund approvals")
    alice.locator("select[name=category]").select_option(label="Billing")
    alice.locator("textarea[name=body]").fill(
        "Refunds up to **100 EUR** are approved by the agent.\n\nAbove that, ask Finance."
    )
    form = alice.locator("#article-form")
    form.get_by_label("Support").check()
    form.get_by_label("A documented process", exact=False).check()
    form.get_by_label("Public: show it", exact=False).check()
    prices = tmp_path / "price-list.csv"
    prices.write_bytes(PRICES)
    form.locator("input[name=attachments]").set_input_files(str(prices))
    alice.screenshot(path=str(ARTIFACTS / "knowledge-article-form.png"), full_page=True)
    form.get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("article-body")).to_contain_text("Above that, ask Finance.")
    attachments = alice.get_by_test_id("article-attachments")
    expect(attachments.get_by_role("link", name="price-list.csv")).to_be_visible()
    article = Article.objects.get(title="Refund approvals")
    public_url = f"{live_server.url}/help/support-help/{article.pk}/"
    expect(alice.get_by_test_id("public-address")).to_contain_text(
        f"/help/support-help/{article.pk}/"
    )
    alice.screenshot(path=str(ARTIFACTS / "knowledge-article.png"), full_page=True)

    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    processes = bob.get_by_test_id("processes")
    expect(processes.get_by_role("link", name="Refund approvals")).to_be_visible()
    body = bob.locator("#reply-form textarea[name=body]")
    body.fill("Hi Carol, here is how refunds work: ")
    bob.get_by_test_id("open-articles").click()
    search = bob.get_by_test_id("article-search")
    expect(search).to_be_focused()
    search.fill("refund")
    options = bob.get_by_test_id("article-options").get_by_role("option")
    expect(options).to_have_count(1)
    bob.screenshot(path=str(ARTIFACTS / "knowledge-picker.png"), full_page=True)
    options.first.get_by_test_id("insert-link").dispatch_event("mousedown")
    link = f"[Refund approvals]({public_url})"
    expect(body).to_have_value(f"Hi Carol, here is how refunds work: {link}")
    body.press("End")
    body.press("Enter")
    bob.get_by_test_id("open-articles").click()
    bob.get_by_test_id("article-search").fill("finance")
    bob.get_by_test_id("article-options").get_by_test_id("insert-text").dispatch_event("mousedown")
    expect(body).to_have_value(
        f"Hi Carol, here is how refunds work: {link}\n"
        "Refunds up to **100 EUR** are approved by the agent.\n\nAbove that, ask Finance."
    )
    bob.get_by_role("button", name="Send reply").click()
    expect(bob.locator(".timeline, main").first).to_contain_text("approved by the agent")
    bob.screenshot(path=str(ARTIFACTS / "knowledge-reply-sent.png"), full_page=True)
    sent = Message.objects.get(conversation=world.bob_conversation, direction=Direction.OUTBOUND)
    assert public_url in sent.text
    assert bob.js_errors == [] and alice.js_errors == []

    context = chromium.new_context(
        viewport={"width": 1100, "height": 800}, base_url=live_server.url, locale="en-GB"
    )
    visitor = context.new_page()
    visitor.goto("/help/support-help/")
    expect(visitor.get_by_role("heading", name="Support help")).to_be_visible()
    expect(visitor.get_by_role("heading", name="Billing")).to_be_visible()
    visitor.screenshot(path=str(ARTIFACTS / "help-centre.png"), full_page=True)
    visitor.get_by_placeholder("Search the help centre").fill("finance")
    visitor.get_by_role("button", name="Search").click()
    visitor.get_by_role("link", name="Refund approvals").click()
    expect(visitor.get_by_test_id("help-article-body")).to_contain_text("100 EUR")
    assert visitor.url == public_url
    assert "price-list.csv" not in visitor.content()
    visitor.screenshot(path=str(ARTIFACTS / "help-centre-article.png"), full_page=True)
    context.close()
