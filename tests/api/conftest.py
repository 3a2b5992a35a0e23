"""API test helpers: a client that speaks JSON and carries one persona's token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Inbox

BASE = "/api/v1"


class ApiClient:
    """``get``/``post``/``patch``/``delete`` on paths relative to /api/v1, with a bearer token."""

    def __init__(self, secret: str | None, *, enforce_csrf_checks: bool = False) -> None:
        headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
        self.client = Client(headers=headers, enforce_csrf_checks=enforce_csrf_checks)

    def get(self, path: str, **params: Any) -> HttpResponse:
        query = {k: v for k, v in params.items() if v is not None}
        return self.client.get(BASE + path, query)

    def post(self, path: str, body: dict[str, Any] | None = None) -> HttpResponse:
        return self.client.post(BASE + path, body or {}, content_type="application/json")

    def put(self, path: str, body: dict[str, Any]) -> HttpResponse:
        return self.client.put(BASE + path, body, content_type="application/json")

    def patch(self, path: str, body: dict[str, Any]) -> HttpResponse:
        return self.client.patch(BASE + path, body, content_type="application/json")

    def delete(self, path: str) -> HttpResponse:
        return self.client.delete(BASE + path)


def token_for(user: User) -> str:
    _token, secret = actions.do_create_api_token(user, actor=user)
    return secret


@pytest.fixture
def api_as(db) -> Callable[[User], ApiClient]:
    """``api_as(world.bob)`` → an API client authenticated with a fresh token of bob's."""

    def make(user: User) -> ApiClient:
        return ApiClient(token_for(user))

    return make


def field_errors(response: HttpResponse) -> dict[str, str]:
    """A 422's ``detail`` as {"body.status": msg, "query.limit": msg, ...}."""
    assert response.status_code == 422, response.content
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in response.json()["detail"]}


def receive_many(inbox: Inbox, count: int, *, start: datetime, step: timedelta) -> list[int]:
    """``count`` new conversations in ``inbox``, one every ``step`` from ``start``; their ids.

    A zero ``step`` gives them all the same time, so ordering falls back to the id.
    """
    ids = []
    try:
        for n in range(count):
            clock.freeze(start + n * step)
            message = actions.do_receive_message(
                inbox,
                actions.InboundMessage(
                    sender=f"customer{n}@example.test",
                    subject=f"Question {n}",
                    text=f"Question number {n}",
                ),
            )
            ids.append(message.conversation_id)
    finally:
        clock.freeze(None)
    return ids
