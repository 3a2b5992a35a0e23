"""The cache of rendered inbox pages, from the outside: what a second request is served.

A cached page must be exactly what a fresh render would show, for that viewer only; any
write that changes it must show on the next request; access is checked every time.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.models import Contact, InboxAccess, Status

pytestmark = pytest.mark.django_db

URL = "/inbox/support/?view=open"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _without_token(html: str) -> str:
    html = TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


def test_a_repeated_request_is_served_from_the_cache_and_matches_a_fresh_render(
    world, client_for, django_assert_max_num_queries
):
    bob = client_for(world.bob)
    first = bob.get(URL).content.decode()
    # The user, access, the versions, and the viewer's unread rows (never stored).
    with django_assert_max_num_queries(4):
        second = bob.get(URL).content.decode()
    assert _without_token(second) == _without_token(first)  # tokens are masked anew
    caches["pages"].clear()
    fresh = bob.get(URL).content.decode()
    assert _without_token(fresh) == _without_token(second)
    assert "Broken invoice" in second


def test_every_kind_of_change_shows_on_the_next_request(world, client_for):
    bob = client_for(world.bob)
    convo = world.bob_conversation
    page = lambda: bob.get(URL).content.decode()  # noqa: E731

    def open_count(html: str) -> int:
        link = html.split('data-view="open"')[1]
        return int(link.split('class="count">')[1].split("<")[0])

    before = open_count(page())
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="new@customer.test", subject="Printer on fire", text="Help"),
    )
    html = page()
    assert "Printer on fire" in html
    assert open_count(html) == before + 1  # the kept page gets the new count
    actions.do_add_label(convo, world.billing, actor=world.alice)
    assert "💳 Billing" in page().split('id="conversation-list"')[1]
    Contact.objects.filter(pk=convo.contact_id).update(name="Carol Renamed")
    assert "Carol Renamed" in page()
    actions.do_update_label(
        world.billing, name="Invoices", color="#000000", icon="", teams=[], actor=world.alice
    )
    html = page()
    assert "Invoices" in html and "Billing" not in html
    actions.do_update_profile(world.bob, name="Robert", actor=world.bob)
    assert 'title="Robert"' in page()
    actions.do_change_status(convo, Status.CLOSED, actor=world.alice)
    assert f'data-conversation="{convo.pk}"' not in page()


def test_the_cache_never_serves_one_viewer_what_another_sees(world, client_for):
    # Alice and Bob see the same inbox; Bob's "Mine" and sidebar count are his own.
    bob, alice = client_for(world.bob), client_for(world.alice)
    mine = "/inbox/support/?view=mine"
    bob_page = bob.get(mine).content.decode()
    alice_page = alice.get(mine).content.decode()
    assert "Broken invoice" in bob_page
    assert "Broken invoice" not in alice_page
    assert _without_token(bob.get(mine).content.decode()) == _without_token(bob_page)


def test_each_session_gets_its_own_working_csrf_token(world):
    sessions = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.bob)
        html = client.get(URL).content.decode()
        sessions.append((client, TOKEN.search(html).group(1)))
    (_, first_token), (second, second_token) = sessions
    assert first_token != second_token
    assert "csrfplaceholder" not in second.get(URL).content.decode()
    # The token in the cached page works for its own session (a note through the form).
    response = second.post(
        f"/c/{world.bob_conversation.pk}/",
        {"action": "note", "body": "Checked", "csrfmiddlewaretoken": second_token},
    )
    assert response.status_code in (200, 302)
    assert world.bob_conversation.notes.filter(body="Checked").exists()


def test_access_is_checked_on_every_request_not_cached(world, client_for):
    bob = client_for(world.bob)
    assert bob.get(URL).status_code == 200
    assert bob.get(URL).status_code == 200  # cached now
    actions.do_revoke_access(InboxAccess.objects.get(user=world.bob), actor=world.alice)
    assert bob.get(URL).status_code == 404


def test_a_label_limited_to_another_team_is_gone_at_once(world, client_for):
    team = actions.do_create_team(name="Finance", members=[world.bob], actor=world.alice)
    actions.do_update_label(
        world.billing, name="Billing", color="#d97706", icon="", teams=[team], actor=world.alice
    )
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)
    bob = client_for(world.bob)
    label_url = f"/inbox/support/?label={world.billing.pk}"
    assert bob.get(label_url).status_code == 200
    assert "Billing" in bob.get(URL).content.decode()
    actions.do_set_team_members(team, [], actor=world.alice)
    assert bob.get(label_url).status_code == 404
    assert "Billing" not in bob.get(URL).content.decode()


def test_flash_messages_are_shown_once_and_never_stored(world, client_for):
    bob = client_for(world.bob)
    bob.get(URL)
    response = bob.post("/settings/", {"form": "profile", "name": "Bob", "time_zone": "UTC"})
    assert response.status_code in (200, 302)
    flashed = bob.get(URL).content.decode()
    assert "Settings saved." in flashed
    assert "Settings saved." not in bob.get(URL).content.decode()


def test_agents_share_the_rendered_rows_but_not_their_pages(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from postroom.inbox.models import AccessLevel
    from tests.conftest import make_user

    erin = make_user("erin")
    actions.do_grant_access(
        world.support, user=erin, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    bob, erin_client = client_for(world.bob), client_for(erin)

    def queries(client):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(URL).content.decode()
        return len(ctx.captured_queries), html

    bob_queries, bob_page = queries(bob)
    erin_queries, erin_page = queries(erin_client)
    # Erin's page is her own (her name in the sidebar) but its rows were Bob's: the three
    # queries that read the rows (the rows, their reply-time targets) are not run again.
    assert erin_queries == bob_queries - 3
    rows = lambda html: html.split('id="conversation-list"')[1]  # noqa: E731
    assert rows(erin_page) == rows(bob_page)
    assert "Erin" in erin_page and "Erin" not in bob_page


def test_the_unread_badge_follows_on_a_cached_page(world, client_for):
    from postroom.core import clock
    from postroom.notifications.models import Notification

    bob = client_for(world.bob)
    badge = lambda: bob.get(URL).content.decode().split('data-testid="unread">')[1][:2]  # noqa: E731
    assert badge() == "0<"
    Notification.objects.create(
        user=world.bob,
        kind="assigned",
        conversation=world.bob_conversation,
        actor=world.alice,
        text="Alice assigned you",
        created_at=clock.now(),
    )
    assert badge() == "1<"
    bob.post("/notifications/", {"all": "1"})
    assert badge() == "0<"
