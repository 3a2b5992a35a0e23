"""A real local HTTP server (pytest-httpserver) standing in for HubSpot and Salesforce,
answering with the recorded bodies in recordings/ (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from postroom.crm.models import CrmConnection
from postroom.inbox import actions

RECORDINGS = Path(__file__).parent / "recordings"
HUBSPOT_TOKEN = "pat-eu1-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
SALESFORCE_TOKEN = "00DRO000000AbCd!AQ4AQFiqwXyZ.secret.session.value.9876"
PORTAL = "2456789"


def recording(name: str) -> Any:
    return json.loads((RECORDINGS / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def crm_server(httpserver, settings):
    """The server, with HubSpot's API address pointing at it and its host allowed as a
    plain-http Salesforce instance; short timeouts."""
    settings.POSTROOM_CRM_HUBSPOT_URL = httpserver.url_for("/")
    settings.POSTROOM_CRM_ALLOW_HTTP = [f"{httpserver.host}:{httpserver.port}"]
    settings.POSTROOM_CRM_TIMEOUT = 0.5
    return httpserver


@pytest.fixture
def hubspot(world, crm_server) -> CrmConnection:
    return actions.do_configure_crm(
        provider="hubspot",
        enabled=True,
        hubspot_token=HUBSPOT_TOKEN,
        hubspot_portal_id=PORTAL,
        actor=world.alice,
    )


@pytest.fixture
def salesforce(world, crm_server) -> CrmConnection:
    return actions.do_configure_crm(
        provider="salesforce",
        enabled=True,
        salesforce_instance_url=crm_server.url_for("/").rstrip("/"),
        salesforce_token=SALESFORCE_TOKEN,
        actor=world.alice,
    )
