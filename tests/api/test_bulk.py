"""POST /conversations/bulk: one operation on many, each through its own action."""

from __future__ import annotations

from postroom.inbox import actions
from postroom.inbox.models import Conversation
from tests.api.conftest import field_errors
from tests.events.capture import events_written


def another(world, inbox=None) -> Conversation:
    return actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(sender="zoe@customer.test", subject="Second", text="Hello?"),
    ).conversation


def test_bob_closes_two_and_gets_what_happened_to_each(world, api_as):
    one, two = world.bob_conversation, another(world)
    api = api_as(world.bob)
    with events_written() as events:
        response = api.post(
            "/conversations/bulk",
            {"operation": "status", "status": "closed", "ids": [one.pk, two.pk]},
        )
    assert response.status_code == 200
    assert response.json() == {
        "done": [one.pk, two.pk],
        "not_allowed": [],
        "not_found": [],
        "failed": [],
        "summary": "2 done",
    }
    assert [(e.type, e.actor_kind, e.actor_id, e.conversation_id, e.data) for e in events] == [
        ("conversation.status", "user", world.bob.pk, c.pk, {"from": "open", "to": "closed"})
        for c in (one, two)
    ]


def test_dora_is_not_allowed_and_nothing_changes(world, api_as):
    two = another(world, world.sales)
    ids = [world.sales_conversation.pk, two.pk]
    api = api_as(world.dora)
    with events_written() as events:
        response = api.post("/conversations/bulk", {"operation": "trash", "ids": ids})
    assert response.json()["not_allowed"] == ids
    assert response.json()["done"] == []
    assert events == []
    assert {c.status for c in Conversation.objects.filter(pk__in=ids)} == {"open"}


def test_charlie_gets_not_found_for_everything_as_for_ids_that_do_not_exist(world, api_as):
    ids = [world.bob_conversation.pk, world.sales_conversation.pk, 987_654]
    api = api_as(world.charlie)
    with events_written() as events:
        response = api.post(
            "/conversations/bulk", {"operation": "status", "status": "closed", "ids": ids}
        )
    assert response.json() == {
        "done": [],
        "not_allowed": [],
        "not_found": ids,  # his and the missing one read the same: nothing leaks
        "failed": [],
        "summary": "0 done, 3 not found",
    }
    assert events == []


def test_a_check_that_fails_is_reported_with_its_reason(world, api_as):
    response = api_as(world.bob).post(
        "/conversations/bulk",
        {
            "operation": "snooze",
            "until": "2000-01-01T00:00:00+00:00",
            "ids": [world.bob_conversation.pk],
        },
    )
    assert response.json()["failed"] == [
        {"id": world.bob_conversation.pk, "error": "Pick a time in the future."}
    ]
    assert Conversation.objects.get(pk=world.bob_conversation.pk).status == "open"


def test_a_strict_body_names_the_bad_field(world, api_as):
    api = api_as(world.bob)
    pk = world.bob_conversation.pk
    cases = [
        ({"operation": "explode", "ids": [pk]}, "body.operation"),
        ({"operation": "status", "ids": []}, "body.ids"),
        ({"operation": "status", "ids": ["x"]}, "body.ids.0"),
        ({"operation": "status", "ids": [0]}, "body.ids.0"),
        ({"operation": "status", "status": "snoozed", "ids": [pk]}, "body.status"),
        ({"operation": "status", "ids": [pk], "force": True}, "body.force"),
    ]
    for body, field in cases:
        response = api.post("/conversations/bulk", body)
        assert response.status_code == 422, body
        assert field in field_errors(response), (body, field_errors(response))
    # Checks the schema cannot make: named as fields too.
    for body, field in [
        ({"operation": "assign", "ids": [pk]}, "assignee"),
        ({"operation": "status", "ids": [pk]}, "status"),
        ({"operation": "add_label", "label": 99_999, "ids": [pk]}, "label"),
        ({"operation": "move", "inbox": world.sales.pk, "ids": [pk]}, "inbox"),
        ({"operation": "merge", "ids": [pk]}, "ids"),
    ]:
        response = api.post("/conversations/bulk", body)
        assert response.status_code == 422, body
        assert list(field_errors(response)) == [f"body.{field}"], (body, field_errors(response))
    assert Conversation.objects.get(pk=pk).status == "open"


def test_assign_to_nobody_is_an_explicit_null(world, api_as):
    response = api_as(world.bob).post(
        "/conversations/bulk",
        {"operation": "assign", "assignee": None, "ids": [world.bob_conversation.pk]},
    )
    assert response.json()["done"] == [world.bob_conversation.pk]
    assert world.bob_conversation.assignees.count() == 0
