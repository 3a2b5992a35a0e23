"""Single sign-on through a real OpenID Connect provider (tests/sso/idp): the whole
redirect, sign-in and code exchange, then Postroom's decision on who comes in."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
import requests

from postroom.accounts.models import Role, User
from postroom.audit.models import AuditEntry
from postroom.events.models import LoggedEvent as Event

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_at_provider(client, email: str) -> str:
    """Press "Sign in with Company login" and sign in at the provider as ``email``;
    the provider's redirect back to Postroom."""
    page = client.get("/login/")
    assert b"Sign in with Company login" in page.content
    start = client.post("/sso/oidc/company/login/")
    assert start.status_code == 302
    browser = requests.Session()
    at = start["Location"]
    for _ in range(10):
        if at.startswith("http://testserver"):
            return at
        answer = browser.get(at, allow_redirects=False)
        if answer.status_code == 200 and 'name="login"' in answer.text:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
            assert token is not None
            answer = browser.post(
                answer.url,
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "login": email,
                    "password": "idp-password",
                },
                headers={"Referer": answer.url},
                allow_redirects=False,
            )
        assert answer.status_code == 302, answer.text[:500]
        location = answer.headers["Location"]
        if location.startswith("/"):
            parts = urlparse(answer.url)
            location = f"{parts.scheme}://{parts.netloc}{location}"
        at = location
    raise AssertionError("no redirect back to Postroom")


def _back(client, url: str):
    parts = urlparse(url)
    return client.get(f"{parts.path}?{parts.query}")


def test_a_new_person_at_an_allowed_domain_gets_an_account_just_in_time(client, company_sso):
    answer = _back(client, _sign_in_at_provider(client, "erin@example.com"))
    assert answer.status_code == 302
    erin = User.objects.get(email="erin@example.com")
    assert (erin.name, erin.role, erin.has_usable_password()) == ("Erin Example", Role.AGENT, False)
    assert client.session["_auth_user_id"] == str(erin.pk)
    created = Event.objects.filter(type="user.created").order_by("-pk").first()
    assert created is not None
    assert (created.data, created.actor_kind) == (
        {"email": "erin@example.com", "role": "agent", "via": "sso:company"},
        "system",
    )
    kinds = list(
        AuditEntry.objects.filter(actor_id=erin.pk).order_by("pk").values_list("kind", "data")
    )
    assert kinds[-2:] == [
        ("sso.linked", {"via": "sso:company", "subject": kinds[-2][1]["subject"]}),
        ("signin", {"via": "sso:company"}),
    ]


def test_the_second_time_the_linked_account_signs_in(client, company_sso):
    _back(client, _sign_in_at_provider(client, "erin@example.com"))
    client.logout()
    answer = _back(client, _sign_in_at_provider(client, "erin@example.com"))
    assert answer.status_code == 302
    assert User.objects.filter(email="erin@example.com").count() == 1
    assert AuditEntry.objects.filter(kind="sso.linked").count() == 1


def test_an_existing_account_is_linked_not_duplicated(client, company_sso):
    alice = User.objects.create_user("erin@example.com", "pw-unused-123", name="Erin Owner")
    _back(client, _sign_in_at_provider(client, "erin@example.com"))
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert User.objects.count() == 1
    assert not Event.objects.filter(type="user.created").exists()


def test_an_address_outside_the_allowed_domains_is_refused(client, company_sso):
    answer = _back(client, _sign_in_at_provider(client, "mallory@elsewhere.test"))
    assert answer.status_code == 403
    assert "Addresses at elsewhere.test may not sign in through Company login." in (
        answer.content.decode()
    )
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.kind, entry.actor_label, entry.data) == (
        "signin.failed",
        "mallory@elsewhere.test",
        {"reason": "sso:company:domain"},
    )


def test_an_unverified_address_is_refused(client, company_sso):
    answer = _back(client, _sign_in_at_provider(client, "ursula@example.com"))
    assert answer.status_code == 403
    assert "Company login did not confirm an email address for you." in answer.content.decode()
    assert not User.objects.filter(email="ursula@example.com").exists()


def test_a_deactivated_account_is_refused(client, company_sso):
    User.objects.create_user("erin@example.com", None, name="Erin", is_active=False)
    answer = _back(client, _sign_in_at_provider(client, "erin@example.com"))
    assert answer.status_code == 403
    assert "This account is deactivated." in answer.content.decode()
    assert "_auth_user_id" not in client.session
