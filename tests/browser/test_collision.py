"""Two agents answer the same customer: the second send is held, then sent on purpose."""

from playwright.sync_api import expect

from postroom.inbox.models import Message


def test_bobs_send_is_held_when_alice_replied_first(world, live_page_for):
    url = f"/c/{world.bob_conversation.pk}/"
    bob = live_page_for(world.bob)
    bob.goto(url)
    bob.fill("#reply-form textarea[name=body]", "Hi Carol, the invoice is fixed.")

    alice = live_page_for(world.alice)
    alice.goto(url)
    alice.fill("#reply-form textarea[name=body]", "Hello Carol, corrected invoice attached.")
    alice.click("#reply-form button[name=when][value=now]")
    expect(alice.locator(".timeline li.message.out")).to_have_count(1)

    bob.click("#reply-form button[name=when][value=now]")
    held = bob.get_by_test_id("held")
    expect(held).to_be_visible()
    expect(held).to_contain_text("Alice")
    expect(bob.locator("#reply-form textarea[name=body]")).to_have_value(
        "Hi Carol, the invoice is fixed."
    )
    assert Message.objects.filter(direction="out").count() == 1

    bob.get_by_test_id("send-anyway").click()
    expect(bob.locator(".timeline li.message.out")).to_have_count(2)
    assert Message.objects.filter(direction="out", author=world.bob).count() == 1


def test_alice_sees_bobs_draft_live_and_takes_it_over(world, live_page_for):
    url = f"/c/{world.bob_conversation.pk}/"
    alice = live_page_for(world.alice)
    alice.goto(url)
    bob = live_page_for(world.bob)
    bob.goto(url)
    bob.fill("#reply-form textarea[name=body]", "Dear Carol, about your refund")
    expect(bob.locator("#draft-status")).to_contain_text("Draft saved")
    peek = alice.get_by_test_id("others-draft")
    expect(peek).to_contain_text("Bob has a draft reply")
    peek.locator("summary").click()
    expect(peek).to_contain_text("about your refund")
    alice.get_by_test_id("take-draft").click()
    expect(alice.locator("#reply-form textarea[name=body]")).to_have_value(
        "Dear Carol, about your refund"
    )
    # bob is told live (he already had one: the assignment in the fixture)
    expect(bob.get_by_test_id("unread")).to_have_text("2")
