"""The CRM side panel from outside: the conversation page only holds a placeholder that
fetches the panel once shown; the panel fetches the conversation through the access
helpers (404, and no request to the CRM, for whoever may not see it), shows the record
with a link into the CRM, and explains every failure in place of a broken page.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox)."""

from __future__ import annotations

import html
import re

import pytest
from django.core.cache import cache

from postroom.crm.models import CrmConnection
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel
from tests.crm.conftest import HUBSPOT_TOKEN, PORTAL, SALESFORCE_TOKEN, recording

SEARCH = "/crm/v3/objects/contacts/search"
QUERY = "/services/data/v60.0/query"


def _panel(client, conversation) -> tuple[int, str]:
    response = client.get(f"/c/{conversation.pk}/crm/")
    return response.status_code, html.unescape(response.content.decode())


def _text(body: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _found(server) -> None:
    server.expect_request(SEARCH, method="POST").respond_with_json(
        recording("hubspot_search_found")
    )
    server.expect_request("/crm/v3/owners/6166860").respond_with_json(recording("hubspot_owner"))


def test_the_conversation_page_only_holds_a_placeholder_that_loads_the_panel(
    world, client_for, hubspot
):
    page = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert (
        f'<section id="crm-panel" class="crm-panel" data-testid="crm-panel" '
        f'hx-get="/c/{world.bob_conversation.pk}/crm/" hx-trigger="load" hx-swap="innerHTML">'
        f"</section>"
    ) in page


def test_the_page_asks_the_crm_nothing(world, client_for, hubspot, crm_server):
    client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/")
    assert crm_server.log == []


def test_hubspot_record_with_its_link(world, client_for, hubspot, crm_server):
    _found(crm_server)
    status, body = _panel(client_for(world.bob), world.bob_conversation)
    assert status == 200
    assert _text(body) == (
        "HubSpot Carol Customer carol@customer.test Company Customer Ltd Owner Sam Seller "
        "Lifecycle stage Customer Job title Head of Finance Phone +44 20 7946 0958 "
        "Lead status OPEN_DEAL Open in HubSpot ↗"
    )
    link = f"https://app.hubspot.com/contacts/{PORTAL}/record/0-1/151"
    assert body.count(f'href="{link}" target="_blank" rel="noopener noreferrer"') == 2
    (search, _), (_owner, _) = crm_server.log
    assert search.get_json()["filterGroups"][0]["filters"][0]["value"] == "carol@customer.test"
    assert search.headers["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"


def test_salesforce_record_with_its_account_and_link(world, client_for, salesforce, crm_server):
    crm_server.expect_request(QUERY).respond_with_json(recording("salesforce_query_found"))
    status, body = _panel(client_for(world.bob), world.bob_conversation)
    assert status == 200
    assert _text(body) == (
        "Salesforce Carol Customer carol@customer.test Account Customer Ltd Owner Sam Seller "
        "Title Head of Finance Phone +44 20 7946 0958 Lead source Web Open in Salesforce ↗"
    )
    link = crm_server.url_for("/lightning/r/Contact/003RO0000035WQgYAM/view")
    assert body.count(f'href="{link}"') == 2
    (request, _), *_ = crm_server.log
    assert request.headers["Authorization"] == f"Bearer {SALESFORCE_TOKEN}"
    assert "WHERE Email = 'carol@customer.test' LIMIT 1" in request.args["q"]


def test_no_match_says_so(world, client_for, hubspot, crm_server):
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    status, body = _panel(client_for(world.bob), world.bob_conversation)
    assert (status, _text(body)) == (
        200,
        "HubSpot No HubSpot contact has the address carol@customer.test.",
    )


# What the panel says for each failure, after the CRM's name.
SAYS = {
    "unauthorized": "refused the token: it may have expired or been revoked.",
    "forbidden": "refused the look-up: the token may not read contacts.",
    "rate_limited": "is limiting how often Postroom may ask. Try again in a minute.",
    "unavailable": "had a problem of its own answering. Try again later.",
    "rejected": "refused the look-up.",
}
# (the connection's fixture, its CRM's name, the path asked, status, recorded body, problem)
PROBLEMS = [
    ("hubspot", "HubSpot", SEARCH, 401, "hubspot_401", "unauthorized"),
    ("hubspot", "HubSpot", SEARCH, 403, "hubspot_403", "forbidden"),
    ("hubspot", "HubSpot", SEARCH, 429, "hubspot_429", "rate_limited"),
    ("hubspot", "HubSpot", SEARCH, 502, None, "unavailable"),
    ("hubspot", "HubSpot", SEARCH, 400, "hubspot_403", "rejected"),
    ("salesforce", "Salesforce", QUERY, 401, "salesforce_401", "unauthorized"),
    ("salesforce", "Salesforce", QUERY, 403, "salesforce_403_limit", "rate_limited"),
    ("salesforce", "Salesforce", QUERY, 400, "salesforce_400_malformed", "rejected"),
    ("salesforce", "Salesforce", QUERY, 503, None, "unavailable"),
]


@pytest.mark.parametrize(("connected", "crm", "path", "status", "body", "problem"), PROBLEMS)
def test_each_failure_is_explained_in_the_panel(
    world, client_for, crm_server, request, connected, crm, path, status, body, problem
):
    request.getfixturevalue(connected)
    if body is None:
        crm_server.expect_request(path).respond_with_data("Service unavailable", status=status)
    else:
        crm_server.expect_request(path).respond_with_json(recording(body), status=status)
    code, page = _panel(client_for(world.bob), world.bob_conversation)
    assert (code, f'data-problem="{problem}"' in page) == (200, True)
    assert _text(page) == f"{crm} {crm} {SAYS[problem]}"  # bob is no admin: no link
    assert HUBSPOT_TOKEN not in page and SALESFORCE_TOKEN not in page


def test_an_admin_is_pointed_at_the_settings_for_a_refused_token(
    world, client_for, hubspot, crm_server
):
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_401"), status=401)
    _, page = _panel(client_for(world.alice), world.bob_conversation)
    assert _text(page).endswith("revoked. Check the CRM settings")
    assert 'href="/admin/crm/"' in page


def test_a_timeout_and_an_unreachable_crm(world, client_for, hubspot, crm_server, settings):
    import time

    from werkzeug import Response

    def slow(_request):
        time.sleep(0.7)
        return Response("{}", content_type="application/json")

    crm_server.expect_request(SEARCH).respond_with_handler(slow)
    settings.POSTROOM_CRM_TIMEOUT = 0.2
    _, page = _panel(client_for(world.bob), world.bob_conversation)
    assert _text(page) == "HubSpot HubSpot did not answer in time. Try again later."
    time.sleep(0.6)
    settings.POSTROOM_CRM_HUBSPOT_URL = "http://127.0.0.1:9"  # discard: nothing listens
    _, page = _panel(client_for(world.bob), world.bob_conversation)
    assert _text(page) == "HubSpot HubSpot could not be reached."


def test_an_unreadable_stored_token(world, client_for, hubspot, crm_server):
    CrmConnection.objects.update(hubspot_token="not-a-fernet-token")
    _, page = _panel(client_for(world.alice), world.bob_conversation)
    assert _text(page) == (
        "HubSpot The stored token cannot be decrypted with the current key. Check the CRM settings"
    )
    assert crm_server.log == []


def test_answers_are_cached_briefly_failures_are_not(world, client_for, hubspot, crm_server):
    crm_server.expect_ordered_request(SEARCH).respond_with_json(
        recording("hubspot_429"), status=429
    )
    crm_server.expect_ordered_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    bob = client_for(world.bob)
    assert "data-problem" in _panel(bob, world.bob_conversation)[1]
    assert "No HubSpot contact" in _panel(bob, world.bob_conversation)[1]
    assert "No HubSpot contact" in _panel(client_for(world.alice), world.bob_conversation)[1]
    assert len(crm_server.log) == 2  # the third view came from the cache
    cache.clear()
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    _panel(bob, world.bob_conversation)
    assert len(crm_server.log) == 3


def test_changing_the_connection_asks_again(world, client_for, hubspot, crm_server):
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    bob = client_for(world.bob)
    _panel(bob, world.bob_conversation)
    actions.do_configure_crm(
        provider="hubspot",
        enabled=True,
        hubspot_token="pat-eu1-a-new-token-0001",
        hubspot_portal_id=PORTAL,
        actor=world.alice,
    )
    _panel(bob, world.bob_conversation)
    assert [r.headers["Authorization"] for r, _ in crm_server.log] == [
        f"Bearer {HUBSPOT_TOKEN}",
        "Bearer pat-eu1-a-new-token-0001",
    ]


# --- Who sees it -------------------------------------------------------------------------


def test_charlie_and_bob_on_sales_get_404_and_the_crm_is_not_asked(
    world, client_for, hubspot, crm_server
):
    _found(crm_server)
    assert _panel(client_for(world.charlie), world.bob_conversation)[0] == 404
    assert _panel(client_for(world.charlie), world.sales_conversation)[0] == 404
    assert _panel(client_for(world.bob), world.sales_conversation)[0] == 404
    assert _panel(client_for(world.dora), world.bob_conversation)[0] == 404
    assert client_for(world.bob).get("/c/999999/crm/").status_code == 404
    assert crm_server.log == []


def test_signed_out_is_sent_to_sign_in(world, client, hubspot, crm_server):
    response = client.get(f"/c/{world.bob_conversation.pk}/crm/")
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")
    assert crm_server.log == []


def test_a_view_only_member_sees_the_record(world, client_for, hubspot, crm_server):
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    status, page = _panel(client_for(world.dora), world.sales_conversation)
    assert status == 200
    assert _text(page) == "HubSpot No HubSpot contact has the address dan@prospect.test."


def test_losing_access_takes_the_panel_away_at_once(world, client_for, hubspot, crm_server):
    grant = actions.do_grant_access(
        world.sales, user=world.charlie, level=AccessLevel.VIEW, actor=world.alice
    )
    crm_server.expect_request(SEARCH).respond_with_json(recording("hubspot_search_empty"))
    charlie = client_for(world.charlie)
    assert _panel(charlie, world.sales_conversation)[0] == 200
    actions.do_revoke_access(grant, actor=world.alice)
    assert _panel(charlie, world.sales_conversation)[0] == 404
    assert len(crm_server.log) == 1


def test_only_get(world, client_for, hubspot):
    response = client_for(world.alice).post(f"/c/{world.bob_conversation.pk}/crm/")
    assert response.status_code == 405


# --- Not connected -----------------------------------------------------------------------


def test_without_a_connection_an_owner_is_told_how_to_connect_and_others_see_nothing(
    world, client_for
):
    status, page = _panel(client_for(world.alice), world.bob_conversation)
    assert (status, _text(page)) == (
        200,
        "CRM Connect HubSpot or Salesforce to see this customer's CRM record here. CRM settings",
    )
    assert 'href="/admin/crm/"' in page
    assert _panel(client_for(world.bob), world.bob_conversation) == (200, "")


def test_a_disabled_connection_asks_nothing(world, client_for, hubspot, crm_server):
    actions.do_configure_crm(
        provider="hubspot", enabled=False, hubspot_portal_id=PORTAL, actor=world.alice
    )
    assert _panel(client_for(world.bob), world.bob_conversation) == (200, "")
    assert "Connect HubSpot" in _panel(client_for(world.alice), world.bob_conversation)[1]
    assert crm_server.log == []


def test_a_conversation_without_a_customer_address(world, client_for, hubspot, crm_server):
    conversation = world.bob_conversation
    conversation.contact = None
    conversation.save(update_fields=["contact"])
    _, page = _panel(client_for(world.bob), conversation)
    assert _text(page) == "HubSpot This customer has no email address to look up."
    assert crm_server.log == []
