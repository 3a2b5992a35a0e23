"""Pages render, act through their forms, and the list page has a fixed query count."""

from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Activity, Message, Status


def test_login_with_own_password(world, client):
    from tests.conftest import PASSWORD

    response = client.post("/login/", {"username": "bob@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/inbox/support/"


def test_wrong_password_is_refused(world, client):
    response = client.post("/login/", {"username": "bob@example.test", "password": "nope"})
    assert response.status_code == 200 and "wrong" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/inbox/support/",
        "/inbox/support/?view=unassigned",
        "/inbox/support/?view=trash",
        "/settings/",
        "/admin/people/",
        "/admin/teams/",
        "/admin/inboxes/",
        "/admin/inboxes/support/",
        "/admin/labels/",
    ],
)
def test_pages_render_for_the_owner(world, client_for, url):
    assert client_for(world.alice).get(url).status_code == 200


def test_inbox_shows_every_view_with_a_count(world, client_for):
    body = client_for(world.alice).get("/inbox/support/").content.decode()
    for view in (
        "Unassigned",
        "Mine",
        "All open",
        "Pending",
        "Snoozed",
        "Closed",
        "Spam",
        "Trash",
        "Billing",
    ):
        assert view in body


def test_conversation_flow_through_the_forms(world, client_for):
    bob = client_for(world.bob)
    convo = world.bob_conversation
    url = f"/c/{convo.pk}/"
    bob.post(url, {"action": "add_label", "label": world.billing.pk})
    bob.post(url, {"action": "note", "body": "Checking with **billing**"})
    bob.post(url, {"action": "priority", "priority": "3"})
    bob.post(url, {"action": "reply", "body": "Hello Carol, fixed.", "to": "carol@customer.test"})
    bob.post(url, {"action": "status", "status": "closed"})
    convo.refresh_from_db()
    assert convo.status == Status.CLOSED and convo.priority == 3
    assert list(convo.labels.all()) == [world.billing]
    assert (
        Message.objects.filter(
            conversation=convo, direction="out", delivery_status="queued"
        ).count()
        == 1
    )
    page = bob.get(url).content.decode()
    assert "Checking with <strong>billing</strong>" in page
    assert "Bob added the label Billing" in page
    assert "Bob marked it closed" in page


def test_snooze_preset_uses_the_viewers_time_zone(world, client_for):
    actions.do_update_profile(world.bob, time_zone="Asia/Shanghai", actor=world.bob)
    bob = client_for(world.bob)
    bob.post(f"/c/{world.bob_conversation.pk}/", {"action": "snooze", "until": "2099-01-02T09:00"})
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == Status.SNOOZED
    assert world.bob_conversation.snoozed_until.isoformat() == "2099-01-02T01:00:00+00:00"


def test_invalid_input_is_reported_not_saved(world, client_for):
    bob = client_for(world.bob)
    response = bob.post(
        f"/c/{world.bob_conversation.pk}/", {"action": "snooze", "until": "yesterday"}, follow=True
    )
    assert "Pick a date and time" in response.content.decode()
    assert not Activity.objects.filter(verb="conversation.snoozed").exists()


def test_markdown_preview_is_sanitised(world, client_for):
    response = client_for(world.bob).post("/preview/", {"body": "*hi* <img src=x onerror=1>"})
    assert response.content.decode().startswith("<p><em>hi</em>")
    assert "onerror" not in response.content.decode() or "&lt;img" in response.content.decode()


def test_admin_creates_teammate_team_inbox_and_grant(world, client_for):
    alice = client_for(world.alice)
    alice.post(
        "/admin/people/",
        {
            "action": "create",
            "email": "erin@example.test",
            "name": "Erin",
            "password": "a long password",
            "role": "agent",
        },
    )
    alice.post("/admin/teams/", {"action": "create", "name": "Billing team"})
    alice.post(
        "/admin/inboxes/",
        {
            "action": "create",
            "name": "Info",
            "slug": "info",
            "address": "info@example.test",
            "aliases": "hello@example.test",
        },
    )
    from postroom.accounts.models import Team, User

    erin = User.objects.get(email="erin@example.test")
    team = Team.objects.get(name="Billing team")
    alice.post(
        "/admin/inboxes/info/", {"action": "grant", "grantee": f"team:{team.pk}", "level": "30"}
    )
    alice.post("/admin/teams/", {"action": "members", "team": team.pk, "members": [erin.pk]})
    from tests.conftest import PASSWORD  # noqa: F401

    erin_client = client_for(erin)
    assert erin_client.get("/inbox/info/").status_code == 200
    assert erin_client.get("/inbox/support/").status_code == 404


def _fill(world, n):
    base = clock.now() - timedelta(days=1)
    for i in range(n):
        clock.freeze(base + timedelta(minutes=i))
        m = actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender=f"c{i}@customer.test", subject=f"Question {i}", text="Hi"
            ),
        )
        actions.do_add_label(m.conversation, world.billing, actor=world.alice)
        actions.do_assign(m.conversation, users=[world.bob], actor=world.alice)
    clock.freeze(None)


def _count_list_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_query_count_is_pinned_and_independent_of_data(world, client_for, settings):
    from django.core.cache import caches

    bob = client_for(world.bob)
    small = _count_list_queries(bob, "/inbox/support/?view=mine")
    _fill(world, 60)
    caches["pages"].clear()  # rendered in full, as the first request
    large = _count_list_queries(bob, "/inbox/support/?view=mine")
    # The user, access, the page versions, visible labels, the inbox, the rows with their
    # assignees and labels (2), their reply-time targets, and the sidebar: inboxes,
    # unread badge, desktop preference, counts; the viewer's unread rows; on Mine, the
    # viewer's open tasks. The session comes from the cache.
    # tests/perf/test_list_queries.py lists them per view, and what a page kept in the
    # cache costs.
    assert small == large == 14


def test_an_unassign_form_naming_nobody_removes_nobody(world):
    from django.test import Client

    from postroom.inbox.models import ConversationAssignee

    client = Client()
    client.force_login(world.alice)
    convo = world.bob_conversation
    answer = client.post(f"/c/{convo.pk}/", {"action": "unassign"}, follow=True)
    assert "Choose whom to unassign." in answer.content.decode()
    assert list(
        ConversationAssignee.objects.filter(conversation=convo).values_list("user_id", flat=True)
    ) == [world.bob.pk]
    client.post(f"/c/{convo.pk}/", {"action": "unassign", "everyone": "1"})
    assert not ConversationAssignee.objects.filter(conversation=convo).exists()
