"""GET /inboxes: what each persona sees, at which level, with view counts."""

from __future__ import annotations


def test_alice_the_owner_manages_every_inbox(world, api_as):
    inboxes = api_as(world.alice).get("/inboxes").json()

    assert [(i["slug"], i["level"]) for i in inboxes] == [
        ("sales", "manage"),
        ("support", "manage"),
    ]


def test_bob_sees_only_support_at_reply_on_behalf(world, api_as):
    [support] = api_as(world.bob).get("/inboxes").json()

    assert support["slug"] == "support"
    assert support["address"] == "support@example.test"
    assert support["level"] == "reply_on_behalf"


def test_bobs_counts_include_his_own_assignment(world, api_as):
    [support] = api_as(world.bob).get("/inboxes").json()

    assert support["counts"] == {
        "unassigned": 0,
        "mine": 1,
        "open": 1,
        "pending": 0,
        "snoozed": 0,
        "closed": 0,
        "spam": 0,
        "trash": 0,
    }


def test_dora_sees_sales_at_view(world, api_as):
    [sales] = api_as(world.dora).get("/inboxes").json()

    assert (sales["slug"], sales["level"]) == ("sales", "view")
    assert sales["counts"]["unassigned"] == 1


def test_charlie_sees_no_inbox(world, api_as):
    assert api_as(world.charlie).get("/inboxes").json() == []
