"""Saved replies from outside: who sees and changes them (web and API), the composer's
list, and replies refused while a variable has no value.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox); the Night team has bob and charlie, not dora.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import Direction, Message
from postroom.saved.models import SavedReply
from tests.api.conftest import field_errors


@pytest.fixture
def night(world):
    return actions.do_create_team(
        name="Night", members=[world.bob, world.charlie], actor=world.alice
    )


@pytest.fixture
def team_reply(world, night) -> SavedReply:
    return actions.do_save_saved_reply(
        None,
        title="Night shift hello",
        body="Hi {{ contact.first_name }}, {{ agent.first_name }} from the night shift.",
        folder="Greetings",
        scope="team",
        team=night,
        actor=world.bob,
    )


@pytest.fixture
def everyone_reply(world) -> SavedReply:
    return actions.do_save_saved_reply(
        None,
        title="Invoice fix",
        body="Dear {{ contact.name }}, we corrected your invoice. "
        "{{ agent.name }}, {{ inbox.name }}",
        scope="everyone",
        actor=world.alice,
    )


# --- Who may write ------------------------------------------------------------------


def test_a_team_member_writes_a_team_reply_and_a_non_member_is_refused(world, night, team_reply):
    actions.do_save_saved_reply(
        team_reply, title="Night hello", body="Hello", scope="team", team=night, actor=world.charlie
    )
    with pytest.raises(NotAllowed) as refused:
        actions.do_save_saved_reply(
            None, title="Ours", body="Hi", scope="team", team=night, actor=world.dora
        )
    assert str(refused.value) == "Only members of its team may change this saved reply."
    assert refused.value.needed == "team_member"


def test_only_admins_share_with_everyone(world):
    with pytest.raises(NotAllowed) as refused:
        actions.do_save_saved_reply(None, title="All", body="Hi", scope="everyone", actor=world.bob)
    assert str(refused.value) == "Only owners and admins may change this saved reply."
    assert SavedReply.objects.count() == 0


def test_a_personal_reply_is_its_owners(world):
    mine = actions.do_save_saved_reply(
        None, title="Mine", body="Hi", scope="personal", actor=world.dora
    )
    assert mine.owner == world.dora
    with pytest.raises(NotAllowed) as refused:
        actions.do_delete_saved_reply(mine, actor=world.alice)
    assert str(refused.value) == "Only its owner may delete this saved reply."


def test_an_unknown_variable_is_refused_when_saving(world):
    with pytest.raises(ValidationError) as refused:
        actions.do_save_saved_reply(
            None, title="Oops", body="Hi {{ contact.phone }}", scope="personal", actor=world.bob
        )
    assert refused.value.message_dict["body"][0].startswith(
        "Unknown variable: {{ contact.phone }}."
    )


# --- Who sees: the composer's picker, the management page, the API ---------------------


def test_a_team_reply_is_invisible_to_a_non_member_everywhere(
    world, team_reply, everyone_reply, client_for, api_as
):
    alice_web, bob_web = client_for(world.alice), client_for(world.bob)
    picker = f"/c/{world.bob_conversation.pk}/saved-replies/"

    # ranked: the customer wrote "my invoice is wrong"
    assert [r["title"] for r in bob_web.get(picker).json()["saved_replies"]] == [
        "Invoice fix",
        "Night shift hello",
    ]
    # alice owns the workspace, but is not in the Night team
    assert [r["title"] for r in alice_web.get(picker).json()["saved_replies"]] == ["Invoice fix"]
    assert "Night shift hello" not in alice_web.get("/settings/saved-replies/").content.decode()
    assert "Night shift hello" in bob_web.get("/settings/saved-replies/").content.decode()
    assert alice_web.get(f"/settings/saved-replies/?edit={team_reply.pk}").status_code == 404

    alice_api = api_as(world.alice)
    assert [r["title"] for r in alice_api.get("/saved-replies").json()] == ["Invoice fix"]
    assert alice_api.get(f"/saved-replies/{team_reply.pk}").status_code == 404
    assert alice_api.get(f"/saved-replies/{team_reply.pk}").json() == {"detail": "Not found"}
    assert alice_api.delete(f"/saved-replies/{team_reply.pk}").status_code == 404
    offered = alice_api.get(f"/conversations/{world.bob_conversation.pk}/saved-replies").json()
    assert [r["title"] for r in offered] == ["Invoice fix"]
    assert api_as(world.bob).get(f"/saved-replies/{team_reply.pk}").json()["team"] == (
        team_reply.team_id
    )


def test_the_picker_renders_for_the_conversation_and_names_what_is_missing(
    world, team_reply, everyone_reply, client_for
):
    found = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/saved-replies/").json()
    assert [(r["rendered"], r["missing"]) for r in found["saved_replies"]] == [
        ("Dear Carol Customer, we corrected your invoice. Bob, Support", []),
        ("Hi Carol, Bob from the night shift.", []),
    ]
    world.bob_conversation.contact.name = ""
    world.bob_conversation.contact.save()
    found = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/saved-replies/").json()
    night_shift = found["saved_replies"][1]
    assert night_shift["missing"] == ["contact.first_name"]
    assert night_shift["rendered"] == ("Hi {{ contact.first_name }}, Bob from the night shift.")


def test_a_reply_limited_to_an_inbox_is_offered_only_there(world, client_for):
    sales_only = actions.do_save_saved_reply(
        None,
        title="Quote",
        body="Here is your quote.",
        scope="everyone",
        inboxes=[world.sales],
        actor=world.alice,
    )
    alice = client_for(world.alice)
    on_support = alice.get(f"/c/{world.bob_conversation.pk}/saved-replies/").json()
    on_sales = alice.get(f"/c/{world.sales_conversation.pk}/saved-replies/").json()
    assert on_support["saved_replies"] == []
    assert [r["id"] for r in on_sales["saved_replies"]] == [sales_only.pk]
    with pytest.raises(ValidationError):
        actions.do_record_saved_reply_use(world.bob_conversation, sales_only, actor=world.alice)


def test_the_api_ranks_by_the_customers_latest_message(world, api_as):
    for title, body in [
        ("Shipping", "Your parcel ships in two days."),
        ("Invoice", "We corrected the invoice you found wrong."),
    ]:
        actions.do_save_saved_reply(
            None, title=title, body=body, scope="everyone", actor=world.alice
        )
    found = (
        api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}/saved-replies").json()
    )
    assert [r["title"] for r in found] == ["Invoice", "Shipping"]  # "my invoice is wrong"


def test_charlie_without_inboxes_gets_404_for_the_picker(world, everyone_reply, client_for):
    response = client_for(world.charlie).get(f"/c/{world.bob_conversation.pk}/saved-replies/")
    assert response.status_code == 404


# --- The management page -------------------------------------------------------------


def test_the_page_creates_edits_and_deletes_by_form(world, night, client_for):
    bob = client_for(world.bob)
    assert 'data-testid="saved-replies-link"' in bob.get("/settings/").content.decode()
    response = bob.post(
        "/settings/saved-replies/",
        {
            "action": "save",
            "title": "Late night",
            "folder": "Night",
            "body": "Hello {{ contact.first_name }}",
            "scope": "team",
            "team": night.pk,
            "inboxes": [world.support.pk],
        },
    )
    assert response.status_code == 302
    saved = SavedReply.objects.get()
    assert (saved.title, saved.folder, saved.scope, saved.team, saved.created_by) == (
        "Late night",
        "Night",
        "team",
        night,
        world.bob,
    )
    assert list(saved.inboxes.all()) == [world.support]
    page = bob.get("/settings/saved-replies/").content.decode()
    assert "<h2>Night</h2>" in page and "Late night" in page
    bob.post(
        "/settings/saved-replies/",
        {
            "action": "save",
            "saved_reply": saved.pk,
            "title": "Later",
            "body": "Hi",
            "scope": "personal",
        },
    )
    saved.refresh_from_db()
    assert (saved.title, saved.scope, saved.owner, saved.team) == (
        "Later",
        "personal",
        world.bob,
        None,
    )
    bob.post("/settings/saved-replies/", {"action": "delete", "saved_reply": saved.pk})
    assert SavedReply.objects.count() == 0


def test_the_page_reports_a_field_error(world, client_for):
    response = client_for(world.bob).post(
        "/settings/saved-replies/",
        {"action": "save", "title": "", "body": "Hi", "scope": "personal"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "title: A saved reply needs a title" in page
    assert '<textarea name="body" rows="8" required>Hi</textarea>' in page  # kept
    assert SavedReply.objects.count() == 0


# --- API validation --------------------------------------------------------------------


def test_the_api_names_the_field_it_refuses(world, api_as):
    bob = api_as(world.bob)
    assert field_errors(
        bob.post("/saved-replies", {"title": "X", "body": "{{ nope }}", "scope": "personal"})
    ) == {
        "body.body": "Unknown variable: {{ nope }}. Known: contact.first_name, contact.name, "
        "contact.email, company.name, agent.name, agent.first_name, inbox.name, "
        "conversation.number."
    }
    assert list(
        field_errors(bob.post("/saved-replies", {"title": "X", "body": "Hi", "scope": "team"}))
    ) == ["body.team"]
    assert list(
        field_errors(
            bob.post(
                "/saved-replies",
                {"title": "X", "body": "Hi", "scope": "personal", "inboxes": ["sales"]},
            )
        )
    ) == ["body.inboxes"]
    refused = bob.post("/saved-replies", {"title": "X", "body": "Hi", "scope": "everyone"})
    assert refused.status_code == 403
    assert refused.json()["needed"] == "workspace_admin"
    made = bob.post("/saved-replies", {"title": "X", "body": "Hi", "scope": "personal"})
    assert made.status_code == 201
    assert made.json()["owner"] == world.bob.pk
    used = bob.post(
        f"/conversations/{world.bob_conversation.pk}/saved-replies/{made.json()['id']}/use"
    )
    assert (used.status_code, used.json()["usage_count"]) == (200, 1)


# --- Sending: a variable with no value is never sent -------------------------------------


def test_do_reply_refuses_a_body_with_a_variable_left(world):
    before = Message.objects.filter(direction=Direction.OUTBOUND).count()
    with pytest.raises(ValidationError) as refused:
        actions.do_reply(world.bob_conversation, "Hi {{ contact.first_name }}!", actor=world.bob)
    assert refused.value.message_dict == {
        "body": ["Fill in or remove {{ contact.first_name }}: it has no value here."]
    }
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == before


def test_the_api_refuses_it_with_422_naming_body(world, api_as):
    response = api_as(world.bob).post(
        f"/conversations/{world.bob_conversation.pk}/replies", {"body": "Dear {{ contact.name }}"}
    )
    assert field_errors(response) == {
        "body.body": "Fill in or remove {{ contact.name }}: it has no value here."
    }


def test_the_web_send_refuses_it_and_keeps_the_draft(world, client_for):
    bob = client_for(world.bob)
    page = f"/c/{world.bob_conversation.pk}/"
    response = bob.post(
        page,
        {"action": "reply", "mode": "reply", "body": "Hi {{ agent.nickname }}", "when": "now"},
        follow=True,
    )
    text = response.content.decode()
    assert "Fill in or remove {{ agent.nickname }}: it has no value here." in text
    assert not Message.objects.filter(
        conversation=world.bob_conversation, direction=Direction.OUTBOUND
    ).exists()


def test_a_use_is_counted(world, everyone_reply, client_for):
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/saved-replies/{everyone_reply.pk}/use/"
    first = bob.post(url)
    assert (first.status_code, first.json()) == (200, {"kept": []})
    assert bob.post(url).status_code == 200
    everyone_reply.refresh_from_db()
    assert everyone_reply.usage_count == 2
    assert everyone_reply.last_used_at is not None


def test_the_offered_list_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    from postroom.inbox.models import Conversation
    from postroom.saved.queries import offered

    def count(n: int) -> int:
        for i in range(n):
            actions.do_save_saved_reply(
                None,
                title=f"Reply {i}",
                body="Hi {{ contact.name }}",
                scope="everyone",
                inboxes=[world.support],
                actor=world.alice,
            )
        conversation = Conversation.objects.get(pk=world.bob_conversation.pk)
        with django_assert_num_queries(6) as captured:  # with the files: one more
            found = offered(world.bob, conversation)
        assert len(found) == SavedReply.objects.count()
        return len(captured)

    assert count(1) == count(4) == 6


@pytest.mark.django_db
def test_the_demo_has_saved_replies_of_each_kind():
    from postroom.demo import load_demo_data

    assert load_demo_data(per_inbox=1)
    assert sorted(SavedReply.objects.values_list("scope", "title")) == [
        ("everyone", "Invoice corrected"),
        ("everyone", "We're on it"),
        ("personal", "My sign-off"),
        ("team", "Quote follow-up"),
    ]


def test_the_company_variable_is_the_contacts_company(world):
    from postroom.saved.queries import render_for

    rendered = render_for("Hello {{ company.name }} team", world.bob_conversation, world.bob)
    assert (rendered.text, rendered.missing) == ("Hello Customer team", [])
    gmail = actions.do_receive_message(
        world.support, actions.InboundMessage(sender="zoe@gmail.com", subject="Hi", text="Hi")
    ).conversation
    assert render_for("{{ company.name }}", gmail, world.bob).missing == ["company.name"]
