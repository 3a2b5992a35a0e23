"""Outbound mail over the REST API: reply fields, forwards, new conversations, delivery
state, undo and retry; 403 for view-only callers, 422 naming the field."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox.models import Message
from tests.api.conftest import field_errors
from tests.outbound.conftest import send_due


def base(world) -> str:
    return f"/conversations/{world.bob_conversation.pk}"


def test_a_reply_with_a_file_and_a_time(world, api_as, peer, frozen):
    at = clock.now() + timedelta(hours=2)
    response = api_as(world.bob).post(
        f"{base(world)}/replies",
        {
            "body": "Here it is.",
            "send_at": at.isoformat(),
            "attachments": [
                {
                    "filename": "fixed.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(b"%PDF fixed").decode(),
                }
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delivery"]["status"] == "queued"
    assert body["delivery"]["scheduled_for"] == at.isoformat().replace("+00:00", "Z")
    assert body["conversation_id"] == world.bob_conversation.pk
    assert [a["filename"] for a in body["attachments"]] == ["fixed.pdf"]

    send_due(after=2 * 3600)
    state = api_as(world.bob).get(f"{base(world)}/replies/{body['id']}").json()
    assert state["delivery"]["status"] == "sent"
    assert "queued as" in state["delivery"]["answer"]
    assert state["delivery"]["sent_at"] is not None


def test_undo_returns_the_draft(world, api_as, frozen):
    client = api_as(world.bob)
    reply = client.post(f"{base(world)}/replies", {"body": "Oops, wrong customer"}).json()
    assert reply["delivery"]["undo_until"] is not None

    draft = client.post(f"{base(world)}/replies/{reply['id']}/cancel")

    assert draft.status_code == 200
    assert draft.json()["body"] == "Oops, wrong customer"
    assert not Message.objects.filter(pk=reply["id"]).exists()
    assert client.post(f"{base(world)}/replies/{reply['id']}/cancel").status_code == 404


def test_undo_after_it_went_out_is_422(world, api_as, peer, frozen):
    client = api_as(world.bob)
    reply = client.post(f"{base(world)}/replies", {"body": "Fixed."}).json()
    send_due()

    response = client.post(f"{base(world)}/replies/{reply['id']}/cancel")

    assert list(field_errors(response)) == ["body.message"]


def test_retry_needs_a_failed_message(world, api_as, peer, frozen):
    peer.handler.refuse = "550 5.7.1 No"
    client = api_as(world.bob)
    reply = client.post(f"{base(world)}/replies", {"body": "Fixed."}).json()
    send_due()
    assert client.get(f"{base(world)}/replies/{reply['id']}").json()["delivery"]["status"] == (
        "failed"
    )

    peer.handler.refuse = None
    assert client.post(f"{base(world)}/replies/{reply['id']}/retry").status_code == 200
    assert list(field_errors(client.post(f"{base(world)}/replies/{reply['id']}/retry"))) == [
        "body.message"
    ]
    send_due()
    assert client.get(f"{base(world)}/replies/{reply['id']}").json()["delivery"]["status"] == (
        "sent"
    )


def test_send_now(world, api_as, peer, frozen):
    client = api_as(world.bob)
    later = (clock.now() + timedelta(days=2)).isoformat()
    reply = client.post(f"{base(world)}/replies", {"body": "Hi", "send_at": later}).json()

    state = client.post(f"{base(world)}/replies/{reply['id']}/send-now").json()
    send_due(after=0)

    assert state["delivery"]["scheduled_for"] is None
    assert len(peer.received) == 1


def test_forward_with_the_original_files(world, api_as, peer, frozen):
    original = Message.objects.get(conversation=world.bob_conversation)
    response = api_as(world.bob).post(
        f"{base(world)}/forwards",
        {"message": original.pk, "to": ["finance@partner.test"], "body": "FYI"},
    )

    assert response.status_code == 201
    assert [a["filename"] for a in response.json()["attachments"]] == ["invoice.pdf"]
    assert response.json()["subject"] == "Fwd: Broken invoice"


def test_a_new_conversation(world, api_as, frozen):
    response = api_as(world.bob).post(
        "/conversations/outbound/new",
        {"inbox": "support", "to": ["new@prospect.test"], "subject": "Hello", "body": "Hi!"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["conversation_id"] != world.bob_conversation.pk
    assert response.json()["from_name"] == "Bob via Support"


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("replies", {"body": "Hi"}),
        ("forwards", {"message": 0, "to": ["x@y.test"]}),
    ],
)
def test_view_only_callers_get_403(world, api_as, path, payload):
    if "message" in payload:
        payload["message"] = Message.objects.get(conversation=world.sales_conversation).pk
    response = api_as(world.dora).post(
        f"/conversations/{world.sales_conversation.pk}/{path}", payload
    )
    assert response.status_code == 403
    assert not Message.objects.filter(direction="out").exists()


def test_view_only_callers_cannot_start_conversations(world, api_as):
    response = api_as(world.dora).post(
        "/conversations/outbound/new",
        {"inbox": "sales", "to": ["x@y.test"], "subject": "Hi", "body": "Hi"},
    )
    assert response.status_code == 403


def test_strangers_get_404(world, api_as, frozen):
    reply = api_as(world.bob).post(f"{base(world)}/replies", {"body": "Fixed."}).json()
    charlie = api_as(world.charlie)
    assert charlie.get(f"{base(world)}/replies/{reply['id']}").status_code == 404
    assert charlie.post(f"{base(world)}/replies/{reply['id']}/cancel").status_code == 404
    response = charlie.post(
        "/conversations/outbound/new",
        {"inbox": "support", "to": ["x@y.test"], "subject": "Hi", "body": "Hi"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "Hi", "send_at": "2030-01-01T09:00:00"}, "body.send_at"),
        ({"body": "Hi", "send_at": "2001-01-01T09:00:00Z"}, "body.send_at"),
        ({"body": "Hi", "send_at": "tomorrow"}, "body.send_at"),
        (
            {"body": "Hi", "attachments": [{"filename": "a.txt", "content_base64": "%%%"}]},
            "body.attachments",
        ),
        ({"body": "Hi", "reply_all": "perhaps"}, "body.reply_all"),
        ({"body": "Hi", "cc": ["nope"]}, "body.cc"),
    ],
)
def test_bad_reply_fields_are_422_naming_the_field(world, api_as, frozen, payload, field):
    response = api_as(world.bob).post(f"{base(world)}/replies", payload)
    assert list(field_errors(response)) == [field]


def test_a_new_conversation_needs_a_subject(world, api_as, frozen):
    response = api_as(world.bob).post(
        "/conversations/outbound/new",
        {"inbox": "support", "to": ["x@y.test"], "subject": "  ", "body": "Hi"},
    )
    assert list(field_errors(response)) == ["body.subject"]
