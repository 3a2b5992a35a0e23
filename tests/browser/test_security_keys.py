"""Security keys and passkeys in a real browser, with Chromium's virtual authenticator
(DevTools' WebAuthn domain: a CTAP2 platform authenticator that keeps discoverable
credentials and verifies its user): add a passkey in Settings, sign out, sign in with the
password and the key, sign in with the passkey alone; without the key the second step
stays shut."""

from __future__ import annotations

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD


@pytest.fixture
def relying_party(settings, live_server):
    # The live server is http://localhost:<port>: a secure context, and a valid RP ID.
    settings.POSTROOM_WEBAUTHN_RP_ID = "localhost"
    settings.POSTROOM_WEBAUTHN_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")


def virtual_authenticator(page) -> str:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.cdp = cdp
    return str(added["authenticatorId"])


def sign_out(page) -> None:
    page.locator("form[action='/logout/'] button").first.click()
    page.wait_for_url("**/login/")


def password(page, email: str) -> None:
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")


def test_bob_adds_a_passkey_and_signs_in_with_it(world, page_for, relying_party):
    ARTIFACTS.mkdir(exist_ok=True)
    page = page_for(world.bob)
    authenticator = virtual_authenticator(page)

    page.goto("/settings/")
    keys = page.get_by_test_id("security-keys")
    expect(keys.get_by_test_id("no-keys")).to_be_visible()
    keys.locator("input[name=name]").fill("Laptop passkey")
    keys.get_by_role("button", name="Add a key").click()
    page.wait_for_url("**/settings/#security-keys")
    expect(keys.get_by_test_id("keys")).to_contain_text("Laptop passkey")
    expect(keys.get_by_test_id("keys")).to_contain_text("passkey")
    expect(keys.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    keys.locator("summary").click()  # the removal form, asking for the password
    keys.screenshot(path=str(ARTIFACTS / "security-keys-settings.png"))
    stored = WebAuthnCredential.objects.get(user=world.bob)
    assert (stored.name, stored.discoverable) == ("Laptop passkey", True)
    credentials = page.cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]

    # The password, then the key.
    sign_out(page)
    password(page, world.bob.email)
    page.wait_for_url("**/login/verify/**")
    expect(page.get_by_role("button", name="Use your security key")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "security-keys-verify.png"), full_page=True)
    page.get_by_role("button", name="Use your security key").click()
    page.wait_for_url("**/inbox/support/**")
    expect(page.locator("main")).to_contain_text("Broken invoice")

    # The passkey alone.
    sign_out(page)
    page.screenshot(path=str(ARTIFACTS / "security-keys-login.png"), full_page=True)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url("**/inbox/support/**")
    expect(page.locator("main")).to_contain_text("Broken invoice")
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert page.js_errors == []


def test_without_the_key_the_second_step_stays_shut(world, page_for, relying_party):
    page = page_for(world.bob)
    virtual_authenticator(page)
    page.goto("/settings/")
    page.get_by_test_id("security-keys").locator("input[name=name]").fill("Laptop passkey")
    page.get_by_role("button", name="Add a key").click()
    page.wait_for_url("**/settings/#security-keys")

    # Another browser: the password, and an authenticator that holds no key of bob's.
    other = page_for(world.bob, landing="**/login/verify/**")
    virtual_authenticator(other)
    other.goto("/inbox/support/")
    other.wait_for_url("**/login/verify/?next=/inbox/support/")
    other.get_by_role("button", name="Use your security key").click()
    expect(other.get_by_test_id("key-error")).to_be_visible()
    assert other.url.endswith("/login/verify/?next=/inbox/support/")
    other.goto("/inbox/support/")
    other.wait_for_url("**/login/verify/**")
    # Nor does a passkey sign-in find one there.
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login/")
    other.get_by_role("button", name="Sign in with a passkey").click()
    expect(other.locator(".passkey").get_by_test_id("key-error")).to_be_visible()
