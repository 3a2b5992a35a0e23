"""Full-text search from outside: every word of a conversation, in every language, with
operators, ranked, highlighted, and only within what the searcher may see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Conversation
from postroom.search.models import SearchDocument
from tests.api.conftest import ApiClient, token_for
from tests.searching import index_now


def _receive(world, subject, text, *, sender="erin@customer.test", inbox=None, **extra):
    return actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(sender=sender, subject=subject, text=text, **extra),
    ).conversation


def found(client, q: str) -> list[int]:
    page = client.get("/search/", {"q": q}).content.decode()
    return [int(pk) for pk in re.findall(r'<tr class="row" data-conversation="(\d+)"', page)]


@pytest.fixture
def alice(world, client_for):
    return client_for(world.alice)


def test_words_from_the_first_message_a_reply_and_a_note(world, alice):
    convo = world.bob_conversation
    index_now()
    assert found(alice, "wrong") == [convo.pk]  # the customer's first message
    actions.do_reply(convo, "We sent a corrected statement yesterday.", actor=world.bob)
    index_now()
    assert found(alice, "statement") == [convo.pk]  # our reply
    actions.do_add_note(convo, "Checked with accounting: refundable.", actor=world.bob)
    index_now()
    assert found(alice, "refundable") == [convo.pk]  # the internal note
    assert found(alice, "invoice.pdf") == [convo.pk]  # a file's name
    assert found(alice, "prospect") == [world.sales_conversation.pk]  # the customer's address
    assert found(alice, "nowhere") == []


def test_chinese_without_spaces_and_accents_either_way(world, alice):
    chinese = _receive(world, "请求", "你好，我需要上个月的发票，谢谢。")
    french = _receive(world, "Réunion", "Le café était fermé à Zürich.")
    index_now()
    assert found(alice, "发票") == [chinese.pk]
    assert found(alice, "月的发票") == [chinese.pk]
    assert found(alice, "票据") == []
    assert found(alice, "cafe") == [french.pk]
    assert found(alice, "CAFÉ zurich") == [french.pk]
    assert found(alice, "reunion") == [french.pk]


def test_a_number_finds_the_conversation_and_the_text(world, alice):
    order = _receive(world, "Where is my order", "Order 77812 has not arrived.")
    index_now()
    assert found(alice, "77812") == [order.pk]
    both = found(alice, str(world.sales_conversation.pk))
    assert both[0] == world.sales_conversation.pk
    page = alice.get("/search/", {"q": "77812"}).content.decode()
    assert "Order <mark>77812</mark> has not arrived." in page
    message = order.messages.get()
    assert f'href="/c/{order.pk}/#m{message.pk}"' in page


def test_phrases_exclusions_and_role_operators(world, alice):
    first = _receive(world, "Login", "The reset link expired again.", sender="ann@one.test")
    second = _receive(world, "Login", "Again the link: reset expired.", sender="ben@two.test")
    index_now()
    assert set(found(alice, "reset link")) == {first.pk, second.pk}
    assert found(alice, '"reset link"') == [first.pk]
    assert found(alice, "login -ben") == [first.pk]
    assert found(alice, "from:ann@one.test") == [first.pk]
    assert found(alice, "from:ben login") == [second.pk]
    assert found(alice, "to:support@example.test login") == []  # inbound mail: to lists
    reply = actions.do_reply(first, "Here is a new link.", actor=world.bob, cc=["cy@one.test"])
    assert reply is not None
    index_now()
    assert found(alice, "cc:cy@one.test") == [first.pk]
    assert found(alice, "to:ann@one.test") == [first.pk]


def test_state_operators(world, alice):
    convo, sale = world.bob_conversation, world.sales_conversation
    actions.do_add_label(sale, world.billing, actor=world.alice)
    actions.do_change_status(convo, "closed", actor=world.bob)
    later = _receive(world, "Plain", "Nothing attached here.")
    index_now()
    assert found(alice, "has:attachment") == [convo.pk]
    assert found(alice, "is:closed") == [convo.pk]
    assert found(alice, "inbox:sales") == [sale.pk]
    assert found(alice, "label:billing") == [sale.pk]
    assert found(alice, "assignee:bob") == [convo.pk]
    assert found(alice, "assignee:none inbox:support") == [later.pk]
    assert found(alice, "assignee:me") == []
    assert found(alice, "-is:closed inbox:support") == [later.pk]
    today = clock.now().date()
    assert set(found(alice, f"after:{today.isoformat()}")) == {convo.pk, sale.pk, later.pk}
    assert found(alice, f"before:{(today - timedelta(days=3)).isoformat()}") == []
    page = alice.get("/search/", {"q": "is:lost"}).content.decode()
    assert "Unknown status: lost." in page
    bad_date = alice.get("/search/", {"q": "after:tomorrow"}).content.decode()
    assert "Write the date as YYYY-MM-DD" in bad_date


def test_trash_and_spam_only_when_asked(world, alice):
    actions.do_change_status(world.bob_conversation, "trash", actor=world.bob)
    index_now()
    assert found(alice, "invoice") == []
    assert found(alice, "invoice is:trash") == [world.bob_conversation.pk]


def test_results_obey_inboxes_and_team_labels(world, client_for):
    secret = _receive(world, "Invoice for sales", "A sales invoice.", inbox=world.sales)
    night = actions.do_create_team(name="Night", members=[world.alice], actor=world.alice)
    hidden = actions.do_create_label(name="Escalated", teams=[night], actor=world.alice)
    actions.do_add_label(world.bob_conversation, hidden, actor=world.alice)
    index_now()
    bob, dora, charlie = (client_for(u) for u in (world.bob, world.dora, world.charlie))
    assert found(bob, "invoice") == [world.bob_conversation.pk]
    assert found(dora, "invoice") == [secret.pk]
    assert found(charlie, "invoice") == []
    assert found(charlie, str(world.bob_conversation.pk)) == []
    assert found(client_for(world.alice), "label:escalated") == [world.bob_conversation.pk]
    assert found(bob, "label:escalated") == []  # a label of a team he is not in
    actions.do_grant_access(world.sales, user=world.bob, level=AccessLevel.VIEW, actor=world.alice)
    assert set(found(bob, "invoice")) == {world.bob_conversation.pk, secret.pk}


def test_the_api_finds_the_same_within_the_same_limits(world):
    convo = world.bob_conversation
    note = actions.do_add_note(convo, "Customer called about the invoice again.", actor=world.bob)
    index_now()
    bob = ApiClient(token_for(world.bob))
    body = bob.get("/search", q="called").json()
    assert [(i["conversation"]["id"], i["matched"]) for i in body["items"]] == [
        (convo.pk, f"note:{note.pk}")
    ]
    assert body["items"][0]["snippet"] == "Customer <mark>called</mark> about the invoice again."
    assert ApiClient(token_for(world.charlie)).get("/search", q="called").json() == {"items": []}
    bad = bob.get("/search", q="is:lost")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "q"]
    assert bob.get("/search", q="").status_code == 422


def test_ranked_by_relevance_then_recency(world, alice):
    for n in range(8):  # a word in most documents weighs nothing (bm25's idf): make it rare
        _receive(world, f"Other {n}", "Nothing to do with it.", sender=f"o{n}@x.test")
    clock.freeze(clock.now() + timedelta(hours=1))
    once = _receive(world, "Question", "About shipping.")
    clock.freeze(clock.now() + timedelta(hours=1))
    often = _receive(world, "Shipping shipping", "Shipping to Norway: shipping costs?")
    clock.freeze(clock.now() + timedelta(hours=1))
    newer = _receive(world, "Question", "About shipping.", sender="fay@customer.test")
    index_now()
    assert found(alice, "shipping") == [often.pk, newer.pk, once.pk]


def test_the_index_follows_merges_splits_and_forgetting(world, alice):
    source = _receive(world, "Zeppelin", "A zeppelin question.", sender="carol@customer.test")
    target = world.bob_conversation
    actions.do_merge_conversations(target, source, actor=world.bob)
    index_now()
    assert found(alice, "zeppelin") == [target.pk]
    assert not SearchDocument.objects.filter(conversation_id=source.pk).exists()
    gone = _receive(world, "Private", "My secret word is bluebird.", sender="gus@private.test")
    index_now()
    assert found(alice, "bluebird") == [gone.pk]
    actions.do_forget_contact(gone.contact, mode="anonymise", actor=world.alice)
    index_now()
    assert found(alice, "bluebird") == []
    assert found(alice, "gus") == []
    assert Conversation.objects.filter(pk=gone.pk).exists()


def test_many_matches_are_read_a_window_at_a_time_and_weighed_among_the_newest(world, monkeypatch):
    """With windows of 3 and 4 conversations weighed: bob sees support@ only, so the
    newest sales@ matches are read and passed over; among the 4 newest support@ matches
    the one that says the word most comes first, then recency. A narrow operator takes
    the one-query way to the same answer."""
    from postroom.search import queries

    monkeypatch.setattr(queries, "RANKED", 4)
    monkeypatch.setattr(queries, "WINDOW", 3)
    monkeypatch.setattr(queries, "MAX_READ", 12)
    oldest_loud = _receive(world, "Harbour harbour", "Harbour, harbour, harbour.")
    clock.freeze(clock.now() + timedelta(minutes=1))
    support = []
    for n in range(6):
        inbox = world.support if n % 2 == 0 else world.sales
        made = _receive(world, f"Note {n}", f"One harbour word {n}.", inbox=inbox)
        if inbox == world.support:
            support.append(made)
        clock.freeze(clock.now() + timedelta(minutes=1))
    loud = _receive(world, "Harbour", "Harbour harbour harbour harbour.", inbox=world.support)
    index_now()
    # Support's matches, newest first: loud, support[2], support[1], support[0], oldest_loud.
    # The four newest are weighed: loud first (most), then the rest by recency;
    # oldest_loud, fifth, is not among them.
    expected = [loud.pk, support[2].pk, support[1].pk, support[0].pk]
    assert oldest_loud.pk not in expected
    assert [h.conversation.pk for h in queries.search(world.bob, "harbour")[1]] == expected
    reads: list[int] = []
    real = queries._passing

    def counted(qs, ids):  # type: ignore[no-untyped-def]
        reads.append(len(ids))
        return real(qs, ids)

    monkeypatch.setattr(queries, "_passing", counted)
    queries.search(world.bob, "harbour")
    assert reads == [3, 3, 2]  # 2 + 1 + 2 of support's passed: every match read
    reads.clear()
    monkeypatch.setattr(queries, "RANKED", 3)
    three = [h.conversation.pk for h in queries.search(world.bob, "harbour")[1]]
    assert (three, reads) == (expected[:3], [3, 3])  # three had passed: no more read
    monkeypatch.setattr(queries, "RANKED", 4)
    reads.clear()
    # Only bob's own conversation is assigned to him: too few pass, one query instead.
    assert [h.conversation.pk for h in queries.search(world.bob, "harbour inbox:sales")[1]] == []
    narrow = queries.search(world.alice, "harbour assignee:none inbox:support")[1]
    assert [h.conversation.pk for h in narrow] == expected
    assert [
        pk
        for pk, _score in queries._ranked_among_all(
            queries.Conversation.objects.filter(inbox=world.support),
            queries.Match((("harbour",),)),
            10,
        )
    ] == expected


def test_a_full_rebuild_indexes_everything_and_settles_the_index(world, alice):
    from postroom.search.indexer import reindex_all

    lost = _receive(world, "Lighthouse", "The lighthouse keeper wrote.")
    SearchDocument.objects.all().delete()  # as on an installation from before search
    assert found(alice, "lighthouse") == []
    assert reindex_all() == Conversation.objects.count()
    assert found(alice, "lighthouse") == [lost.pk]
