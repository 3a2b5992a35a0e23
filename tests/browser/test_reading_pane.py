"""On a wide screen Bob reads his inbox with the conversation beside the list: a click,
Enter or j/k opens one in the pane, the address follows, and what he does in the pane
(closing, a note) shows in the pane and in the list."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.inbox.models import Conversation, Note, Status
from tests.browser.conftest import ARTIFACTS

UNREAD = re.compile(r"\bunread\b")
SELECTED = re.compile(r"\bselected\b")


def _questions(world) -> list[Conversation]:
    """Three more conversations; the list shows them newest first, then Broken invoice."""
    made = [
        actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender=f"customer{i}@customer.test",
                sender_name=f"Customer {i}",
                subject=f"Question {i}",
                text=f"Hello, this is question number {i}.",
            ),
        ).conversation
        for i in range(1, 4)
    ]
    return list(reversed(made))


def _subjects(page) -> list[str]:
    return page.locator("#conversation-list tr.row td.what strong").all_inner_texts()


def _pane_shows(page, subject: str, text: str) -> None:
    pane = page.locator("#reading-pane")
    expect(pane.locator("#conversation h1")).to_have_text(
        re.compile(rf"^{re.escape(subject)} #\d+$")
    )
    expect(pane.get_by_test_id("visible-text").first).to_have_text(text)


def test_a_row_opens_beside_the_list_and_j_k_move_through_it(world, page_for):
    q3, q2, q1 = _questions(world)
    bob = page_for(world.bob)
    bob.goto("/inbox/support/")
    assert _subjects(bob) == ["Question 3", "Question 2", "Question 1", "Broken invoice"]
    expect(bob.get_by_test_id("reading-pane")).to_contain_text(
        "Select a conversation to read it here."
    )
    row = bob.locator(f'tr.row[data-conversation="{q2.pk}"]')
    expect(row).to_have_class(UNREAD)

    row.locator("td.what a").click()
    _pane_shows(bob, "Question 2", "Hello, this is question number 2.")
    bob.wait_for_url(f"**/inbox/support/?conversation={q2.pk}")
    expect(row).to_have_class(SELECTED)
    expect(row).not_to_have_class(UNREAD)
    assert row.locator("td.what strong").evaluate("e => getComputedStyle(e).fontWeight") == "500"
    assert bob.locator("#reading-pane .sidebar").count() == 0
    bob.screenshot(path=str(ARTIFACTS / "reading-pane.png"))

    bob.locator(".list-column h1").click()  # the focus out of the row's link
    bob.keyboard.press("j")
    _pane_shows(bob, "Question 1", "Hello, this is question number 1.")
    expect(bob.locator(f'tr.row[data-conversation="{q1.pk}"]')).to_have_class(SELECTED)
    expect(row).not_to_have_class(SELECTED)
    bob.wait_for_url(f"**/inbox/support/?conversation={q1.pk}")
    bob.keyboard.press("k")
    _pane_shows(bob, "Question 2", "Hello, this is question number 2.")
    bob.keyboard.press("k")
    _pane_shows(bob, "Question 3", "Hello, this is question number 3.")
    assert bob.locator("#conversation-list tr.row.selected td.what strong").all_inner_texts() == [
        "Question 3"
    ]

    # Enter on a row's link opens that one.
    bob.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"] td.what a').focus()
    bob.keyboard.press("Enter")
    _pane_shows(bob, "Broken invoice", "Hello, my invoice is wrong.")
    bob.wait_for_url(f"**/inbox/support/?conversation={world.bob_conversation.pk}")

    # Back goes to the one before; a reload opens the same conversation again.
    bob.go_back()
    _pane_shows(bob, "Question 3", "Hello, this is question number 3.")
    bob.wait_for_url(f"**/inbox/support/?conversation={q3.pk}")
    bob.reload()
    _pane_shows(bob, "Question 3", "Hello, this is question number 3.")
    expect(bob.locator(f'tr.row[data-conversation="{q3.pk}"]')).to_have_class(SELECTED)
    # Opened in the pane is read, as on the page: the list says so after a reload too.
    for pk in (q3.pk, q2.pk, q1.pk, world.bob_conversation.pk):
        expect(bob.locator(f'tr.row[data-conversation="{pk}"]')).not_to_have_class(UNREAD)
    assert bob.js_errors == []


def test_close_and_note_from_the_pane(world, page_for):
    _q3, q2, _q1 = _questions(world)
    bob = page_for(world.bob)
    bob.goto("/inbox/support/")
    bob.locator(f'tr.row[data-conversation="{q2.pk}"] td.what a').click()
    _pane_shows(bob, "Question 2", "Hello, this is question number 2.")

    pane = bob.locator("#reading-pane")
    pane.locator("details[data-hc=status] summary").click()  # the header's status menu
    pane.locator("button[data-status=closed]").click()
    expect(pane.get_by_test_id("status")).to_have_text("Closed")
    expect(pane.locator(".timeline")).to_contain_text("Bob marked it closed")
    # The Open list lets it go; the pane keeps it, and the page stays where it was.
    expect(bob.locator(f'tr.row[data-conversation="{q2.pk}"]')).to_have_count(0)
    assert _subjects(bob) == ["Question 3", "Question 1", "Broken invoice"]
    expect(bob.locator('a[data-view="open"] .count')).to_have_text("3")
    assert bob.url.endswith(f"/inbox/support/?conversation={q2.pk}")
    q2.refresh_from_db()
    assert q2.status == Status.CLOSED

    bob.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"] td.what a').click()
    _pane_shows(bob, "Broken invoice", "Hello, my invoice is wrong.")
    pane.locator(".composer .tab[data-tab=note]").click()
    pane.locator("#note-form textarea").fill("Checked with **finance**")
    pane.locator("#note-form button[type=submit]").click()
    expect(pane.locator(".timeline li.note").last).to_contain_text("Checked with finance")
    expect(pane.locator(".timeline li.note strong").last).to_have_text("finance")
    assert bob.locator(".sidebar").count() == 1  # still the inbox page, not the conversation's
    assert bob.url.endswith(f"/inbox/support/?conversation={world.bob_conversation.pk}")
    note = Note.objects.get(conversation=world.bob_conversation)
    assert note.author == world.bob and note.body == "Checked with **finance**"
    bob.screenshot(path=str(ARTIFACTS / "reading-pane-note.png"))
    assert bob.js_errors == []


def test_narrower_screens_open_the_conversation_page(world, page_for):
    bob = page_for(world.bob)
    bob.set_viewport_size({"width": 1100, "height": 800})
    bob.goto("/inbox/support/")
    expect(bob.get_by_test_id("reading-pane")).to_be_hidden()
    bob.locator(f'tr.row[data-conversation="{world.bob_conversation.pk}"] td.what a').click()
    bob.wait_for_url(f"**/c/{world.bob_conversation.pk}/")
    expect(bob.locator(".sidebar")).to_have_count(1)
    # A link to the inbox with the pane leads on to the conversation's page here.
    bob.goto(f"/inbox/support/?conversation={world.bob_conversation.pk}")
    bob.wait_for_url(f"**/c/{world.bob_conversation.pk}/")
    expect(bob.locator("#conversation h1")).to_contain_text("Broken invoice")
    assert bob.js_errors == []
