"""Searching in a real browser: a word from a message body, from a note, a Chinese word,
operators, and results limited to what the searcher may see."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from postroom.inbox import actions
from tests.browser.conftest import ARTIFACTS
from tests.searching import index_now


def _rows(page) -> list[int]:
    return [
        int(v)
        for v in page.locator("#search-results tr.row").evaluate_all(
            "rows => rows.map(r => r.dataset.conversation)"
        )
    ]


def test_search_from_the_box_opens_the_matching_message(world, page_for):
    convo = world.bob_conversation
    for n in range(12):  # a long thread: the match is far down the page
        actions.do_reply(
            convo, f"Update {n}: still looking.\n" + "More text.\n" * 8, actor=world.bob
        )
    actions.do_add_note(convo, "Finance approved the sealskin refund.", actor=world.bob)
    chinese = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="li@customer.test", subject="请求", text="你好，请发送上个月的发票。"
        ),
    ).conversation
    index_now()
    page = page_for(world.bob)
    page.fill("#search-box", "sealskin")
    page.press("#search-box", "Enter")
    expect(page.locator("#search-results mark")).to_have_text("sealskin")
    assert _rows(page) == [convo.pk]
    page.get_by_test_id("save-search").get_by_placeholder("Name").fill("Sealskin refunds")
    page.get_by_test_id("save-search").get_by_role("button", name="Save").click()
    view = page.locator("#saved-searches a", has_text="Sealskin refunds")
    expect(view.get_by_test_id("saved-count")).to_have_text("1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)
    page.locator("#search-results a").first.click()
    note = convo.notes.get()
    expect(page).to_have_url(re.compile(rf"/c/{convo.pk}/#n{note.pk}$"))
    expect(page.locator(f"#n{note.pk}")).to_be_in_viewport()

    page.fill("#search-box", "发票")
    page.press("#search-box", "Enter")
    expect(page.locator("#search-results mark")).to_have_text("发票")
    assert _rows(page) == [chinese.pk]

    page.fill("#search-box", "wrong")  # the customer's first message
    page.press("#search-box", "Enter")
    expect(page.locator("#search-results mark")).to_have_text("wrong")


def test_operators_and_what_each_person_may_see(world, page_for):
    index_now()
    alice = page_for(world.alice)
    alice.goto("/search/?q=from%3Adan%40prospect.test+is%3Aopen+has%3Aattachment")
    expect(alice.locator("#search-results")).to_contain_text("No conversation matches.")
    alice.goto("/search/?q=from%3Adan%40prospect.test+is%3Aopen+quote")
    expect(alice.locator("#search-results tr.row")).to_have_count(1)
    assert _rows(alice) == [world.sales_conversation.pk]
    alice.goto("/search/?q=has%3Aattachment+inbox%3Asupport")
    assert _rows(alice) == [world.bob_conversation.pk]

    bob = page_for(world.bob)  # support only: the sales quote is not his to find
    bob.goto("/search/?q=quote")
    expect(bob.locator("#search-results")).to_contain_text("No conversation matches.")
    bob.goto(f"/search/?q={world.sales_conversation.pk}")
    expect(bob.locator("#search-results")).to_contain_text("No conversation matches.")
