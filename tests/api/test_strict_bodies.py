"""Every API body is a JSON object with only the declared fields and storable text.

Regression tests for issue 12: ``POST /unassign`` with a body of ``0``, ``[]``,
``"garbage"``, ``true`` or ``{"usr": 1}`` answered 200 and removed every assignee and the
team; a lone surrogate or a NUL in a note, reply or subject gave a 500.
"""

from __future__ import annotations

import json
import typing

import pytest
from django.test import Client

from postroom.api import schemas
from postroom.api.router import api
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Conversation, Note
from tests.api.conftest import BASE, field_errors, token_for


def post_raw(world, path: str, raw: str) -> object:
    client = Client(headers={"Authorization": f"Bearer {token_for(world.bob)}"})
    return client.post(BASE + path, raw, content_type="application/json")


def assignees(conversation: Conversation) -> list[str]:
    return sorted(conversation.assignees.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("raw", "kind"),
    [("0", "a number"), ("[]", "an array"), ('"garbage"', "a string"), ("true", "a boolean")],
)
def test_unassign_with_a_body_that_is_not_an_object_is_422_and_removes_no_one(world, raw, kind):
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.alice], actor=world.alice)

    response = post_raw(world, f"/conversations/{conversation.pk}/unassign", raw)

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body"],
            "msg": f"The body must be a JSON object, not {kind}.",
            "type": "not_an_object",
        }
    ]
    assert assignees(conversation) == ["Alice", "Bob"]


def test_unassign_with_an_unknown_field_is_422_naming_it_and_removes_no_one(world):
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.alice], actor=world.alice)

    response = post_raw(world, f"/conversations/{conversation.pk}/unassign", '{"usr": 1}')

    assert response.json()["detail"] == [
        {
            "loc": ["body", "usr"],
            "msg": "Unknown field 'usr'; this endpoint does not take it.",
            "type": "extra_forbidden",
        }
    ]
    assert assignees(conversation) == ["Alice", "Bob"]


@pytest.mark.parametrize(
    "body", [{}, {"user": None}, {"everyone": False}, {"user": 1, "everyone": True}]
)
def test_unassign_must_name_one_teammate_or_everyone(world, body):
    conversation = world.bob_conversation

    response = post_raw(world, f"/conversations/{conversation.pk}/unassign", json.dumps(body))

    assert field_errors(response) == {
        "body": 'Give either "user" (a teammate id) or "everyone": true.'
    }
    assert assignees(conversation) == ["Bob"]


def test_unassign_everyone_must_be_a_real_boolean(world):
    response = post_raw(
        world, f"/conversations/{world.bob_conversation.pk}/unassign", '{"everyone": 1}'
    )

    assert list(field_errors(response)) == ["body.everyone"]
    assert assignees(world.bob_conversation) == ["Bob"]


def test_unassign_everyone_removes_the_team_too(world):
    conversation = world.bob_conversation
    team = actions.do_create_team(name="Tier 2", members=[world.bob], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=AccessLevel.VIEW, actor=world.alice)
    actions.do_assign(conversation, users=[world.alice], team=team, actor=world.alice)

    response = post_raw(world, f"/conversations/{conversation.pk}/unassign", '{"everyone": true}')

    assert response.status_code == 200
    assert (response.json()["assignees"], response.json()["team"]) == ([], None)


def test_unknown_fields_are_refused_on_other_endpoints_too(world):
    conversation = world.bob_conversation

    response = post_raw(
        world, f"/conversations/{conversation.pk}/status", '{"status": "closed", "force": true}'
    )

    assert list(field_errors(response)) == ["body.force"]
    conversation.refresh_from_db()
    assert conversation.get_status_display() == "Open"


def test_unknown_fields_inside_an_attachment_are_refused(world):
    body = {
        "body": "Here",
        "attachments": [{"filename": "a.txt", "content_base64": "", "evil": 1}],
    }

    response = post_raw(
        world, f"/conversations/{world.bob_conversation.pk}/replies", json.dumps(body)
    )

    assert list(field_errors(response)) == ["body.attachments.0.evil"]


def body_schemas() -> dict[str, set[type]]:
    """The body schemas of every operation, by "METHOD path"."""
    found: dict[str, set[type]] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    bodies = found.setdefault(f"{method} {prefix}{path}", set())
                    for model in operation.models:
                        if model.__ninja_param_source__ == "body":
                            for info in model.model_fields.values():
                                args = typing.get_args(info.annotation) or (info.annotation,)
                                bodies |= {a for a in args if a is not type(None)}
    return found


def test_every_request_body_schema_is_strict():
    """A new endpoint whose body does not derive from BodyIn would accept anything."""
    bodies = set().union(*body_schemas().values())

    assert len(bodies) >= 10
    assert {b for b in bodies if not issubclass(b, schemas.BodyIn)} == set()


def test_every_post_declares_a_body_so_a_stray_one_is_refused_too():
    posts = {op: bodies for op, bodies in body_schemas().items() if op.startswith("POST ")}

    assert len(posts) == 30
    assert [op for op, bodies in posts.items() if not bodies] == []


def test_a_body_sent_to_an_endpoint_that_takes_none_is_422_naming_its_fields(world):
    path = f"/conversations/{world.bob_conversation.pk}/follow"

    refused = post_raw(world, path, '{"force": true}')
    accepted = post_raw(world, path, "")

    assert list(field_errors(refused)) == ["body.force"]
    assert accepted.status_code == 200


def test_the_schema_documents_the_strict_bodies(db):
    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]

    assert components["UnassignIn"]["additionalProperties"] is False
    assert set(components["UnassignIn"]["properties"]) == {"user", "everyone"}
    assert components["NoteIn"]["additionalProperties"] is False


# --- text the database cannot store (both databases give the same answer) -------------

BAD_TEXT = [("x\ud800", "lone surrogate"), ("a\x00b", "NUL character")]


@pytest.mark.parametrize(("text", "what"), BAD_TEXT)
def test_a_note_with_unstorable_text_is_422_naming_body(world, text, what):
    response = post_raw(
        world, f"/conversations/{world.bob_conversation.pk}/notes", json.dumps({"body": text})
    )

    assert what in field_errors(response)["body.body"]
    assert Note.objects.count() == 0


@pytest.mark.parametrize(("text", "what"), BAD_TEXT)
def test_a_reply_with_unstorable_text_is_422_naming_body(world, text, what):
    conversation = world.bob_conversation
    before = conversation.messages.count()

    response = post_raw(
        world, f"/conversations/{conversation.pk}/replies", json.dumps({"body": text})
    )

    assert what in field_errors(response)["body.body"]
    assert conversation.messages.count() == before


@pytest.mark.parametrize(("text", "what"), BAD_TEXT)
def test_a_new_conversation_subject_with_unstorable_text_is_422_naming_subject(world, text, what):
    before = Conversation.objects.count()
    body = {"inbox": "support", "to": ["carol@example.test"], "subject": text, "body": "Hi"}

    response = post_raw(world, "/conversations/outbound/new", json.dumps(body))

    assert what in field_errors(response)["body.subject"]
    assert Conversation.objects.count() == before


def test_an_unstorable_address_in_a_list_is_422_naming_the_list(world):
    body = {"body": "Hi", "cc": ["ok@example.test", "x\x00@example.test"]}

    response = post_raw(
        world, f"/conversations/{world.bob_conversation.pk}/replies", json.dumps(body)
    )

    assert list(field_errors(response)) == ["body.cc"]


def test_a_nul_in_an_api_filter_is_removed_like_in_any_query_string(world, api_as):
    response = api_as(world.bob).get("/conversations", inbox="supp\x00ort")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [world.bob_conversation.pk]
