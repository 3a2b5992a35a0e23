"""Relative times are worked out in the browser, on its clock, from the absolute times
a cached page carries: a page served hours after it was rendered still reads right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from postroom.inbox import actions


def test_a_wake_up_time_counts_down_on_the_viewers_clock(world, page_for):
    actions.do_snooze(
        world.bob_conversation, datetime.now(UTC) + timedelta(days=400), actor=world.bob
    )
    world.bob_conversation.refresh_from_db()
    wakes = world.bob_conversation.snoozed_until
    page = page_for(world.bob)
    # The browser's clock: three hours before the wake-up, then two hours later.
    page.clock.install(time=wakes - timedelta(hours=3))
    page.goto("/inbox/support/?view=snoozed")
    when = page.locator(".wakes time[data-relative]")
    expect(when).to_have_text("in 3 hours")
    page.clock.fast_forward("02:00:00")
    expect(when).to_have_text("in 1 hour")
    page.clock.fast_forward("01:30:00")
    expect(when).to_have_text("30 minutes ago")
    assert page.js_errors == []
