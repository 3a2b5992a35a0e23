"""The API against its own OpenAPI schema, with Schemathesis: generated requests to every
operation, valid ones and invalid ones, as bob (reply on behalf on support@). No answer
may be a 5xx, and every answer must be one the schema documents, with the documented
body (Schemathesis's default checks).

Bounded: a fixed number of cases per operation and mode, derandomised, so a run takes
the same time and finds the same things each time; both databases run it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode

from postroom.inbox.actions import do_create_api_token

CASES = 20  # per operation and mode

# Operations whose schema-valid bodies may still be refused for what JSON Schema cannot
# say (a span that ends before it starts, a time zone this machine does not know, an
# inbox one does not work in), with the fields that may be so refused. For these, and
# only these, a positive case may be answered 422, each error naming one of the fields.
SEMANTIC_REFUSALS: dict[str, set[str]] = {
    "PUT /api/v1/me/shifts": {"week", "inboxes", "team"},
    "PUT /api/v1/inboxes/{slug}/business-hours": {"week", "time_zone", "country", "subdivision"},
    # A blank title, an unknown {{ variable }}, a team without scope team (or none with
    # it), an inbox the caller does not work in.
    "POST /api/v1/saved-replies": {"title", "body", "team", "inboxes"},
    "PUT /api/v1/saved-replies/{saved_reply_id}": {"title", "body", "team", "inboxes"},
    # A category or an inbox that does not exist (or that the caller does not work in), a
    # public one limited to no inbox, a language that is no language tag.
    "POST /api/v1/articles": {"category", "inboxes", "public", "language"},
    "PUT /api/v1/articles/{article_id}": {"category", "inboxes", "public", "language"},
    # A file that is empty, larger than the limit or not base64.
    "POST /api/v1/articles/{article_id}/attachments": {"content_base64"},
    # An assign that does not say whom (null for nobody), an operation's value missing
    # (a label, a status, a time, an inbox), a merge of fewer than two.
    "POST /api/v1/conversations/bulk": {"assignee", "label", "status", "until", "inbox", "ids"},
}


def _unstorable(value: object) -> bool:
    """Whether ``value`` holds text the API refuses by rule (a NUL or a lone surrogate,
    docs/api.md), which JSON Schema cannot say: not a valid request, so not a positive
    case. (Negative cases still send it; tests/api/test_strict_bodies.py checks it.)"""
    if isinstance(value, str):
        return "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _call_and_validate(case: schemathesis.Case, headers: dict[str, str], positive: bool) -> None:
    refusable = SEMANTIC_REFUSALS.get(case.operation.label, set()) if positive else set()
    if not refusable:
        case.call_and_validate(headers=headers)
        return
    response = case.call(headers=headers)
    if response.status_code == 422:
        named = {str(error["loc"][1]).split(".")[0] for error in response.json()["detail"]}
        assert named and named <= refusable, response.text
        return
    case.validate_response(response, headers=headers)


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    # As Django's test client does: the test's connection must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(world, wsgi_app, mode):
    _token, secret = do_create_api_token(world.bob, name="fuzz", actor=world.bob)
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # every route is in the schema
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=CASES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            if mode == GenerationMode.POSITIVE:
                assume(not _unstorable([case.body, case.query, case.path_parameters]))
                # A cursor is opaque: only one the API gave out is valid (else 422).
                assume("cursor" not in (case.query or {}))
            _call_and_validate(case, headers, mode == GenerationMode.POSITIVE)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # every operation's failures, reported together
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
