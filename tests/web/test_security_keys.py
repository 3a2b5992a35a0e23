"""Security keys and passkeys (WebAuthn) through the real endpoints, answered by a
software authenticator (tests/softkey.py): adding one in Settings, the key after the
password, a passkey alone, and every answer the server must refuse, with its status
and its audit entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential

from postroom.accounts import twofactor
from postroom.audit.models import AuditEntry
from postroom.events.models import LoggedEvent
from postroom.inbox import actions
from tests.conftest import PASSWORD
from tests.softkey import SoftKey

ORIGIN = "http://localhost:8000"


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.POSTROOM_WEBAUTHN_RP_ID = "localhost"
    settings.POSTROOM_WEBAUTHN_ORIGINS = [ORIGIN]


def post_json(client: Client, url: str, body: dict[str, Any] | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def signed_in(email: str = "bob@example.test") -> Client:
    client = Client()
    assert client.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def add_key(client: Client, key: SoftKey, name: str = "Blue key"):
    options = post_json(client, "/settings/security-keys/options/").json()
    return post_json(
        client, "/settings/security-keys/", {"name": name, "credential": key.create(options)}
    )


def with_key(email: str = "bob@example.test", name: str = "Blue key") -> SoftKey:
    key = SoftKey(ORIGIN)
    assert add_key(signed_in(email), key, name).status_code == 200
    return key


def key_step(client: Client, key: SoftKey, **fault: Any):
    """The second step with ``key`` (or a fault in its answer)."""
    options = post_json(client, "/login/verify/key/options/").json()
    answer = key.get(options, **fault)
    return post_json(
        client, "/login/verify/key/", {"credential": answer, "next": "/inbox/support/"}
    )


def failures() -> list[tuple[str, str, str]]:
    return [
        (e.actor_label, e.target_type, e.data.get("reason", ""))
        for e in AuditEntry.objects.filter(kind="signin.failed")
    ]


def test_adding_a_key_keeps_it_and_offers_recovery_codes_once(world):
    client = signed_in()
    other = signed_in()  # signed in without a second factor: signed out by the first one
    key = SoftKey(ORIGIN)
    options = post_json(client, "/settings/security-keys/options/").json()
    assert (options["rp"], options["attestation"]) == (
        {"name": "Postroom", "id": "localhost"},
        "none",
    )
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    answer = post_json(
        client, "/settings/security-keys/", {"name": "Blue key", "credential": key.create(options)}
    )
    assert (answer.status_code, answer.json()["redirect"]) == (200, "/settings/#security-keys")
    stored = WebAuthnCredential.objects.get(user=world.bob)
    assert (stored.name, stored.confirmed, stored.discoverable, stored.sign_count) == (
        "Blue key",
        True,
        True,
        0,
    )
    world.bob.refresh_from_db()
    assert world.bob.has_second_factor is True
    page = client.get("/settings/").content.decode()
    assert "Blue key" in page
    assert "Each signs you in once when your key is not at hand" in page
    assert len(set(_codes(page))) == 10
    assert twofactor.recovery_left(world.bob) == 10
    again = client.get("/settings/").content.decode()
    assert _codes(again) == []
    assert "10 recovery codes left." in again
    assert client.get("/inbox/support/").status_code == 200  # this session has the key
    assert other.get("/inbox/support/").status_code == 302
    event = LoggedEvent.objects.get(type="security_key.added")
    assert (event.actor_kind, event.actor_id, event.data) == (
        "user",
        world.bob.pk,
        {"key": stored.pk, "name": "Blue key"},
    )


def _codes(page: str) -> list[str]:
    import re

    return re.findall(r"<li><code>([0-9a-z]+)</code></li>", page)


def test_a_key_needs_a_name_and_answers_its_own_challenge_once(world):
    client = signed_in()
    key = SoftKey(ORIGIN)
    options = post_json(client, "/settings/security-keys/options/").json()
    nameless = post_json(
        client, "/settings/security-keys/", {"name": " ", "credential": key.create(options)}
    )
    assert (nameless.status_code, nameless.json()["error"]) == (
        400,
        "Give the key a name, to tell your keys apart.",
    )
    # The challenge was spent by that answer: the same one again has no ceremony.
    again = post_json(
        client, "/settings/security-keys/", {"name": "Blue", "credential": key.create(options)}
    )
    assert again.status_code == 400
    elsewhere = SoftKey("https://evil.example")
    options = post_json(client, "/settings/security-keys/options/").json()
    refused = post_json(
        client, "/settings/security-keys/", {"name": "X", "credential": elsewhere.create(options)}
    )
    assert refused.status_code == 422
    assert not WebAuthnCredential.objects.exists()
    assert add_key(client, key).status_code == 200
    assert add_key(client, key, "Twice").status_code == 409  # the same key again
    assert WebAuthnCredential.objects.filter(user=world.bob).count() == 1


def test_the_password_then_the_key(world):
    key = with_key()
    client = signed_in()
    page = client.get("/inbox/support/")
    assert (page.status_code, page["Location"]) == (302, "/login/verify/?next=/inbox/support/")
    verify = client.get("/login/verify/").content.decode()
    assert 'data-security-key="verify"' in verify
    assert "No key at hand? Enter one of your recovery codes." in verify
    options = post_json(client, "/login/verify/key/options/").json()
    stored = WebAuthnCredential.objects.get(user=world.bob)
    assert [c["id"] for c in options["allowCredentials"]] == [key.id]
    assert options["userVerification"] == "discouraged"
    answer = post_json(
        client, "/login/verify/key/", {"credential": key.get(options), "next": "/inbox/support/"}
    )
    assert (answer.status_code, answer.json()) == (200, {"redirect": "/inbox/support/"})
    assert client.get("/inbox/support/").status_code == 200
    stored.refresh_from_db()
    assert stored.sign_count == 1
    assert stored.last_used_at is not None
    assert failures() == []


def test_a_passkey_signs_in_alone_with_both_factors(world):
    key = with_key()
    client = Client()
    assert 'data-security-key="passkey"' in client.get("/login/").content.decode()
    options = post_json(client, "/login/passkey/options/").json()
    assert (options.get("allowCredentials", []), options["userVerification"]) == ([], "required")
    answer = post_json(
        client, "/login/passkey/", {"credential": key.get(options), "next": "/inbox/support/"}
    )
    assert (answer.status_code, answer.json()) == (200, {"redirect": "/inbox/support/"})
    assert client.get("/inbox/support/").status_code == 200  # no code asked for
    signin = AuditEntry.objects.filter(kind="signin").last()
    assert (signin.actor_id, signin.data) == (world.bob.pk, {"via": "passkey"})


def test_a_passkey_that_did_not_verify_its_person_is_refused(world):
    key = with_key()
    client = Client()
    options = post_json(client, "/login/passkey/options/").json()
    answer = post_json(client, "/login/passkey/", {"credential": key.get(options, verified=False)})
    assert answer.status_code == 422
    assert client.get("/inbox/support/").status_code == 302
    assert failures() == [("bob@example.test", "user", "passkey:user_verification")]


def test_an_unknown_passkey_is_refused(world):
    client = Client()
    options = post_json(client, "/login/passkey/options/").json()
    answer = post_json(client, "/login/passkey/", {"credential": SoftKey(ORIGIN).get(options)})
    assert answer.status_code == 404
    assert failures() == [("", "", "passkey:credential_not_found")]


def test_another_origin_is_refused(world):
    key = with_key()
    client = signed_in()
    answer = key_step(client, key, origin="https://postroom.evil.example")
    assert (answer.status_code, answer.json()["error"]) == (
        422,
        "Your key's answer could not be checked. Try again, or another key.",
    )
    assert client.get("/inbox/support/").status_code == 302
    assert failures() == [("bob@example.test", "user", "security_key:origin")]


def test_a_replayed_answer_or_a_counter_that_does_not_move_on_is_refused(world, settings):
    settings.POSTROOM_LOGIN_SLOW_AFTER = 5  # four failures here, none of them slowed
    key = with_key()
    first = signed_in()
    options = post_json(first, "/login/verify/key/options/").json()
    answer = key.get(options)  # counter 1
    assert post_json(first, "/login/verify/key/", {"credential": answer}).status_code == 200
    # The same answer in another sign-in: its challenge is not this one's.
    second = signed_in()
    post_json(second, "/login/verify/key/options/")
    replayed = post_json(second, "/login/verify/key/", {"credential": answer})
    assert replayed.status_code == 422
    # Again on the same session: its challenge was used up.
    assert post_json(second, "/login/verify/key/", {"credential": answer}).status_code == 400
    # A fresh challenge, but the counter does not move on (a cloned key): 1, then 0.
    assert key_step(second, key, sign_count=1).status_code == 422
    assert key_step(second, key, sign_count=0).status_code == 422
    assert WebAuthnCredential.objects.get(user=world.bob).sign_count == 1
    assert second.get("/inbox/support/").status_code == 302
    bob = "bob@example.test"
    assert failures() == [
        (bob, "user", "security_key:challenge"),
        (bob, "user", "security_key:invalid_state"),
        (bob, "user", "security_key:sign_count"),
        (bob, "user", "security_key:sign_count"),
    ]


def test_another_persons_key_is_refused(world):
    alices = with_key("alice@example.test", "Alice's key")
    with_key()
    client = signed_in()
    answer = key_step(client, alices)
    assert (answer.status_code, answer.json()["error"]) == (
        403,
        "This key does not belong to this account.",
    )
    assert client.get("/inbox/support/").status_code == 302
    assert failures() == [("bob@example.test", "user", "security_key:credential_user_mismatch")]


def test_a_tampered_signature_is_refused(world):
    key = with_key()
    client = signed_in()
    assert key_step(client, key, tamper=True).status_code == 422
    assert client.get("/inbox/support/").status_code == 302
    assert failures() == [("bob@example.test", "user", "security_key:signature")]
    assert WebAuthnCredential.objects.get(user=world.bob).sign_count == 0


def test_failed_keys_count_towards_the_sign_in_throttling(world, settings):
    settings.POSTROOM_LOGIN_SLOW_AFTER = 3
    key = with_key()
    client = signed_in()
    for _ in range(3):
        assert key_step(client, key, tamper=True).status_code == 422
    slowed = key_step(client, key)
    assert (slowed.status_code, slowed["Retry-After"]) == (429, "2")
    password = Client().post("/login/", {"username": "bob@example.test", "password": PASSWORD})
    assert password.status_code == 429


def test_removing_a_key_asks_for_the_password(world):
    client = signed_in()
    add_key(client, SoftKey(ORIGIN))
    stored = WebAuthnCredential.objects.get(user=world.bob)
    wrong = client.post(
        "/settings/",
        {"action": "remove_security_key", "key": stored.pk, "proof": "not it"},
        follow=True,
    )
    assert "That is not your current password." in wrong.content.decode()
    assert WebAuthnCredential.objects.filter(pk=stored.pk).exists()
    # Someone else's key is not found among one's own.
    alices = signed_in("alice@example.test")
    taken = alices.post(
        "/settings/", {"action": "remove_security_key", "key": stored.pk, "proof": PASSWORD}
    )
    assert taken.status_code == 404
    done = client.post(
        "/settings/", {"action": "remove_security_key", "key": stored.pk, "proof": PASSWORD}
    )
    assert (done.status_code, done["Location"]) == (302, "/settings/#security-keys")
    assert not WebAuthnCredential.objects.exists()
    world.bob.refresh_from_db()
    assert world.bob.has_second_factor is False
    assert not StaticDevice.objects.filter(user=world.bob).exists()  # the codes went with it
    event = LoggedEvent.objects.get(type="security_key.removed")
    assert (event.actor_id, event.data) == (world.bob.pk, {"key": stored.pk, "name": "Blue key"})
    assert signed_in().get("/inbox/support/").status_code == 200


def test_turning_the_app_off_keeps_the_key_as_the_second_factor(world):
    device = twofactor.pending_authenticator(world.bob)
    codes = actions.do_enable_two_factor(
        world.bob, code=f"{totp(device.bin_key):06d}", actor=world.bob
    )
    client = signed_in()
    assert client.post("/login/verify/", {"code": codes[0]}).status_code == 302
    key = SoftKey(ORIGIN)
    assert add_key(client, key).status_code == 200
    assert _codes(client.get("/settings/").content.decode()) == []  # the app's codes stay
    both = signed_in().get("/login/verify/").content.decode()
    assert 'data-security-key="verify"' in both
    assert "Enter the code from your authenticator app" in both
    actions.do_disable_two_factor(world.bob, code=codes[1], actor=world.bob)
    world.bob.refresh_from_db()
    assert world.bob.has_second_factor is True
    assert twofactor.recovery_left(world.bob) == 8
    fresh = signed_in()
    assert fresh.get("/inbox/support/").status_code == 302
    assert key_step(fresh, key).status_code == 200
    assert fresh.get("/inbox/support/").status_code == 200


def test_a_key_satisfies_two_factor_for_everyone(world, settings):
    settings.POSTROOM_REQUIRE_2FA = True
    client = signed_in()
    page = client.get("/inbox/support/")
    assert (page.status_code, page["Location"]) == (302, "/settings/#two-factor")
    assert add_key(client, SoftKey(ORIGIN)).status_code == 200
    assert client.get("/inbox/support/").status_code == 200
