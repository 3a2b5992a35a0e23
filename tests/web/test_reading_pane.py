"""The conversation as the inbox's reading pane shows it: the same view as its page,
answering with the conversation alone (docs/web-app.md, "Reading pane")."""

import pytest

from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, ReadMark, Status
from postroom.inbox.queries import unread_among
from tests.web.test_conversation_queries import PAGE_QUERIES, _grow

SIDEBAR = '<nav class="sidebar"'


def _pane(client, conversation, **headers):
    return client.get(f"/c/{conversation.pk}/?pane=1", headers=headers)


def test_the_pane_is_the_conversation_without_the_app_around_it(world, client_for):
    response = _pane(client_for(world.bob), world.bob_conversation)
    assert response.status_code == 200
    body = response.content.decode()
    assert SIDEBAR not in body
    assert "<html" not in body and 'class="topbar"' not in body
    assert body.count('id="conversation"') == 1
    assert f'data-pane-url="/c/{world.bob_conversation.pk}/"' in body
    assert "Broken invoice" in body and "Hello, my invoice is wrong." in body
    assert 'id="reply-form"' in body and 'id="note-form"' in body
    assert response["Vary"].split(", ").count("HX-Target") == 1
    assert response["HX-Push-Url"] == "false"


def test_the_full_page_keeps_its_sidebar(world, client_for):
    response = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/")
    body = response.content.decode()
    assert SIDEBAR in body and "data-pane-url" not in body
    assert "HX-Push-Url" not in response


def test_an_htmx_request_aimed_at_the_pane_gets_the_pane(world, client_for):
    # The pane's forms post without ?pane=1; the redirect after the post keeps the header.
    bob = client_for(world.bob)
    body = bob.get(
        f"/c/{world.bob_conversation.pk}/",
        headers={"HX-Request": "true", "HX-Target": "reading-pane"},
    ).content.decode()
    assert SIDEBAR not in body and "data-pane-url" in body
    boosted = bob.get(
        f"/c/{world.bob_conversation.pk}/", headers={"HX-Request": "true", "HX-Target": "body"}
    ).content.decode()
    assert SIDEBAR in boosted


def test_charlie_gets_404_from_the_pane(world, client_for):
    response = _pane(client_for(world.charlie), world.bob_conversation)
    assert response.status_code == 404
    assert "Broken invoice" not in response.content.decode()


def test_dora_reads_the_pane_without_a_reply_form(world, client_for):
    body = _pane(client_for(world.dora), world.sales_conversation).content.decode()
    assert "Quote please" in body and "Can we get a quote for 10 seats?" in body
    assert 'id="reply-form"' not in body
    assert 'id="note-form"' in body  # view-only people still write notes
    assert 'data-status="closed"' not in body


def test_opening_the_pane_reads_the_conversation(world, client_for):
    pk = world.bob_conversation.pk
    assert unread_among(world.bob, [pk]) == {pk}
    _pane(client_for(world.bob), world.bob_conversation)
    assert unread_among(world.bob, [pk]) == set()
    mark = ReadMark.objects.get(user=world.bob, conversation=world.bob_conversation)
    assert mark.seen_at is not None and mark.marked_unread is False


def test_closing_from_the_pane_answers_with_the_pane(world, client_for):
    bob = client_for(world.bob)
    pane = {"HX-Request": "true", "HX-Target": "reading-pane"}
    url = f"/c/{world.bob_conversation.pk}/"
    response = bob.post(url, {"action": "status", "status": "closed"}, headers=pane, follow=True)
    assert response.redirect_chain == [(url, 302)]
    body = response.content.decode()
    assert SIDEBAR not in body
    assert '<span class="status-badge status-closed" data-testid="status">Closed</span>' in body
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == Status.CLOSED


def test_mark_unread_from_the_pane_leads_the_whole_page_back_to_the_list(world, client_for):
    bob = client_for(world.bob)
    pane = {"HX-Request": "true", "HX-Target": "reading-pane"}
    response = bob.post(f"/c/{world.bob_conversation.pk}/", {"action": "mark_unread"}, headers=pane)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/inbox/support/"


@pytest.mark.parametrize("persona", ["bob", "dora"])
def test_the_pane_costs_the_page_less_its_sidebar(
    world, client_for, django_assert_num_queries, persona
):
    actions.do_grant_access(
        world.support, user=world.dora, level=AccessLevel.VIEW, actor=world.alice
    )
    conversation = _grow(world, 6)
    client = client_for(getattr(world, persona))
    # The page's 38 less the sidebar's inboxes and counts (2), the unread badge and the
    # desktop preference (2).
    with django_assert_num_queries(PAGE_QUERIES - 4):
        response = _pane(client, conversation)
    assert response.status_code == 200


def test_the_inbox_page_holds_an_empty_pane(world, client_for):
    body = client_for(world.bob).get("/inbox/support/").content.decode()
    assert body.count('<section id="reading-pane"') == 1
    assert 'data-page-url="/c/0/"' in body
    assert "Select a conversation to read it here." in body
