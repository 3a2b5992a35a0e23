"""Single sign-on through a real SAML 2.0 identity provider (pysaml2's, in
tests/sso/saml_idp.py): Postroom's AuthnRequest read by the IdP, the IdP's signed
Response posted to Postroom's assertion consumer service, then Postroom's decision on
who comes in."""

from __future__ import annotations

import base64
import re

import pytest
from django.http import HttpResponse
from django.test import Client
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from saml2.xmldsig import DIGEST_SHA1, SIG_RSA_SHA1

from postroom.accounts.models import Role, User
from postroom.audit.models import AuditEntry
from postroom.events.models import LoggedEvent as Event
from tests.sso.conftest import SAML_HOST, saml_providers, trust
from tests.sso.saml_idp import (
    ENTITY_ID,
    OTHER_SP,
    SSO_URL,
    IdentityProvider,
    Request,
    write_key_and_certificate,
)

pytestmark = pytest.mark.django_db(transaction=True)

ACS = "/sso/saml/company/acs/"


def _start(client: Client, idp: IdentityProvider) -> Request:
    """Press "Sign in with Company SAML": Postroom sends the browser to the IdP with an
    AuthnRequest, which the IdP reads."""
    page = client.get("/login/")
    assert 'action="/sso/saml/company/login/"' in page.content.decode()
    start = client.post("/sso/saml/company/login/")
    assert start.status_code == 302
    return idp.read_request(start["Location"])


def _post(client: Client, request: Request, response: str) -> HttpResponse:
    """The browser posting the IdP's form to Postroom, and Postroom's answer."""
    posted = client.post(ACS, {"SAMLResponse": response, "RelayState": request.relay_state})
    assert (posted.status_code, posted["Location"]) == (302, f"{ACS}finish/")
    return client.get(posted["Location"])


def _sign_in(client: Client, idp: IdentityProvider, email: str, **options) -> HttpResponse:
    request = _start(client, idp)
    return _post(client, request, idp.respond(request, email, **options))


def _signed_in(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _last_audit() -> tuple[str, str, dict]:
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    return (entry.kind, entry.actor_label, entry.data)


def test_postroom_asks_the_idp_to_answer_at_its_assertion_consumer_service(
    saml_client, saml_idp_for_company
):
    request = _start(saml_client, saml_idp_for_company)
    assert (request.acs_url, request.sp_entity_id) == (
        f"http://{SAML_HOST}{ACS}",
        f"http://{SAML_HOST}/sso/saml/company/metadata/",
    )


def test_a_new_person_at_an_allowed_domain_gets_an_account_just_in_time(
    saml_client, saml_idp_for_company
):
    answer = _sign_in(
        saml_client, saml_idp_for_company, "erin@example.com", given_name="Erin", surname="Example"
    )
    assert (answer.status_code, answer["Location"]) == (302, "/")
    erin = User.objects.get(email="erin@example.com")
    assert (erin.name, erin.role, erin.has_usable_password()) == ("Erin Example", Role.AGENT, False)
    assert _signed_in(saml_client) == str(erin.pk)
    home = saml_client.get("/", follow=True)
    assert (home.status_code, home.redirect_chain) == (200, [("/settings/", 302)])
    assert "Erin Example" in home.content.decode()
    created = Event.objects.get(type="user.created")
    assert (created.data, created.actor_kind) == (
        {"email": "erin@example.com", "role": "agent", "via": "sso:company"},
        "system",
    )
    kinds = list(
        AuditEntry.objects.filter(actor_id=erin.pk).order_by("pk").values_list("kind", "data")
    )
    assert kinds == [
        ("sso.linked", {"via": "sso:company", "subject": "erin@example.com"}),
        ("signin", {"via": "sso:company"}),
    ]


def test_the_second_time_the_linked_account_signs_in(saml_client, saml_idp_for_company):
    _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    saml_client.logout()
    assert _signed_in(saml_client) is None
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    assert answer.status_code == 302
    erin = User.objects.get(email="erin@example.com")
    assert _signed_in(saml_client) == str(erin.pk)
    assert User.objects.count() == 1
    assert AuditEntry.objects.filter(kind="sso.linked").count() == 1
    assert list(AuditEntry.objects.filter(kind="signin").values_list("actor_id", "data")) == [
        (erin.pk, {"via": "sso:company"}),
        (erin.pk, {"via": "sso:company"}),
    ]


def test_an_existing_account_is_linked_not_duplicated(saml_client, saml_idp_for_company):
    erin = User.objects.create_user("Erin@Example.com", "pw-unused-123", name="Erin Owner")
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    assert answer.status_code == 302
    assert _signed_in(saml_client) == str(erin.pk)
    assert User.objects.count() == 1
    assert User.objects.get().name == "Erin Owner"
    assert not Event.objects.filter(type="user.created").exists()
    assert AuditEntry.objects.filter(kind="sso.linked", actor_id=erin.pk).count() == 1


def test_an_address_outside_the_allowed_domains_is_refused(saml_client, saml_idp_for_company):
    answer = _sign_in(saml_client, saml_idp_for_company, "mallory@elsewhere.test")
    assert answer.status_code == 403
    assert "Addresses at elsewhere.test may not sign in through Company SAML." in (
        answer.content.decode()
    )
    assert User.objects.count() == 0
    assert _signed_in(saml_client) is None
    assert _last_audit() == (
        "signin.failed",
        "mallory@elsewhere.test",
        {"reason": "sso:company:domain"},
    )


def _refused_as_invalid(client: Client, answer: HttpResponse, detail: str) -> None:
    """Refused before Postroom looks at who it is: nobody signed in, nobody made."""
    assert answer.status_code == 403
    assert "The sign-in at Company SAML did not complete." in answer.content.decode()
    assert _signed_in(client) is None
    assert User.objects.count() == 0
    assert _last_audit() == (
        "signin.failed",
        "",
        {"reason": "sso:company:invalid_response", "detail": detail},
    )


def test_an_unsigned_response_is_refused(saml_client, saml_idp_for_company):
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com", sign=False)
    _refused_as_invalid(
        saml_client, answer, "The Assertion of the Response is not signed and the SP require it"
    )


def test_a_response_changed_after_signing_is_refused(saml_client, saml_idp_for_company):
    idp = saml_idp_for_company
    request = _start(saml_client, idp)
    xml = base64.b64decode(idp.respond(request, "erin@example.com")).decode()
    changed, count = re.subn(
        r"(<(\w+):NameID[^>]*>)erin@example.com(</\2:NameID>)", r"\1eve@example.com\3", xml
    )
    assert count == 1
    answer = _post(saml_client, request, base64.b64encode(changed.encode()).decode())
    _refused_as_invalid(saml_client, answer, "Signature validation failed. SAML Response rejected")


def test_a_response_signed_with_sha1_is_refused(saml_client, saml_idp_for_company):
    answer = _sign_in(
        saml_client,
        saml_idp_for_company,
        "erin@example.com",
        sign_alg=SIG_RSA_SHA1,
        digest_alg=DIGEST_SHA1,
    )
    _refused_as_invalid(
        saml_client,
        answer,
        "Deprecated signature algorithm found: http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )


def test_a_response_for_another_service_provider_is_refused(saml_client, saml_idp_for_company):
    answer = _sign_in(
        saml_client,
        saml_idp_for_company,
        "erin@example.com",
        audience=OTHER_SP,
    )
    _refused_as_invalid(
        saml_client,
        answer,
        f"http://{SAML_HOST}/sso/saml/company/metadata/ is not a valid audience for this Response",
    )


def test_an_expired_response_is_refused(saml_client, saml_idp_for_company, monkeypatch):
    idp = saml_idp_for_company
    request = _start(saml_client, idp)
    response = idp.respond(request, "erin@example.com")
    # Read an hour after the IdP made it (its assertion is valid for five minutes).
    later = OneLogin_Saml2_Utils.now() + 3600
    monkeypatch.setattr(OneLogin_Saml2_Utils, "now", staticmethod(lambda: later))
    answer = _post(saml_client, request, response)
    _refused_as_invalid(
        saml_client, answer, "Could not validate timestamp: expired. Check system clock."
    )


def test_a_response_posted_again_is_refused(saml_client, saml_idp_for_company):
    idp = saml_idp_for_company
    request = _start(saml_client, idp)
    response = idp.respond(request, "erin@example.com")
    assert _post(saml_client, request, response).status_code == 302
    erin = User.objects.get(email="erin@example.com")
    saml_client.logout()
    again = _post(saml_client, request, response)
    assert again.status_code == 403
    assert _signed_in(saml_client) is None
    assert _last_audit() == ("signin.failed", "", {"reason": "sso:company:unrequested"})
    # Nor does it sign in anyone else's browser that it was copied to.
    other = Client(HTTP_HOST=SAML_HOST)
    assert _post(other, request, response).status_code == 403
    assert _signed_in(other) is None
    assert list(AuditEntry.objects.filter(kind="signin").values_list("actor_id", flat=True)) == [
        erin.pk
    ]


def test_a_sign_in_started_at_the_idp_is_refused(saml_client, saml_idp_for_company):
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com", solicited=False)
    assert answer.status_code == 403
    assert _signed_in(saml_client) is None
    assert User.objects.count() == 0
    assert _last_audit() == ("signin.failed", "", {"reason": "sso:company:unrequested"})


def test_a_deactivated_account_is_refused(saml_client, saml_idp_for_company):
    User.objects.create_user("erin@example.com", None, name="Erin", is_active=False)
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    assert answer.status_code == 403
    assert "This account is deactivated." in answer.content.decode()
    assert _signed_in(saml_client) is None
    assert _last_audit() == (
        "signin.failed",
        "erin@example.com",
        {"reason": "sso:company:inactive"},
    )


def test_a_linked_account_deactivated_later_is_refused(saml_client, saml_idp_for_company):
    _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    saml_client.logout()
    User.objects.filter(email="erin@example.com").update(is_active=False)
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    assert answer.status_code == 403
    assert _signed_in(saml_client) is None
    assert _last_audit() == (
        "signin.failed",
        "erin@example.com",
        {"reason": "sso:company:inactive"},
    )


def test_without_trust_email_an_unconfirmed_address_is_refused(
    saml_client, saml_idp_for_company, saml_keys, settings
):
    trust(settings, saml_providers(saml_keys[1], trust_email=False))
    answer = _sign_in(saml_client, saml_idp_for_company, "erin@example.com")
    assert answer.status_code == 403
    assert "Company SAML did not confirm an email address for you." in answer.content.decode()
    assert User.objects.count() == 0
    assert _last_audit() == ("signin.failed", "", {"reason": "sso:company:no_verified_email"})


def test_the_idp_can_be_given_by_its_metadata_url(
    saml_client, saml_idp_for_company, saml_keys, settings
):
    idp = saml_idp_for_company
    with idp.serving_metadata() as url:
        trust(
            settings,
            saml_providers(saml_keys[1], idp={"entity_id": ENTITY_ID, "metadata_url": url}),
        )
        answer = _sign_in(saml_client, idp, "erin@example.com")
    assert answer.status_code == 302
    assert _signed_in(saml_client) == str(User.objects.get(email="erin@example.com").pk)


def test_a_response_signed_with_another_key_is_refused(saml_client, saml_idp_for_company, tmp_path):
    metadata = saml_client.get("/sso/saml/company/metadata/").content.decode()
    impostor = IdentityProvider(*write_key_and_certificate(tmp_path), sp_metadata=[metadata])
    request = _start(saml_client, saml_idp_for_company)
    answer = _post(saml_client, request, impostor.respond(request, "erin@example.com"))
    _refused_as_invalid(saml_client, answer, "Signature validation failed. SAML Response rejected")


def test_the_certificate_may_be_pasted_with_its_pem_lines(
    saml_client, saml_idp_for_company, saml_keys, settings
):
    pem = saml_keys[1].read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    idp = {"entity_id": ENTITY_ID, "sso_url": SSO_URL, "x509cert": pem}
    trust(settings, saml_providers(saml_keys[1], idp=idp))
    assert _sign_in(saml_client, saml_idp_for_company, "erin@example.com").status_code == 302
    assert User.objects.filter(email="erin@example.com").count() == 1
