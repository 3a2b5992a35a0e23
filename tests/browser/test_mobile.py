"""On a phone (390 × 844) the pages fit the screen: nothing scrolls sideways, the
sidebar opens from the menu button over the page and its links work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from postroom.inbox import actions
from tests.browser.conftest import ARTIFACTS
from tests.searching import index_now

WIDTH = 390


@pytest.fixture
def phone(world, page_for):
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)
    actions.do_add_note(
        world.bob_conversation,
        "Customer says the total on https://billing.example.test/invoices/2026/0001234567 is off",
        actor=world.alice,
    )
    page = page_for(world.bob)
    page.set_viewport_size({"width": WIDTH, "height": 844})
    return page


def _fits(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate("document.body.scrollWidth") <= WIDTH
    page.screenshot(path=str(ARTIFACTS / f"mobile-{name}.png"), full_page=True)


def _menu_leads_to(page, link, url: str) -> None:
    sidebar = page.locator("#sidebar")
    button = page.get_by_test_id("menu-button")
    expect(sidebar).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(sidebar).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    # Slid in (it moves for a fraction of a second), over the page, within the screen.
    expect(sidebar).to_have_css("transform", "none")
    box = sidebar.bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] <= WIDTH
    link(sidebar).click()
    page.wait_for_url(url)
    expect(page.locator("#sidebar")).to_be_hidden()


def test_the_inbox_list_on_a_phone(world, phone):
    phone.goto("/inbox/support/")
    row = phone.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"]')
    expect(row.locator("td.who")).to_be_visible()
    expect(row.locator("td.what strong")).to_have_text("Broken invoice")
    expect(row.locator("td.when")).to_be_visible()
    expect(row.locator("td.count")).to_be_hidden()
    expect(phone.get_by_test_id("reading-pane")).to_be_hidden()
    _fits(phone, "inbox")
    phone.get_by_test_id("menu-button").click()
    expect(phone.locator("#sidebar")).to_have_css("transform", "none")
    phone.screenshot(path=str(ARTIFACTS / "mobile-menu.png"))
    phone.keyboard.press("Escape")  # Escape closes it again
    expect(phone.locator("#sidebar")).to_be_hidden()
    _menu_leads_to(
        phone,
        lambda s: s.locator("a[data-view=mine]"),
        re.compile(r".*/inbox/support/\?view=mine$"),
    )
    expect(phone.locator("#conversation-list")).to_contain_text("Broken invoice")
    # A row opens the conversation's own page, as on any screen below 1200 px.
    phone.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"] td.what a').click()
    phone.wait_for_url(f"**/c/{world.bob_conversation.pk}/")
    assert phone.js_errors == []


def test_the_conversation_on_a_phone(world, phone):
    phone.goto(f"/c/{world.bob_conversation.pk}/")
    expect(phone.locator("#conversation h1")).to_contain_text("Broken invoice")
    _fits(phone, "conversation")
    # The side panels come after the thread, and the composer spans the width.
    thread = phone.locator(".conversation .thread").bounding_box()
    details = phone.locator(".conversation .details").bounding_box()
    composer = phone.locator("#composer").bounding_box()
    assert thread and details and composer
    assert details["y"] >= thread["y"] + thread["height"]
    assert composer["width"] >= WIDTH - 2 * 12 - 2  # the page's padding, and its border
    _menu_leads_to(
        phone, lambda s: s.locator("a[data-view=unassigned]"), re.compile(r".*\?view=unassigned$")
    )
    assert phone.js_errors == []


def test_search_on_a_phone(world, phone):
    index_now()
    phone.goto("/search/?q=invoice")
    expect(phone.locator("#search-results tr.row")).to_have_count(1)
    _fits(phone, "search")
    _menu_leads_to(
        phone, lambda s: s.locator("a.side-inbox-name", has_text="Support"), "**/inbox/support/"
    )
    assert phone.js_errors == []


def test_settings_on_a_phone(world, phone):
    phone.goto("/settings/")
    _fits(phone, "settings")
    _menu_leads_to(phone, lambda s: s.get_by_test_id("outbox-link"), "**/outbox/")
    _fits(phone, "outbox")
    assert phone.js_errors == []
