"""A team lead sets the support inbox's business hours, an agent enters his shifts, and
the on-duty page shows who is working now and who starts next."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from postroom.core import clock
from postroom.schedules.queries import inbox_hours
from tests.browser.conftest import ARTIFACTS

# Wednesday 10 June 2026, 12:00 UTC (the server runs in this process: it sees this time).
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def test_business_hours_a_shift_and_the_on_duty_page(world, page_for):
    clock.freeze(NOON)
    page = page_for(world.alice)
    page.goto("/admin/inboxes/support/")
    page.get_by_test_id("inbox-hours").click()
    expect(page.get_by_test_id("open-now")).to_contain_text("Always open")
    form = page.locator("#hours-form")
    form.locator("input[name=always_open]").uncheck()
    form.locator("select[name=time_zone]").select_option("Europe/Amsterdam")
    for day in ("mon", "tue", "wed", "thu", "fri"):
        form.locator(f"input[name={day}]").fill("09:00-12:30, 13:30-17:00")
    form.locator("select[name=country]").select_option("NL")
    form.locator("textarea[name=closed_days]").fill("2026-12-24 Christmas Eve")
    form.get_by_role("button", name="Save").click()

    expect(page.locator(".flash, .messages, [role=status]").first).to_contain_text(
        "Business hours saved"
    )
    # 14:00 in Amsterdam on a Wednesday: open.
    expect(page.get_by_test_id("open-now")).to_have_text("Open now.")
    page.screenshot(path=str(ARTIFACTS / "business-hours.png"), full_page=True)
    hours = inbox_hours(world.support)
    assert hours is not None and len(hours.week[2]) == 2

    bob = page_for(world.bob)
    bob.goto("/settings/")
    bob.get_by_test_id("my-shifts").click()
    shifts = bob.locator("#shifts-form")
    shifts.locator("input[name=wed]").fill("13:00-17:00")
    shifts.locator("input[name=thu]").fill("09:00-17:00")
    shifts.get_by_role("button", name="Save shifts").click()
    expect(bob.locator(".flash, .messages, [role=status]").first).to_contain_text("Shifts saved")
    expect(shifts.locator("input[name=wed]")).to_have_value("13:00-17:00")
    bob.screenshot(path=str(ARTIFACTS / "my-shifts.png"), full_page=True)

    bob.get_by_test_id("on-duty-link").click()
    support = bob.locator("[data-inbox=support]")
    expect(support.get_by_test_id("hours-state")).to_have_text("· open")
    expect(support.get_by_test_id("on-shift")).to_have_text("A Alice")
    expect(support.get_by_test_id("next-start")).to_have_text("Bob Wed 10 Jun, 13:00")
    bob.screenshot(path=str(ARTIFACTS / "on-duty.png"), full_page=True)
    assert bob.js_errors == [] and page.js_errors == []
