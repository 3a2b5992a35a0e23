"""Settings: the sessions a person is signed in with (sign one out, or every other),
and API tokens with an expiry, their last use, and revocation."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from postroom.accounts.models import ApiToken, SignedInSession
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Activity
from tests.conftest import PASSWORD


def browser(agent: str, address: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    answer = client.post("/login/", {"username": "bob@example.test", "password": PASSWORD})
    assert answer.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get("/settings/").status_code == 200


def test_settings_list_the_sessions_and_sign_one_out(world):
    laptop = browser("Firefox on the laptop", "192.0.2.1")
    phone = browser("Safari on the phone", "198.51.100.2")
    page = laptop.get("/settings/").content.decode()
    assert page.count("data-session=") == 2
    assert "Firefox on the laptop" in page and "Safari on the phone" in page
    assert page.count("this browser") == 1
    phone_row = SignedInSession.objects.get(user_agent="Safari on the phone")
    assert phone_row.address == "198.51.100.2"

    laptop.post("/settings/", {"action": "sign_out", "session": phone_row.pk})
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == [
        "Firefox on the laptop"
    ]
    done = Activity.objects.get(verb="user.signed_out")
    assert (done.actor_id, done.data) == (world.bob.pk, {"sessions": 1, "everywhere": False})
    # Another person's session number changes nothing.
    alice = Client()
    alice.force_login(world.alice)
    mine = SignedInSession.objects.get(user_agent="Firefox on the laptop")
    alice.post("/settings/", {"action": "sign_out", "session": mine.pk})
    assert signed_in(laptop)


def test_sign_out_everywhere_else_ends_even_unlisted_sessions(world):
    laptop = browser("Firefox", "192.0.2.1")
    phone = browser("Safari", "198.51.100.2")
    old = browser("An old browser", "203.0.113.9")
    SignedInSession.objects.filter(user_agent="An old browser").delete()  # not listed

    laptop.post("/settings/", {"action": "sign_out_everywhere"})
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(old)
    assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == ["Firefox"]
    signing_out = Activity.objects.get(verb="user.signed_out")
    assert signing_out.data == {"sessions": 1, "everywhere": True}


def test_tokens_expire_are_revoked_and_show_their_last_use(world):
    client = Client()
    client.force_login(world.bob)
    page = client.post(
        "/settings/", {"action": "token", "name": "ci", "expires_in_days": "30"}
    ).content.decode()
    secret = page.split("<code>")[1].split("</code>")[0]
    token = ApiToken.objects.get(user=world.bob)
    assert token.expires_at is not None
    assert abs(token.expires_at - (clock.now() + timedelta(days=30))) < timedelta(minutes=1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/inboxes").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    row = client.get("/settings/").content.decode().split(f'data-token="{token.prefix}"')[1]
    assert "never" not in row.split("</tr>")[0].split("<td>")[3]  # last used is shown

    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - timedelta(seconds=1))
    assert api.get("/api/v1/inboxes").status_code == 401
    assert "expired" in client.get("/settings/").content.decode()

    client.post("/settings/", {"action": "revoke_token", "token": token.pk})
    assert not ApiToken.objects.exists()
    assert Activity.objects.filter(verb="token.revoked", actor_id=world.bob.pk).count() == 1
    # Someone else's token is not found among one's own.
    other, _ = actions.do_create_api_token(world.alice, actor=world.alice)
    assert (
        client.post("/settings/", {"action": "revoke_token", "token": other.pk}).status_code == 404
    )
    assert ApiToken.objects.filter(pk=other.pk).exists()
