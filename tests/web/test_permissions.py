"""The permission matrix, from the outside: pages, lists, counts and attachment URLs."""

import pytest
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.models import InboxAccess


def _attachment_url(world):
    attachment = world.bob_conversation.messages.first().attachments.first()
    return f"/attachments/{attachment.pk}/"


def test_anonymous_visitors_are_sent_to_login(world):
    response = Client().get(f"/c/{world.bob_conversation.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/c/{bob}/",
        "/inbox/support/",
        "/inbox/support/?view=mine",
        "/inbox/support/bulk/",
        "/attachments/{att}/",
    ],
)
def test_charlie_gets_404_on_support(world, client_for, path):
    url = path.format(
        bob=world.bob_conversation.pk,
        att=world.bob_conversation.messages.first().attachments.first().pk,
    )
    assert client_for(world.charlie).get(url).status_code == 404


def test_charlie_cannot_act_on_bobs_conversation(world, client_for):
    charlie = client_for(world.charlie)
    for data in (
        {"action": "note", "body": "hi"},
        {"action": "take"},
        {"action": "status", "status": "closed"},
    ):
        assert charlie.post(f"/c/{world.bob_conversation.pk}/", data).status_code == 404
    assert not world.bob_conversation.notes.exists()


def test_charlie_sees_no_inbox_and_no_counts(world, client_for):
    page = client_for(world.charlie).get("/", follow=True)
    body = page.content.decode()
    assert "Support" not in body and "Broken invoice" not in body


def test_bob_sees_support_but_not_sales(world, client_for):
    bob = client_for(world.bob)
    assert "Broken invoice" in bob.get("/inbox/support/").content.decode()
    assert bob.get("/inbox/sales/").status_code == 404
    assert bob.get(f"/c/{world.sales_conversation.pk}/").status_code == 404


def test_bob_downloads_the_attachment(world, client_for):
    response = client_for(world.bob).get(_attachment_url(world) + "?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert "attachment" in response["Content-Disposition"]


def test_dora_can_note_but_not_reply(world, client_for):
    dora = client_for(world.dora)
    url = f"/c/{world.sales_conversation.pk}/"
    page = dora.get(url).content.decode()
    assert 'id="note-form"' in page and 'id="reply-form"' not in page
    assert dora.post(url, {"action": "reply", "body": "Sure!"}).status_code == 403
    assert not world.sales_conversation.messages.filter(direction="out").exists()
    dora.post(url, {"action": "note", "body": "Looks like a good lead"})
    assert world.sales_conversation.notes.count() == 1


def test_removing_access_locks_out_an_open_session(world, client_for):
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/"
    assert bob.get(url).status_code == 200
    actions.do_revoke_access(InboxAccess.objects.get(user=world.bob), actor=world.alice)
    assert bob.get(url).status_code == 404
    assert bob.get(_attachment_url(world)).status_code == 404
    assert bob.get("/inbox/support/").status_code == 404


def test_deactivation_ends_an_open_session(world, client_for):
    bob = client_for(world.bob)
    actions.do_set_user_active(world.bob, False, actor=world.alice)
    response = bob.get(f"/c/{world.bob_conversation.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_admin_pages_are_404_for_agents(world, client_for):
    bob = client_for(world.bob)
    for url in ("/admin/people/", "/admin/teams/", "/admin/inboxes/", "/admin/labels/"):
        assert bob.get(url).status_code == 404, url
    assert (
        bob.post(
            "/admin/people/",
            {"action": "create", "email": "x@y.test", "name": "X", "password": "long enough pw"},
        ).status_code
        == 404
    )


def test_inbox_settings_are_403_below_manage_and_404_without_access(world, client_for):
    response = client_for(world.bob).get("/admin/inboxes/support/")
    assert response.status_code == 403
    assert "You need manage on Support to change the inbox&#x27;s settings." in (
        response.content.decode()
    )
    assert client_for(world.charlie).get("/admin/inboxes/support/").status_code == 404
    assert client_for(world.alice).get("/admin/inboxes/support/").status_code == 200


def test_team_limited_label_is_not_shown_to_others(world, client_for):
    team = actions.do_create_team(name="VIP desk", members=[world.alice], actor=world.alice)
    vip = actions.do_create_label(
        name="Secret VIP", color="#7c3aed", teams=[team], actor=world.alice
    )
    actions.do_add_label(world.bob_conversation, vip, actor=world.alice)
    bob = client_for(world.bob)
    assert "Secret VIP" not in bob.get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "Secret VIP" not in bob.get("/inbox/support/").content.decode()
    assert bob.get(f"/inbox/support/?label={vip.pk}").status_code == 404


def test_numbers_in_other_scripts_are_refused_not_a_server_error(world, client_for):
    # "²" counts as a digit for str.isdigit() but int() refuses it.
    bob = client_for(world.bob)
    response = bob.post(
        f"/c/{world.bob_conversation.pk}/",
        {"action": "reply", "body": "Thanks", "message": "²"},
    )
    assert response.status_code != 500
    alice = client_for(world.alice)
    assert alice.post("/notifications/", {"notification": ["²"]}).status_code != 500
