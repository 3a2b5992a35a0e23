"""Signing in with a second factor in a real browser: the password alone reaches only
the code page; a wrong code is refused; the authenticator's code lets one in."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS


def test_bob_signs_in_with_his_authenticator(world, page_for):
    device = TOTPDevice.objects.create(user=world.bob, name="Authenticator app", confirmed=True)
    world.bob.has_second_factor = True
    world.bob.save(update_fields=["has_second_factor"])

    page = page_for(world.bob, landing="**/login/verify/**")
    page.goto("/inbox/support/")  # the password alone: back to the code page
    expect(page).to_have_url(f"{page.url.split('/login/')[0]}/login/verify/?next=/inbox/support/")
    page.fill("input[name=code]", "000000")
    page.click("button.primary")
    expect(page.get_by_test_id("code-error")).to_contain_text("That code does not match")
    page.screenshot(path=str(ARTIFACTS / "two-factor-code.png"), full_page=True)

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )  # the wait after a failure, passed
    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    page.click("button.primary")
    page.wait_for_url("**/inbox/support/")
    expect(page.locator("main")).to_contain_text("Broken invoice")
    assert page.js_errors == []
