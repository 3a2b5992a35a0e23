"""Bob ticks two rows (a click, then shift-click), assigns both to himself from the bulk
bar, ticks a row with `x`; an unread row is bold until he opens it (in the reading pane)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import Conversation
from tests.browser.conftest import ARTIFACTS

UNREAD = re.compile(r"\bunread\b")


def _more(world, n: int) -> list[Conversation]:
    return [
        actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender=f"customer{i}@customer.test",
                sender_name=f"Customer {i}",
                subject=f"Question {i}",
                text="Hello, can you help?",
            ),
        ).conversation
        for i in range(1, n + 1)
    ]


def test_select_a_range_and_assign_it_then_x_and_unread(world, page_for):
    newest_first = list(reversed(_more(world, 3)))  # the list's order
    bob = page_for(world.bob)
    bob.goto("/inbox/support/")
    rows = bob.locator("#conversation-list tr.row")
    expect(rows).to_have_count(4)
    expect(bob.locator("#bulk-bar")).to_be_hidden()

    rows.nth(0).locator(".pick-box").click()
    rows.nth(1).locator(".pick-box").click(modifiers=["Shift"])
    bar = bob.get_by_test_id("bulk-bar")
    expect(bar.get_by_test_id("bulk-count")).to_have_text("2 selected")
    expect(rows.nth(2).locator(".pick-box")).not_to_be_checked()
    bob.screenshot(path=str(ARTIFACTS / "bulk-bar.png"), full_page=False)

    bar.get_by_test_id("bulk-assignee").select_option(label="Bob")
    bar.get_by_test_id("bulk-assign").click()
    expect(bob.locator(".flash, .messages, [role=alert], [role=status]").first).to_contain_text(
        "2 done"
    )
    for conversation in newest_first[:2]:
        row = bob.locator(f'tr.row[data-conversation="{conversation.pk}"]')
        expect(row.locator(".assignees .avatar")).to_have_attribute("title", "Bob")
        assert list(conversation.assignees.values_list("name", flat=True)) == ["Bob"]
    assert newest_first[2].assignees.count() == 0
    expect(bob.locator("#bulk-bar")).to_be_hidden()  # the selection went with the post

    # The keyboard: j selects the first row, x ticks it.
    bob.locator("h1").click()
    bob.keyboard.press("j")
    bob.keyboard.press("x")
    expect(rows.nth(0).locator(".pick-box")).to_be_checked()
    expect(bob.get_by_test_id("bulk-count")).to_have_text("1 selected")
    bob.keyboard.press("x")
    expect(rows.nth(0).locator(".pick-box")).not_to_be_checked()
    expect(bob.locator("#bulk-bar")).to_be_hidden()

    # Unread: bold until opened (j opened the first row beside the list); after a
    # reload of the list, still not bold.
    expect(rows.nth(0)).not_to_have_class(UNREAD)
    first = bob.locator(f'tr.row[data-conversation="{newest_first[1].pk}"]')
    expect(first).to_have_class(UNREAD)
    subject = first.locator("td.what strong")
    assert subject.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    first.locator("td.what a").click()  # this wide screen opens it beside the list
    bob.wait_for_url(f"**/inbox/support/?conversation={newest_first[1].pk}")
    expect(bob.locator("#reading-pane #conversation h1")).to_contain_text("Question 2")
    bob.goto("/inbox/support/")
    first = bob.locator(f'tr.row[data-conversation="{newest_first[1].pk}"]')
    expect(first).not_to_have_class(UNREAD)
    assert first.locator("td.what strong").evaluate("e => getComputedStyle(e).fontWeight") == "500"
    assert bob.js_errors == []


def test_select_all_on_the_page_and_mark_unread_again(world, page_for):
    _more(world, 1)
    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    bob.goto("/inbox/support/")
    row = bob.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"]')
    expect(row).not_to_have_class(UNREAD)
    bob.get_by_test_id("pick-all").check()
    expect(bob.get_by_test_id("bulk-count")).to_have_text("2 selected")
    bob.get_by_role("button", name="Clear").click()
    expect(bob.locator("#bulk-bar")).to_be_hidden()
    expect(bob.get_by_test_id("pick-all")).not_to_be_checked()
    bob.get_by_test_id("pick-all").check()
    bob.get_by_test_id("bulk-unread").click()
    expect(bob.locator(".flash, .messages, [role=alert], [role=status]").first).to_contain_text(
        "2 done"
    )
    expect(row).to_have_class(UNREAD)
