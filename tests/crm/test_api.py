"""The CRM connection in the API: owners and admins read and set it (tokens write-only,
answered masked); for anyone else it does not exist (404)."""

from __future__ import annotations

import pytest

from postroom.core.crypto import decrypt
from postroom.crm.models import CrmConnection
from tests.api.conftest import ApiClient, field_errors, token_for
from tests.crm.conftest import HUBSPOT_TOKEN, PORTAL

BODY = {
    "provider": "hubspot",
    "enabled": True,
    "hubspot_token": HUBSPOT_TOKEN,
    "hubspot_portal_id": PORTAL,
}
EMPTY = {
    "provider": "",
    "enabled": False,
    "hubspot_portal_id": "",
    "salesforce_instance_url": "",
    "hubspot_token": "",
    "salesforce_token": "",
}


@pytest.mark.parametrize("persona", ["bob", "dora", "charlie"])
def test_agents_get_404(world, persona):
    api = ApiClient(token_for(getattr(world, persona)))
    assert api.get("/crm").status_code == 404
    response = api.put("/crm", BODY)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    assert not CrmConnection.objects.exists()


def test_an_owner_sets_it_and_reads_the_token_masked(world):
    api = ApiClient(token_for(world.alice))
    assert api.get("/crm").json() == EMPTY
    response = api.put("/crm", BODY)
    want = {**EMPTY, "provider": "hubspot", "enabled": True, "hubspot_portal_id": PORTAL}
    assert response.status_code == 200
    assert response.json() == {**want, "hubspot_token": "••••4c5d"}
    assert api.get("/crm").json() == {**want, "hubspot_token": "••••4c5d"}
    kept = api.put("/crm", {"provider": "hubspot", "enabled": True, "hubspot_portal_id": "7"})
    assert kept.json()["hubspot_token"] == "••••4c5d"
    assert decrypt(CrmConnection.objects.get().hubspot_token) == HUBSPOT_TOKEN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "provider": "pipedrive"}, "body.provider"),
        ({**BODY, "colour": "red"}, "body.colour"),
        ({**BODY, "hubspot_portal_id": "abc"}, "body.hubspot_portal_id"),
        ({"provider": "salesforce", "enabled": True}, "body.salesforce_token"),
    ],
)
def test_a_refused_body_is_422_naming_the_field(world, body, field):
    response = ApiClient(token_for(world.alice)).put("/crm", body)
    assert response.status_code == 422
    assert field in field_errors(response)
    assert not CrmConnection.objects.exists()
