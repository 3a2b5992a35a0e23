"""Single sign-on through a real SAML 2.0 identity provider (pysaml2's, tests/sso/saml_idp.py):
Postroom's AuthnRequest read by the IdP, the IdP's signed Response posted to Postroom's
assertion consumer service, then Postroom's decision on who comes in."""

from __future__ import annotations

import pytest
from django.test import Client

from postroom.accounts.models import Role, User
from postroom.audit.models import AuditEntry
from postroom.events.models import LoggedEvent as Event
from tests.sso.saml_idp import IdentityProvider, Request

pytestmark = pytest.mark.django_db(transaction=True)


def _start(client: Client, idp: IdentityProvider) -> Request:
    """Press "Sign in with Company SAML": Postroom redirects to the IdP with a request."""
    page = client.get("/login/")
    assert 'action="/sso/saml/company/login/"' in page.content.decode()
    start = client.post("/sso/saml/company/login/")
    assert start.status_code == 302
    return idp.read_request(start["Location"])


def _post(client: Client, request: Request, response: str):
    """The browser posting the IdP's form to Postroom, and Postroom's answer."""
    posted = client.post(
        "/sso/saml/company/acs/", {"SAMLResponse": response, "RelayState": request.relay_state}
    )
    assert (posted.status_code, posted["Location"]) == (302, "/sso/saml/company/acs/finish/")
    return client.get(posted["Location"])


def test_a_new_person_at_an_allowed_domain_gets_an_account_just_in_time(
    saml_client, saml_idp_for_company
):
    idp = saml_idp_for_company
    request = _start(saml_client, idp)
    assert request.acs_url == "http://postroom.example.com/sso/saml/company/acs/"
    answer = _post(saml_client, request, idp.respond(request, "erin@example.com"))
    print(answer.status_code, answer.content[:3000])
    assert answer.status_code == 302
