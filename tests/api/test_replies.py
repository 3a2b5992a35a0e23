"""POST /conversations/{id}/replies: a queued outbound message; needs reply on behalf."""

from __future__ import annotations

import pytest

from postroom.inbox.models import DeliveryStatus, Direction, Message
from tests.api.conftest import field_errors


def replies(conversation) -> str:
    return f"/conversations/{conversation.pk}/replies"


def test_bob_replies_on_behalf_of_support(world, api_as):
    response = api_as(world.bob).post(
        replies(world.bob_conversation), {"body": "We fixed the *invoice*."}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["direction"] == "out"
    assert body["delivery_status"] == "queued"
    assert body["to"] == ["carol@customer.test"]
    assert body["from_email"] == "support@example.test"
    assert body["sender_email"] == "bob@example.test"
    assert body["author"]["name"] == "Bob"


def test_the_reply_is_stored_as_a_queued_outbound_message(world, api_as):
    response = api_as(world.bob).post(replies(world.bob_conversation), {"body": "Done."})

    message = Message.objects.get(pk=response.json()["id"])
    assert (message.direction, message.delivery_status) == (
        Direction.OUTBOUND,
        DeliveryStatus.QUEUED,
    )
    assert message.author == world.bob


def test_a_reply_may_name_its_recipients(world, api_as):
    response = api_as(world.bob).post(
        replies(world.bob_conversation),
        {
            "body": "Looping in accounts.",
            "to": ["carol@customer.test"],
            "cc": ["accounts@customer.test"],
        },
    )

    assert response.json()["cc"] == ["accounts@customer.test"]


def test_dora_with_view_only_gets_403_with_a_reason(world, api_as):
    response = api_as(world.dora).post(replies(world.sales_conversation), {"body": "Hi Dan"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You need reply on behalf on Sales to reply to customers.",
        "action": "do_reply",
        "needed": "reply_on_behalf",
        "inbox": "sales",
    }
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_a_bad_address_is_422_naming_its_field(world, api_as, field):
    response = api_as(world.bob).post(
        replies(world.bob_conversation), {"body": "Hello", field: ["not an address"]}
    )

    assert list(field_errors(response)) == [f"body.{field}"]


def test_an_empty_reply_is_422_naming_body(world, api_as):
    response = api_as(world.bob).post(replies(world.bob_conversation), {"body": "  "})

    assert list(field_errors(response)) == ["body.body"]
