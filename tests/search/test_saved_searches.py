"""Saved searches as views in the sidebar, from outside: each person's own, shared ones
for everyone, and every count within the viewer's own access."""

from __future__ import annotations

import re

from postroom.inbox import actions
from postroom.search.models import SavedSearch
from tests.searching import index_now


def _sidebar(client) -> list[tuple[str, str]]:
    html = client.get("/search/saved/").content.decode()
    return re.findall(
        r"<span>([^<]+?)(?: <span[^>]*>·</span>)?</span><span class=\"count\"[^>]*>([^<]+)</span>",
        html,
    )


def _save(client, name: str, query: str):
    return client.post("/search/saved/", {"action": "save", "name": name, "query": query})


def test_a_saved_search_is_a_view_with_its_count(world, client_for):
    actions.do_receive_message(
        world.sales,
        actions.InboundMessage(sender="zed@prospect.test", subject="Invoice for sales", text="x"),
    )
    index_now()
    alice, bob = client_for(world.alice), client_for(world.bob)
    response = _save(alice, "Invoices", "invoice")
    assert (response.status_code, response["Location"]) == (302, "/search/?q=invoice")
    assert _sidebar(alice) == [("Invoices", "2")]
    assert _sidebar(bob) == []  # alice's own
    view = SavedSearch.objects.get()
    assert (view.owner, view.name, view.query, view.shared) == (
        world.alice,
        "Invoices",
        "invoice",
        False,
    )
    assert alice.post("/search/saved/", {"action": "share", "search": view.pk}).status_code == 302
    assert _sidebar(bob) == [("Invoices", "1")]  # shared: the words, never the access
    assert _sidebar(client_for(world.charlie)) == [("Invoices", "0")]
    assert "Saved searches" in alice.get("/search/?q=invoice").content.decode()


def test_only_the_owner_deletes_and_only_admins_share(world, client_for):
    bob, dora = client_for(world.bob), client_for(world.dora)
    _save(bob, "Mine", "invoice is:open")
    view = SavedSearch.objects.get()
    assert dora.post("/search/saved/", {"action": "delete", "search": view.pk}).status_code == 404
    assert bob.post("/search/saved/", {"action": "share", "search": view.pk}).status_code == 404
    alice = client_for(world.alice)
    # An admin shares only what she sees: bob's personal view is not hers to find.
    assert alice.post("/search/saved/", {"action": "share", "search": view.pk}).status_code == 404
    assert SavedSearch.objects.filter(shared=False).count() == 1
    assert bob.post("/search/saved/", {"action": "delete", "search": view.pk}).status_code == 302
    assert SavedSearch.objects.count() == 0


def test_bad_views_are_refused_with_the_reason(world, client_for):
    bob = client_for(world.bob)
    page = bob.get(_save(bob, "Lost", "is:lost")["Location"]).content.decode()
    assert "query: Unknown status: lost." in page
    _save(bob, "Mine", "invoice")
    page = bob.get(_save(bob, "Mine", "refund")["Location"]).content.decode()
    assert "name: You have a view with this name." in page
    page = bob.get(_save(bob, "", "refund")["Location"]).content.decode()
    assert "name: Give the view a name." in page
    assert list(SavedSearch.objects.values_list("name", "query")) == [("Mine", "invoice")]


def test_signed_out_is_sent_to_sign_in(db, client):
    assert client.get("/search/saved/").status_code == 302
    assert client.post("/search/saved/", {"name": "x", "query": "y"}).status_code == 302
    assert SavedSearch.objects.count() == 0
