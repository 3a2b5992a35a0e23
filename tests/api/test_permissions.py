"""The permission matrix, from outside: no access looks exactly like no such object."""

from __future__ import annotations

import pytest

from postroom.inbox import actions
from postroom.inbox.models import Activity, InboxAccess, Note


def conversation_endpoints(world) -> dict[str, tuple[str, str, dict | None]]:
    """Every endpoint that takes a conversation id, with a body that would work for bob."""
    base = f"/conversations/{world.bob_conversation.pk}"
    return {
        "read": ("get", base, None),
        "assign": ("post", f"{base}/assign", {"users": [world.bob.pk]}),
        "unassign": ("post", f"{base}/unassign", {"everyone": True}),
        "add label": ("post", f"{base}/labels", {"label": world.billing.pk}),
        "remove label": ("delete", f"{base}/labels/{world.billing.pk}", None),
        "status": ("post", f"{base}/status", {"status": "closed"}),
        "priority": ("post", f"{base}/priority", {"priority": "high"}),
        "snooze": ("post", f"{base}/snooze", {"until": "2999-01-01T09:00:00+00:00"}),
        "note": ("post", f"{base}/notes", {"body": "A note"}),
        "follow": ("post", f"{base}/follow", None),
        "unfollow": ("delete", f"{base}/follow", None),
        "reply": ("post", f"{base}/replies", {"body": "A reply"}),
    }


ENDPOINTS = [
    "read",
    "assign",
    "unassign",
    "add label",
    "remove label",
    "status",
    "priority",
    "snooze",
    "note",
    "follow",
    "unfollow",
    "reply",
]


def call(client, method: str, path: str, body: dict | None):
    if method == "get":
        return client.get(path)
    if method == "delete":
        return client.delete(path)
    return client.post(path, body)


def test_the_matrix_covers_every_conversation_endpoint(world):
    assert sorted(conversation_endpoints(world)) == sorted(ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_charlie_gets_404_on_bobs_conversation(world, api_as, endpoint):
    charlie = api_as(world.charlie)
    before = Activity.objects.count()

    response = call(charlie, *conversation_endpoints(world)[endpoint])

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert Activity.objects.count() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_bob_succeeds_on_his_own_conversation(world, api_as, endpoint):
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)

    response = call(api_as(world.bob), *conversation_endpoints(world)[endpoint])

    assert response.status_code in (200, 201), response.content


def test_removing_bobs_grant_makes_his_next_request_404(world, api_as):
    bob = api_as(world.bob)
    assert bob.get(f"/conversations/{world.bob_conversation.pk}").status_code == 200
    grant = InboxAccess.objects.get(inbox=world.support, user=world.bob)

    actions.do_revoke_access(grant, actor=world.alice)

    assert bob.get(f"/conversations/{world.bob_conversation.pk}").status_code == 404


def test_after_revocation_bob_can_no_longer_write(world, api_as):
    bob = api_as(world.bob)
    actions.do_revoke_access(
        InboxAccess.objects.get(inbox=world.support, user=world.bob), actor=world.alice
    )

    response = bob.post(f"/conversations/{world.bob_conversation.pk}/notes", {"body": "hi"})

    assert response.status_code == 404
    assert not Note.objects.exists()


def test_after_revocation_bobs_list_is_empty(world, api_as):
    bob = api_as(world.bob)
    actions.do_revoke_access(
        InboxAccess.objects.get(inbox=world.support, user=world.bob), actor=world.alice
    )

    assert bob.get("/conversations").json()["items"] == []
    assert bob.get("/inboxes").json() == []


# --- a label restricted to a team ------------------------------------------------------


@pytest.fixture
def refunds(world):
    """ "Refunds" is visible to the Finance team (dora) only; it is on bob's conversation."""
    finance = actions.do_create_team(name="Finance", members=[world.dora], actor=world.alice)
    label = actions.do_create_label(name="Refunds", teams=[finance], actor=world.alice)
    actions.do_add_label(world.bob_conversation, label, actor=world.alice)
    return label


def test_a_team_label_is_absent_from_a_non_members_conversation(world, api_as, refunds):
    body = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()

    assert body["labels"] == []


def test_a_team_label_is_absent_from_a_non_members_list(world, api_as, refunds):
    [item] = api_as(world.bob).get("/conversations").json()["items"]

    assert item["labels"] == []


def test_filtering_by_a_team_label_is_404_for_a_non_member(world, api_as, refunds):
    assert api_as(world.bob).get("/conversations", label=refunds.pk).status_code == 404


def test_adding_a_team_label_is_404_for_a_non_member(world, api_as, refunds):
    response = api_as(world.bob).post(
        f"/conversations/{world.sales_conversation.pk}/labels", {"label": refunds.pk}
    )

    assert response.status_code == 404


def test_removing_a_team_label_is_404_for_a_non_member(world, api_as, refunds):
    response = api_as(world.bob).delete(
        f"/conversations/{world.bob_conversation.pk}/labels/{refunds.pk}"
    )

    assert response.status_code == 404
    assert world.bob_conversation.labels.filter(pk=refunds.pk).exists()


def test_a_team_member_sees_the_team_label(world, api_as, refunds):
    finance = refunds.teams.get()
    actions.do_set_team_members(finance, [world.dora, world.bob], actor=world.alice)

    body = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()

    assert [label["name"] for label in body["labels"]] == ["Refunds"]


def test_attachments_download_with_a_token_and_obey_access(world, api_as):
    attachment = world.bob_conversation.messages.first().attachments.first()
    url = f"/attachments/{attachment.pk}"
    response = api_as(world.bob).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert api_as(world.charlie).get(url).status_code == 404
    assert api_as(world.dora).get(url).status_code == 404
