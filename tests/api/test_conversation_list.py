"""GET /conversations: filters, access, cursor pagination and a fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.queries import encode_cursor
from tests.api.conftest import field_errors, receive_many


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- what each persona sees -------------------------------------------------------------


def test_alice_lists_open_conversations_across_every_inbox_newest_first(world, api_as):
    response = api_as(world.alice).get("/conversations")

    assert ids(response) == [world.sales_conversation.pk, world.bob_conversation.pk]
    assert response.json()["next_cursor"] is None


def test_a_list_item_carries_the_triage_fields(world, api_as):
    [item] = api_as(world.bob).get("/conversations").json()["items"]

    assert item["inbox"] == "support"
    assert item["subject"] == "Broken invoice"
    assert item["status"] == "open"
    assert item["priority"] == "normal"
    assert item["contact"] == {"name": "Carol Customer", "email": "carol@customer.test"}
    assert [a["name"] for a in item["assignees"]] == ["Bob"]
    assert item["last_activity_at"].endswith("Z")


def test_charlies_list_holds_nothing_of_support(world, api_as):
    response = api_as(world.charlie).get("/conversations")

    assert ids(response) == []


def test_charlie_filtering_by_supports_slug_gets_404(world, api_as):
    response = api_as(world.charlie).get("/conversations", inbox="support")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_an_unknown_inbox_slug_is_404(world, api_as):
    assert api_as(world.alice).get("/conversations", inbox="nowhere").status_code == 404


def test_dora_lists_sales_only(world, api_as):
    assert ids(api_as(world.dora).get("/conversations")) == [world.sales_conversation.pk]


# --- filters ----------------------------------------------------------------------------


def test_filter_by_inbox_slug(world, api_as):
    response = api_as(world.alice).get("/conversations", inbox="support")

    assert ids(response) == [world.bob_conversation.pk]


def test_the_unassigned_view(world, api_as):
    response = api_as(world.alice).get("/conversations", view="unassigned")

    assert ids(response) == [world.sales_conversation.pk]


def test_the_mine_view(world, api_as):
    assert ids(api_as(world.bob).get("/conversations", view="mine")) == [world.bob_conversation.pk]


def test_a_status_without_a_view_lists_that_status(world, api_as):
    actions.do_change_status(world.sales_conversation, "closed", actor=world.alice)

    response = api_as(world.alice).get("/conversations", status="closed")

    assert ids(response) == [world.sales_conversation.pk]


def test_assignee_me_is_the_caller(world, api_as):
    response = api_as(world.bob).get("/conversations", assignee="me")

    assert ids(response) == [world.bob_conversation.pk]


def test_assignee_by_id(world, api_as):
    response = api_as(world.alice).get("/conversations", assignee=str(world.bob.pk))

    assert ids(response) == [world.bob_conversation.pk]


def test_filter_by_label(world, api_as):
    actions.do_add_label(world.sales_conversation, world.billing, actor=world.alice)

    response = api_as(world.alice).get("/conversations", label=world.billing.pk)

    assert ids(response) == [world.sales_conversation.pk]


def test_an_unknown_view_is_422_naming_view(world, api_as):
    errors = field_errors(api_as(world.alice).get("/conversations", view="everything"))

    assert "query.view" in errors


def test_an_assignee_that_is_not_an_id_is_422_naming_assignee(world, api_as):
    errors = field_errors(api_as(world.alice).get("/conversations", assignee="bob"))

    assert "query.assignee" in errors


# --- limits and cursors -----------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_a_limit_outside_1_to_100_is_422_naming_limit(world, api_as, limit):
    errors = field_errors(api_as(world.alice).get("/conversations", limit=limit))

    assert list(errors) == ["query.limit"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "!!!", "MjAyNHxhYmM"])
def test_a_bad_cursor_is_422_naming_cursor(world, api_as, cursor):
    errors = field_errors(api_as(world.alice).get("/conversations", cursor=cursor))

    assert list(errors) == ["query.cursor"]


def test_a_cursor_with_a_naive_time_is_422_naming_cursor(world, api_as):
    world.bob_conversation.last_activity_at = world.bob_conversation.last_activity_at.replace(
        tzinfo=None
    )
    cursor = encode_cursor(world.bob_conversation)

    errors = field_errors(api_as(world.alice).get("/conversations", cursor=cursor))

    assert list(errors) == ["query.cursor"]


def test_cursor_pagination_walks_every_conversation_exactly_once(world, api_as):
    start = clock.now() - timedelta(hours=1)
    spaced = receive_many(world.support, 5, start=start, step=timedelta(minutes=1))
    # Four sharing one instant: the id breaks the tie, so none is skipped or repeated.
    tied = receive_many(world.support, 4, start=start + timedelta(minutes=30), step=timedelta())
    alice = api_as(world.alice)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        body = alice.get("/conversations", limit=3, cursor=cursor).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    everything = {*spaced, *tied, world.bob_conversation.pk, world.sales_conversation.pk}
    assert sorted(seen) == sorted(everything)
    assert len(seen) == len(everything) == 11
    assert pages == 4


def test_the_last_page_has_no_next_cursor(world, api_as):
    body = api_as(world.alice).get("/conversations", limit=2).json()

    assert len(body["items"]) == 2
    assert body["next_cursor"] is None


def _queries_for(client, limit: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/conversations", inbox="support", limit=limit)
    assert len(response.json()["items"]) == limit
    return len(captured)


@pytest.fixture
def busy_support(world):
    """Sixty support conversations, each with an assignee and a label, as bob would see."""
    start = clock.now() - timedelta(hours=3)
    for pk in receive_many(world.support, 60, start=start, step=timedelta(seconds=30)):
        conversation = world.support.conversations.get(pk=pk)
        actions.do_assign(conversation, users=[world.bob], actor=world.alice)
        actions.do_add_label(conversation, world.billing, actor=world.alice)
    return world


def test_a_page_costs_the_same_queries_for_5_and_for_50_items(busy_support, api_as):
    bob = api_as(busy_support.bob)
    bob.get("/inboxes")  # records the token's first use, so it is not counted below

    assert _queries_for(bob, 5) == _queries_for(bob, 50)


def test_a_page_of_one_inbox_takes_seven_queries(busy_support, api_as, django_assert_num_queries):
    bob = api_as(busy_support.bob)
    bob.get("/inboxes")

    # The token and its user; the inbox; bob's level; the page; its assignees; its labels;
    # the other inboxes its conversations are in.
    with django_assert_num_queries(7):
        small = bob.get("/conversations", inbox="support", limit=5)
    with django_assert_num_queries(7):
        large = bob.get("/conversations", inbox="support", limit=50)

    assert len(small.json()["items"]) == 5
    assert len(large.json()["items"]) == 50


def test_an_assignee_no_teammate_is_is_404_as_for_a_label(world, api_as):
    assert api_as(world.alice).get("/conversations", assignee="987654").status_code == 404
