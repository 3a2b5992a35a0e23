"""/conversations/{id}/ratings: the customer's ratings, for whoever sees the conversation."""

from __future__ import annotations

from datetime import timedelta

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import contact_actor


def _rated(conversation, author, *scores):
    """One reply per score, each rated by the conversation's customer."""
    replies = []
    for n, score in enumerate(scores):
        clock.freeze(clock.now().replace(microsecond=0) + timedelta(minutes=n + 1))
        reply = actions.do_reply(conversation, f"Answer {n}", actor=author)
        actions.do_record_rating(
            reply, score, f"comment {n}", actor=contact_actor(conversation.contact)
        )
        replies.append(reply)
    return replies


def test_alice_lists_the_latest_rating_of_each_reply(world, api_as):
    conversation = world.bob_conversation
    first, second = _rated(conversation, world.bob, "bad", "okay")
    actions.do_record_rating(first, "good", "", actor=contact_actor(conversation.contact))
    response = api_as(world.alice).get(f"/conversations/{conversation.pk}/ratings")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["message_id"], r["score"], r["comment"], r["inbox"]) for r in body] == [
        (first.pk, "good", "", "support"),
        (second.pk, "okay", "comment 1", "support"),
    ]
    assert body[0]["conversation_id"] == conversation.pk
    assert body[0]["contact_id"] == conversation.contact_id


def test_view_only_dora_reads_them_on_sales(world, api_as):
    conversation = world.sales_conversation
    [reply] = _rated(conversation, world.alice, "good")
    response = api_as(world.dora).get(f"/conversations/{conversation.pk}/ratings")
    assert response.status_code == 200
    assert [r["message_id"] for r in response.json()] == [reply.pk]


def test_charlie_and_dora_on_support_get_404(world, api_as):
    conversation = world.bob_conversation
    _rated(conversation, world.bob, "good")
    for user in (world.charlie, world.dora):
        response = api_as(user).get(f"/conversations/{conversation.pk}/ratings")
        assert response.status_code == 404, user
