"""The workspace's CRM connection: set by owners and admins on /admin/crm/ through
do_configure_crm; tokens stored encrypted, shown back masked, never in the event log,
the activity log or the audit trail."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from postroom.audit.models import AuditEntry
from postroom.core.crypto import decrypt
from postroom.crm.models import CrmConnection
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import Activity
from tests.crm.conftest import HUBSPOT_TOKEN, PORTAL, SALESFORCE_TOKEN

FORM = {
    "provider": "hubspot",
    "enabled": "on",
    "hubspot_token": HUBSPOT_TOKEN,
    "hubspot_portal_id": PORTAL,
    "salesforce_instance_url": "",
    "salesforce_token": "",
}


@pytest.mark.parametrize("persona", ["bob", "dora", "charlie"])
def test_the_page_does_not_exist_for_agents(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get("/admin/crm/").status_code == 404
    assert client.post("/admin/crm/", FORM).status_code == 404
    assert not CrmConnection.objects.exists()


def test_an_owner_connects_hubspot_and_sees_the_token_masked(world, client_for):
    alice = client_for(world.alice)
    response = alice.post("/admin/crm/", FORM)
    assert (response.status_code, response["Location"]) == (302, "/admin/crm/")
    row = CrmConnection.objects.get()
    assert (row.provider, row.enabled, row.hubspot_portal_id) == ("hubspot", True, PORTAL)
    assert HUBSPOT_TOKEN not in row.hubspot_token and decrypt(row.hubspot_token) == HUBSPOT_TOKEN
    page = alice.get("/admin/crm/").content.decode()
    assert "Private app access token: ••••4c5d (leave empty to keep)" in page
    assert HUBSPOT_TOKEN not in page and HUBSPOT_TOKEN[:-4] not in page
    assert 'name="hubspot_token" autocomplete="new-password"' in page  # never filled in


def test_an_empty_token_keeps_the_stored_one(world, client_for):
    alice = client_for(world.alice)
    alice.post("/admin/crm/", FORM)
    alice.post("/admin/crm/", {**FORM, "hubspot_token": "", "hubspot_portal_id": "99"})
    row = CrmConnection.objects.get()
    assert (decrypt(row.hubspot_token), row.hubspot_portal_id) == (HUBSPOT_TOKEN, "99")


def test_salesforce_with_its_instance(world, client_for, settings):
    alice = client_for(world.alice)
    form = {
        **FORM,
        "provider": "salesforce",
        "hubspot_token": "",
        "salesforce_instance_url": "https://acme.my.salesforce.com/",
        "salesforce_token": SALESFORCE_TOKEN,
    }
    alice.post("/admin/crm/", form)
    row = CrmConnection.objects.get()
    assert row.salesforce_instance_url == "https://acme.my.salesforce.com"
    assert decrypt(row.salesforce_token) == SALESFORCE_TOKEN
    page = alice.get("/admin/crm/").content.decode()
    assert "OAuth access token: ••••9876 (leave empty to keep)" in page
    assert SALESFORCE_TOKEN not in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "pipedrive"}, "provider"),
        ({"hubspot_portal_id": "24x"}, "hubspot_portal_id"),
        ({"hubspot_token": ""}, "hubspot_token"),  # enabled without a token
        ({"hubspot_portal_id": ""}, "hubspot_portal_id"),  # enabled without a Hub ID
        ({"hubspot_token": "two words"}, "hubspot_token"),
        ({"salesforce_instance_url": "http://acme.my.salesforce.com"}, "salesforce_instance_url"),
        (
            {"salesforce_instance_url": "https://acme.my.salesforce.com/x"},
            "salesforce_instance_url",
        ),
        ({"salesforce_instance_url": "ftp://acme.test"}, "salesforce_instance_url"),
    ],
)
def test_refused_settings_name_the_field_and_save_nothing(world, client_for, change, field):
    response = client_for(world.alice).post("/admin/crm/", {**FORM, **change}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 1 and texts[0].startswith(f"{field}: ")
    assert not CrmConnection.objects.exists()
    assert not Activity.objects.filter(verb="crm.configured").exists()


def test_agents_are_refused_by_the_action_itself(world):
    with pytest.raises(NotAllowed):
        actions.do_configure_crm(provider="hubspot", enabled=False, actor=world.bob)
    with pytest.raises(ValidationError):
        actions.do_configure_crm(provider="hubspot", enabled=True, actor=world.alice)


def test_no_token_reaches_the_logs(world, client_for, settings):
    client_for(world.alice).post("/admin/crm/", FORM)
    actions.do_configure_crm(
        provider="salesforce",
        enabled=True,
        salesforce_instance_url="https://acme.my.salesforce.com",
        salesforce_token=SALESFORCE_TOKEN,
        actor=world.alice,
    )
    drain()
    stored = json.dumps(
        [
            list(LoggedEvent.objects.filter(type="crm.configured").values("data")),
            list(Activity.objects.filter(verb="crm.configured").values("data")),
            list(AuditEntry.objects.filter(kind="crm.configured").values("data")),
        ]
    )
    for secret in (HUBSPOT_TOKEN, SALESFORCE_TOKEN, HUBSPOT_TOKEN[-8:], SALESFORCE_TOKEN[-8:]):
        assert secret not in stored
    audited = AuditEntry.objects.filter(kind="crm.configured").order_by("id")
    assert [(e.actor_id, e.data["secrets_changed"]) for e in audited] == [
        (world.alice.pk, ["hubspot_token"]),
        (world.alice.pk, ["salesforce_token"]),
    ]


def test_rotating_the_key_re_encrypts_the_tokens(world, settings):
    from postroom.core import crypto
    from postroom.inbox.actors import SYSTEM
    from postroom.mail.actions import do_rotate_secrets

    actions.do_configure_crm(
        provider="hubspot",
        enabled=True,
        hubspot_token=HUBSPOT_TOKEN,
        hubspot_portal_id=PORTAL,
        salesforce_token=SALESFORCE_TOKEN,
        actor=world.alice,
    )
    before = CrmConnection.objects.get()
    old = settings.POSTROOM_ENCRYPTION_KEY or settings.SECRET_KEY
    settings.POSTROOM_ENCRYPTION_OLD_KEYS = [old]
    settings.POSTROOM_ENCRYPTION_KEY = "a brand new key"
    crypto.forget_keys()
    try:
        assert do_rotate_secrets(actor=SYSTEM) == 2
        settings.POSTROOM_ENCRYPTION_OLD_KEYS = []
        crypto.forget_keys()
        after = CrmConnection.objects.get()
        assert after.hubspot_token != before.hubspot_token
        assert (decrypt(after.hubspot_token), decrypt(after.salesforce_token)) == (
            HUBSPOT_TOKEN,
            SALESFORCE_TOKEN,
        )
    finally:
        crypto.forget_keys()
