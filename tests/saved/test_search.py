"""The picker's search (typed words, a tag, ranked against the customer's message, the
first 50) reads a term index; its results are exactly those of ranking every usable
saved reply (``offered``) and then filtering and cutting."""

from __future__ import annotations

import random

import pytest

from postroom.inbox import actions
from postroom.inbox.models import Conversation
from postroom.saved.queries import PICKER_LIMIT, offered, search

VOCABULARY = [
    "refund",
    "invoice",
    "order",
    "delivery",
    "password",
    "login",
    "broken",
    "cancel",
    "upgrade",
    "contract",
    "quote",
    "urgent",
    "shipping",
    "return",
    "warranty",
    "billing",
    "seats",
    "discount",
    "trial",
    "renewal",
]


def _reference(user, conversation, typed="", tag="", limit=PICKER_LIMIT):
    parts = typed.lower().split()
    kept = [
        o.saved_reply.pk
        for o in offered(user, conversation)
        if all(p in f"{o.saved_reply.title}\n{o.saved_reply.body}".lower() for p in parts)
        and (not tag or tag in o.saved_reply.tags)
    ]
    return kept[:limit] if limit is not None else kept


@pytest.fixture
def many(world):
    night = actions.do_create_team(name="Night", members=[world.bob], actor=world.alice)
    rng = random.Random(3)
    for n in range(180):
        scope = ("everyone", "team", "personal")[n % 3]
        text = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randrange(3, 25)))
        actions.do_save_saved_reply(
            None,
            title=f"{rng.choice(VOCABULARY).title()} {n}",
            body=f"Hi {{{{ contact.first_name }}}}, {text}.",
            scope=scope,
            team=night if scope == "team" else None,
            tags=[rng.choice(["sales", "support", "billing"])],
            inboxes=([world.support] if n % 5 == 0 else [world.sales] if n % 7 == 0 else [])
            if scope == "everyone"
            else [],
            actor=world.bob if scope != "everyone" else world.alice,
        )
    return night


@pytest.mark.parametrize("typed", ["", "refund", "INVOICE order", "re", "nothing-like-it"])
@pytest.mark.parametrize("tag", ["", "sales"])
def test_the_indexed_search_is_the_ranked_list_filtered(world, many, typed, tag):
    for user, conversation in (
        (world.bob, world.bob_conversation),
        (world.alice, world.sales_conversation),
        (world.dora, world.sales_conversation),
    ):
        conversation = Conversation.objects.get(pk=conversation.pk)
        found = search(user, conversation, typed, tag=tag)
        assert [o.saved_reply.pk for o in found.offered] == _reference(
            user, conversation, typed, tag
        )
        assert found.matching == len(_reference(user, conversation, typed, tag, None))
    everything = search(world.bob, world.bob_conversation, typed, tag=tag, limit=None)
    assert [o.saved_reply.pk for o in everything.offered] == _reference(
        world.bob, world.bob_conversation, typed, tag, None
    )


def test_a_changed_reply_is_searched_as_it_is_now(world, many):
    conversation = world.bob_conversation
    before = search(world.bob, conversation, "zeppelin")
    assert (before.offered, before.matching) == ([], 0)
    first = offered(world.bob, conversation)[-1].saved_reply
    actions.do_save_saved_reply(
        first,
        title=first.title,
        body="My invoice is wrong, zeppelin",  # the customer wrote "my invoice is wrong"
        scope=first.scope,
        team=first.team,
        actor=world.bob,
    )
    after = search(world.bob, conversation, "zeppelin")
    assert [o.saved_reply.pk for o in after.offered] == [first.pk]
    assert [o.saved_reply.pk for o in search(world.bob, conversation).offered] == _reference(
        world.bob, conversation
    )
    actions.do_delete_saved_reply(first, actor=world.bob)
    assert search(world.bob, conversation, "zeppelin").offered == []


def test_the_picker_asks_the_server_with_the_typed_words(world, many, client_for):
    url = f"/c/{world.bob_conversation.pk}/saved-replies/"
    bob = client_for(world.bob)
    data = bob.get(url, {"q": "refund", "tag": "sales"}).json()
    assert [r["id"] for r in data["saved_replies"]] == _reference(
        world.bob, world.bob_conversation, "refund", "sales"
    )
    assert data["tags"] == ["billing", "sales", "support"]
    assert len(bob.get(url).json()["saved_replies"]) == PICKER_LIMIT


def test_a_use_moves_a_reply_up_at_the_next_search(world, many):
    conversation = Conversation.objects.get(pk=world.bob_conversation.pk)
    before = [o.saved_reply for o in search(world.bob, conversation, limit=None).offered]
    last = before[-1]
    for _ in range(max(r.usage_count for r in before) + 1):
        actions.do_record_saved_reply_use(conversation, last, actor=world.bob)
    after = [o.saved_reply.pk for o in search(world.bob, conversation, limit=None).offered]
    assert after == _reference(world.bob, conversation, limit=None)
    assert after.index(last.pk) < len(before) - 1
