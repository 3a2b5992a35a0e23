"""Two agents in two real browsers: live lists, presence, access loss."""

from __future__ import annotations

from channels.db import database_sync_to_async  # noqa: F401  (keeps the import graph honest)
from playwright.sync_api import expect

from postroom.inbox import actions


def test_bob_sees_alice_viewing_and_typing(world, live_page_for):
    bob = live_page_for(world.bob)
    alice = live_page_for(world.alice)
    url = f"/c/{world.bob_conversation.pk}/"
    bob.goto(url)
    alice.goto(url)
    presence = bob.locator("#presence")
    expect(presence).to_contain_text("Alice is viewing")
    alice.fill("#reply-form textarea", "Hi Carol, on it")
    expect(presence).to_contain_text("Alice is replying")
    alice.goto("/inbox/support/")
    expect(presence).not_to_contain_text("Alice")


def test_a_new_conversation_appears_in_open_lists_without_reload(world, live_page_for):
    bob = live_page_for(world.bob)
    expect(bob.locator("#conversation-list")).to_contain_text("Broken invoice")
    actions.do_receive_message(
        world.support, from_email="erin@customer.test", subject="Live arrival", text="Hello there"
    )
    expect(bob.locator("#conversation-list")).to_contain_text("Live arrival")
    expect(bob.locator("a[data-view=open] .count")).to_have_text("2")


def test_an_assignment_shows_in_the_open_conversation(world, live_page_for):
    bob = live_page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    actions.do_assign(world.bob_conversation, users=[world.alice], actor=world.alice)
    expect(bob.locator("#assign-panel")).to_contain_text("Alice")
    expect(bob.locator(".timeline")).to_contain_text("Alice assigned it to")
