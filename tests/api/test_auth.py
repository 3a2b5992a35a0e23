"""Personal API tokens: Authorization: Bearer <secret>."""

from __future__ import annotations

from datetime import timedelta

from postroom.accounts.models import ApiToken
from postroom.core import clock
from postroom.inbox import actions
from tests.api.conftest import ApiClient, token_for


def test_a_request_without_a_token_is_401(world):
    response = ApiClient(None).get("/inboxes")

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401(world):
    assert ApiClient("pr_not-a-real-token").get("/inboxes").status_code == 401


def test_a_token_in_another_scheme_is_401(world):
    secret = token_for(world.bob)
    client = ApiClient(None)
    client.client.defaults["HTTP_AUTHORIZATION"] = f"Token {secret}"

    assert client.get("/inboxes").status_code == 401


def test_bobs_token_authenticates_bob(world):
    response = ApiClient(token_for(world.bob)).get("/inboxes")

    assert response.status_code == 200
    assert [inbox["slug"] for inbox in response.json()] == ["support"]


def test_writes_require_a_token_too(world):
    response = ApiClient(None).post(
        f"/conversations/{world.bob_conversation.pk}/notes", {"body": "hello"}
    )

    assert response.status_code == 401


def test_a_token_client_needs_no_csrf_token(world):
    bob = ApiClient(token_for(world.bob), enforce_csrf_checks=True)

    response = bob.post(f"/conversations/{world.bob_conversation.pk}/notes", {"body": "hello"})

    assert response.status_code == 201


def test_a_browser_session_alone_does_not_authenticate(world, client_for):
    response = client_for(world.bob).get("/api/v1/inboxes")

    assert response.status_code == 401


def test_deactivating_bob_stops_his_token_on_the_next_request(world):
    bob = ApiClient(token_for(world.bob))
    assert bob.get("/inboxes").status_code == 200

    actions.do_set_user_active(world.bob, False, actor=world.alice)

    assert bob.get("/inboxes").status_code == 401


def test_the_first_use_records_last_used_at(world):
    secret = token_for(world.bob)

    ApiClient(secret).get("/inboxes")

    assert ApiToken.objects.get(token_hash=ApiToken.hash(secret)).last_used_at is not None


def test_last_used_at_is_refreshed_at_most_once_a_minute(world):
    secret = token_for(world.bob)
    bob = ApiClient(secret)
    start = clock.now()
    clock.freeze(start)
    bob.get("/inboxes")

    clock.freeze(start + timedelta(seconds=59))
    bob.get("/inboxes")
    assert ApiToken.objects.get(token_hash=ApiToken.hash(secret)).last_used_at == start

    clock.freeze(start + timedelta(seconds=61))
    bob.get("/inboxes")
    assert ApiToken.objects.get(token_hash=ApiToken.hash(secret)).last_used_at == (
        start + timedelta(seconds=61)
    )
