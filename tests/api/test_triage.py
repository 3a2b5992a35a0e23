"""Assign, label, status, priority, snooze: every inbox member may triage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Activity, Conversation, Priority, Status
from tests.api.conftest import field_errors


def url(conversation: Conversation, action: str) -> str:
    return f"/conversations/{conversation.pk}/{action}"


# --- assign -----------------------------------------------------------------------------


def test_bob_adds_alice_as_an_assignee(world, api_as):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "assign"), {"users": [world.alice.pk]}
    )

    assert response.status_code == 200
    assert [a["name"] for a in response.json()["assignees"]] == ["Alice", "Bob"]


def test_assign_with_replace_keeps_only_those_listed(world, api_as):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "assign"), {"users": [world.alice.pk], "replace": True}
    )

    assert [a["name"] for a in response.json()["assignees"]] == ["Alice"]


def test_assign_a_team(world, api_as):
    tier2 = actions.do_create_team(name="Tier 2", members=[world.bob], actor=world.alice)
    actions.do_grant_access(world.support, team=tier2, level=AccessLevel.VIEW, actor=world.alice)

    response = api_as(world.alice).post(url(world.bob_conversation, "assign"), {"team": tier2.pk})

    assert response.json()["team"] == {"id": tier2.pk, "name": "Tier 2"}


def test_a_team_without_access_to_the_inbox_cannot_be_assigned(world, api_as):
    outsiders = actions.do_create_team(name="Outsiders", actor=world.alice)

    response = api_as(world.alice).post(
        url(world.bob_conversation, "assign"), {"team": outsiders.pk}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "team"]


def test_the_assignment_is_recorded_with_the_token_owner_as_actor(world, api_as):
    api_as(world.bob).post(url(world.bob_conversation, "assign"), {"users": [world.alice.pk]})

    activity = Activity.objects.filter(conversation=world.bob_conversation).latest("id")
    assert (activity.verb, activity.actor) == ("conversation.assigned", world.bob)


def test_assigning_someone_without_access_is_422_naming_users(world, api_as):
    response = api_as(world.alice).post(
        url(world.bob_conversation, "assign"), {"users": [world.charlie.pk]}
    )

    assert "body.users" in field_errors(response)


def test_assigning_an_unknown_teammate_is_422_naming_users(world, api_as):
    response = api_as(world.alice).post(url(world.bob_conversation, "assign"), {"users": [987654]})

    assert "body.users" in field_errors(response)


def test_assigning_an_unknown_team_is_422_naming_team(world, api_as):
    response = api_as(world.alice).post(url(world.bob_conversation, "assign"), {"team": 987654})

    assert "body.team" in field_errors(response)


def test_unassign_one_teammate(world, api_as):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "unassign"), {"user": world.bob.pk}
    )

    assert response.json()["assignees"] == []


def test_unassign_everyone_removes_every_assignee(world, api_as):
    actions.do_assign(world.bob_conversation, users=[world.alice], actor=world.alice)

    response = api_as(world.bob).post(url(world.bob_conversation, "unassign"), {"everyone": True})

    assert response.json()["assignees"] == []
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.is_assigned is False


# --- labels -----------------------------------------------------------------------------


def test_bob_labels_a_conversation(world, api_as):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "labels"), {"label": world.billing.pk}
    )

    assert [label["name"] for label in response.json()["labels"]] == ["Billing"]


def test_bob_removes_a_label(world, api_as):
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)

    response = api_as(world.bob).delete(
        f"/conversations/{world.bob_conversation.pk}/labels/{world.billing.pk}"
    )

    assert response.status_code == 200
    assert response.json()["labels"] == []


def test_an_unknown_label_is_404(world, api_as):
    response = api_as(world.bob).post(url(world.bob_conversation, "labels"), {"label": 987654})

    assert response.status_code == 404


# --- status, priority, snooze -----------------------------------------------------------


def test_bob_closes_a_conversation(world, api_as):
    response = api_as(world.bob).post(url(world.bob_conversation, "status"), {"status": "closed"})

    assert response.json()["status"] == "closed"
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == Status.CLOSED


@pytest.mark.parametrize("status", ["done", "snoozed", "", None])
def test_a_bad_status_is_422_naming_status(world, api_as, status):
    response = api_as(world.bob).post(url(world.bob_conversation, "status"), {"status": status})

    assert list(field_errors(response)) == ["body.status"]


def test_dora_with_view_only_may_not_triage_sales(world, api_as):
    response = api_as(world.dora).post(
        url(world.sales_conversation, "priority"), {"priority": "urgent"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You need reply on behalf on Sales to change the priority of conversations.",
        "action": "do_set_priority",
        "needed": "reply_on_behalf",
        "inbox": "sales",
    }
    world.sales_conversation.refresh_from_db()
    assert world.sales_conversation.priority == Priority.NORMAL


@pytest.mark.parametrize("priority", ["critical", 3, "URGENT"])
def test_a_bad_priority_is_422_naming_priority(world, api_as, priority):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "priority"), {"priority": priority}
    )

    assert list(field_errors(response)) == ["body.priority"]


def test_bob_snoozes_until_a_time_with_an_offset_and_reads_it_back_in_utc(world, api_as):
    until = (clock.now() + timedelta(days=1)).replace(microsecond=0)
    sent = until.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert sent.endswith("+02:00")

    response = api_as(world.bob).post(url(world.bob_conversation, "snooze"), {"until": sent})

    body = response.json()
    assert body["status"] == "snoozed"
    assert body["snoozed_until"] == until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_snoozing_with_a_naive_time_is_422_naming_until(world, api_as):
    naive = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()

    response = api_as(world.bob).post(url(world.bob_conversation, "snooze"), {"until": naive})

    assert list(field_errors(response)) == ["body.until"]


def test_snoozing_until_a_past_time_is_422_naming_until(world, api_as):
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    response = api_as(world.bob).post(url(world.bob_conversation, "snooze"), {"until": past})

    assert list(field_errors(response)) == ["body.until"]


def test_snoozing_until_something_that_is_not_a_time_is_422_naming_until(world, api_as):
    response = api_as(world.bob).post(
        url(world.bob_conversation, "snooze"), {"until": "next tuesday"}
    )

    assert list(field_errors(response)) == ["body.until"]
