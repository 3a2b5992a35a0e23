"""Alice connects HubSpot on the CRM settings page; the customer's record then shows in a
conversation's sidebar once the page has loaded, with a link into HubSpot. The HubSpot
API is a local server answering with recorded bodies (tests/crm/recordings)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.crm.conftest import HUBSPOT_TOKEN, PORTAL, crm_server, recording

__all__ = ["crm_server"]  # the fixture, used here


def test_an_owner_connects_hubspot_and_the_record_shows_in_the_sidebar(world, page_for, crm_server):
    crm_server.expect_request("/crm/v3/objects/contacts/search").respond_with_json(
        recording("hubspot_search_found")
    )
    crm_server.expect_request("/crm/v3/owners/6166860").respond_with_json(
        recording("hubspot_owner")
    )
    alice = page_for(world.alice)
    alice.goto(f"/c/{world.bob_conversation.pk}/")
    expect(alice.get_by_test_id("crm-connect")).to_contain_text("Connect HubSpot or Salesforce")
    alice.get_by_test_id("crm-connect").get_by_role("link", name="CRM settings").click()

    alice.get_by_label("Look customers up in the conversation sidebar").check()
    alice.get_by_test_id("hubspot-token").fill(HUBSPOT_TOKEN)
    alice.get_by_label("Hub ID").fill(PORTAL)
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator(".flash")).to_contain_text("CRM settings saved.")
    expect(alice.locator("#crm-form")).to_contain_text("••••4c5d")
    alice.screenshot(path=str(ARTIFACTS / "crm-settings.png"), full_page=True)

    alice.goto(f"/c/{world.bob_conversation.pk}/")
    panel = alice.get_by_test_id("crm-panel")
    expect(panel.get_by_test_id("crm-company")).to_have_text("Customer Ltd")
    expect(panel.get_by_test_id("crm-owner")).to_have_text("Sam Seller")
    expect(panel.get_by_test_id("crm-stage")).to_have_text("Customer")
    expect(panel.get_by_test_id("crm-open")).to_have_attribute(
        "href", f"https://app.hubspot.com/contacts/{PORTAL}/record/0-1/151"
    )
    panel.scroll_into_view_if_needed()
    alice.screenshot(path=str(ARTIFACTS / "crm-panel.png"), full_page=True)
    assert alice.js_errors == []

    bob = page_for(world.bob)
    bob.goto(f"/c/{world.bob_conversation.pk}/")
    expect(bob.get_by_test_id("crm-panel").get_by_test_id("crm-name")).to_contain_text(
        "Carol Customer"
    )
    searches = [r for r, _ in crm_server.log if r.path.endswith("/search")]
    assert len(searches) == 1  # bob's panel came from the cache
