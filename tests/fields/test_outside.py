"""Custom fields from the outside, with the personas: the conversation sidebar, the
customer pages and list, search, the settings page and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.models import Conversation, CustomField
from tests.api.conftest import ApiClient, token_for
from tests.fields.support import define
from tests.searching import index_now


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _from(world, sender: str, subject: str, inbox=None) -> Conversation:
    return actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(sender=sender, subject=subject, text="Hello"),
    ).conversation


# --- the conversation page ------------------------------------------------------------


def test_bob_fills_in_the_fields_on_the_sidebar(world):
    define(world, "order", label="Order number")
    define(world, "reason", "choice", choices=["Bug", "Question"])
    define(world, "refund", "checkbox")
    convo = world.bob_conversation
    bob = client(world.bob)

    page = bob.get(f"/c/{convo.pk}/").content.decode()
    assert 'data-testid="conversation-fields"' in page
    assert 'name="field.order"' in page and 'name="field.refund"' in page

    response = bob.post(
        f"/c/{convo.pk}/",
        {"action": "fields", "field.order": "77812", "field.reason": "Bug", "field.refund": "on"},
    )
    assert response.status_code == 302
    assert Conversation.objects.get(pk=convo.pk).fields == {
        "order": "77812",
        "reason": "Bug",
        "refund": True,
    }
    # Posting the form again without the box ticked clears it.
    bob.post(f"/c/{convo.pk}/", {"action": "fields", "field.order": "77812", "field.reason": "Bug"})
    assert Conversation.objects.get(pk=convo.pk).fields == {"order": "77812", "reason": "Bug"}


def test_a_bad_value_is_named_and_nothing_changes(world):
    define(world, "amount", "number", label="Amount")
    convo = world.bob_conversation
    bob = client(world.bob)

    response = bob.post(
        f"/c/{convo.pk}/", {"action": "fields", "field.amount": "lots"}, follow=True
    )

    assert "A number." in response.content.decode()
    assert Conversation.objects.get(pk=convo.pk).fields == {}


def test_closing_from_the_page_says_which_field_is_missing(world):
    define(world, "order", label="Order number", required_on_close=True)
    convo = world.bob_conversation
    bob = client(world.bob)

    response = bob.post(f"/c/{convo.pk}/", {"action": "status", "status": "closed"}, follow=True)

    assert "Fill in Order number before closing." in response.content.decode()
    assert Conversation.objects.get(pk=convo.pk).status == "open"


def test_dora_reads_the_fields_but_gets_no_form(world):
    define(world, "quote")
    convo = world.sales_conversation
    actions.do_set_conversation_fields(convo, {"quote": "Q-17"}, actor=world.alice)

    page = client(world.dora).get(f"/c/{convo.pk}/").content.decode()

    assert 'name="field.quote"' not in page
    assert "<dt>Quote</dt><dd>Q-17</dd>" in page


def test_the_customer_and_company_fields_show_on_the_sidebar(world):
    define(world, "plan", "choice", target="contact", choices=["Free", "Pro"])
    define(world, "seats", "number", target="company")
    carol = world.bob_conversation.contact
    actions.do_set_client_fields(
        {"plan": "Pro"}, inbox=world.support, contact=carol, actor=world.bob
    )
    actions.do_set_client_fields(
        {"seats": 40}, inbox=world.support, company=carol.company, actor=world.bob
    )

    page = client(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()

    assert "<dt>Plan</dt><dd>Pro</dd>" in page
    assert "<dt>Seats</dt><dd>40</dd>" in page


@pytest.mark.parametrize("persona", ["charlie", "dora"])
def test_no_one_outside_the_inbox_fills_in_a_field(world, persona):
    define(world, "order")
    convo = world.bob_conversation  # Support's

    response = client(getattr(world, persona)).post(
        f"/c/{convo.pk}/", {"action": "fields", "field.order": "1"}
    )

    assert response.status_code == 404
    assert Conversation.objects.get(pk=convo.pk).fields == {}


# --- customers ------------------------------------------------------------------------


def test_contact_fields_on_the_contact_page_and_as_list_columns_and_filters(world):
    define(world, "plan", "choice", target="contact", choices=["Free", "Pro"], label="Plan")
    carol = world.bob_conversation.contact
    eve = _from(world, "eve@other.test", "Hi").contact
    bob = client(world.bob)

    response = bob.post(f"/contacts/{carol.pk}/", {"fields": "1", "field.plan": "Pro"})
    assert response.status_code == 302
    carol.refresh_from_db()
    assert carol.fields == {"plan": "Pro"}
    assert 'name="field.plan"' in bob.get(f"/contacts/{carol.pk}/").content.decode()

    listed = bob.get("/contacts/").content.decode()
    assert "<th>Plan</th>" in listed
    only_pro = bob.get("/contacts/", {"field.plan": "Pro"}).content.decode()
    assert f'href="/contacts/{carol.pk}/"' in only_pro
    assert f'href="/contacts/{eve.pk}/"' not in only_pro
    empty = bob.get("/contacts/", {"field.plan": "-"}).content.decode()
    assert f'href="/contacts/{eve.pk}/"' in empty
    assert f'href="/contacts/{carol.pk}/"' not in empty


def test_a_viewer_of_the_client_cannot_fill_in_their_fields(world):
    define(world, "plan", target="contact")
    dan = world.sales_conversation.contact  # dora views Sales

    response = client(world.dora).post(f"/contacts/{dan.pk}/", {"fields": "1", "field.plan": "Pro"})

    assert response.status_code == 403
    dan.refresh_from_db()
    assert dan.fields == {}


# --- search ---------------------------------------------------------------------------


def test_search_filters_by_a_field_of_the_conversation_contact_or_company(world):
    define(world, "order")
    define(world, "tags", "multi_choice", target="contact", choices=["vip", "beta"])
    define(world, "seats", "number", target="company")
    convo = world.bob_conversation
    carol = convo.contact
    other = _from(world, "olga@elsewhere.test", "Broken too")
    actions.do_set_conversation_fields(convo, {"order": "A-77812"}, actor=world.bob)
    actions.do_set_client_fields(
        {"tags": ["vip", "beta"]}, inbox=world.support, contact=carol, actor=world.bob
    )
    actions.do_set_client_fields(
        {"seats": 40}, inbox=world.support, company=carol.company, actor=world.bob
    )
    index_now()
    bob = client(world.bob)

    def found(q: str) -> set[int]:
        page = bob.get("/search/", {"q": q}).content.decode()
        return {c for c in (convo.pk, other.pk) if f'href="/c/{c}/"' in page}

    assert found("order:77812") == {convo.pk}  # text: contains, any case
    assert found("tags:beta") == {convo.pk}
    assert found("tags:vi") == set()  # an option is matched whole
    assert found("seats:40") == {convo.pk}
    assert found("seats:41") == set()
    assert found("broken order:-") == {other.pk}  # with a word: and
    assert "A number." in bob.get("/search/", {"q": "seats:forty"}).content.decode()
    # A word with a colon that is no field's key is searched as text.
    assert found("nope:thing") == set()


def test_search_by_field_stays_within_what_one_sees(world):
    define(world, "quote")
    actions.do_set_conversation_fields(
        world.sales_conversation, {"quote": "Q-1"}, actor=world.alice
    )

    index_now()
    page = client(world.bob).get("/search/", {"q": "quote:Q-1"}).content.decode()

    assert f'href="/c/{world.sales_conversation.pk}/"' not in page
    page = client(world.dora).get("/search/", {"q": "quote:Q-1"}).content.decode()
    assert f'href="/c/{world.sales_conversation.pk}/"' in page


# --- the settings page ----------------------------------------------------------------


def test_alice_defines_a_field_on_the_settings_page(world):
    alice = client(world.alice)

    response = alice.post(
        "/admin/fields/",
        {
            "action": "create",
            "target": "conversation",
            "key": "reason",
            "label": "Contact reason",
            "kind": "choice",
            "choices": "Bug\nQuestion\n\nBug",
            "required_on_close": "on",
            "inboxes": [str(world.support.pk)],
        },
    )

    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.key, field.label, field.choices, field.required_on_close) == (
        "reason",
        "Contact reason",
        ["Bug", "Question"],
        True,
    )
    assert list(field.inboxes.all()) == [world.support]
    assert 'data-field="conversation.reason"' in alice.get("/admin/fields/").content.decode()


def test_a_bad_definition_is_named_on_the_page(world):
    response = client(world.alice).post(
        "/admin/fields/",
        {"action": "create", "target": "contact", "key": "Bad Key", "label": "X", "kind": "text"},
        follow=True,
    )
    assert "key: A key of lower-case letters" in response.content.decode()
    assert CustomField.objects.count() == 0


@pytest.mark.parametrize("persona", ["bob", "dora", "charlie"])
def test_the_settings_page_does_not_exist_for_agents(world, persona):
    assert client(getattr(world, persona)).get("/admin/fields/").status_code == 404


# --- the API --------------------------------------------------------------------------


def test_the_api_defines_fields_and_fills_them_in(world):
    alice = ApiClient(token_for(world.alice))
    bob = ApiClient(token_for(world.bob))

    created = alice.post(
        "/fields",
        {"target": "conversation", "key": "order", "label": "Order", "kind": "number"},
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "target": "conversation",
        "key": "order",
        "label": "Order",
        "kind": "number",
        "choices": [],
        "help_text": "",
        "required_on_close": False,
        "inboxes": [],
    }
    assert [f["key"] for f in bob.get("/fields").json()] == ["order"]

    convo = world.bob_conversation
    filled = bob.patch(f"/conversations/{convo.pk}/fields", {"fields": {"order": "77812"}})
    assert (filled.status_code, filled.json()) == (200, {"order": 77812})
    assert bob.get(f"/conversations/{convo.pk}").json()["fields"] == {"order": 77812}

    bad = bob.patch(f"/conversations/{convo.pk}/fields", {"fields": {"order": "many"}})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"loc": ["body", "fields.order"], "msg": "A number.", "type": "value_error"}
    ]


def test_the_api_fills_in_contact_and_company_fields_and_shows_them(world):
    define(world, "plan", target="contact")
    define(world, "tier", "choice", target="company", choices=["A", "B"])
    carol = world.bob_conversation.contact
    bob = ApiClient(token_for(world.bob))

    assert bob.patch(f"/contacts/{carol.pk}/fields", {"fields": {"plan": "Pro"}}).json() == {
        "plan": "Pro"
    }
    done = bob.patch(f"/companies/{carol.company_id}/fields", {"fields": {"tier": "B"}})
    assert done.json() == {"tier": "B"}
    assert bob.get(f"/contacts/{carol.pk}").json()["fields"] == {"plan": "Pro"}
    assert bob.get(f"/companies/{carol.company_id}").json()["fields"] == {"tier": "B"}
    wrong = bob.patch(f"/companies/{carol.company_id}/fields", {"fields": {"tier": "C"}})
    assert wrong.json()["detail"][0]["loc"] == ["body", "fields.tier"]


def test_the_api_hides_what_one_may_not_see_or_change(world):
    order = define(world, "order")
    charlie = ApiClient(token_for(world.charlie))
    bob = ApiClient(token_for(world.bob))
    convo = world.bob_conversation

    assert (
        charlie.patch(f"/conversations/{convo.pk}/fields", {"fields": {"order": "1"}}).status_code
        == 404
    )
    assert (
        charlie.patch(
            f"/contacts/{convo.contact_id}/fields", {"fields": {"order": "1"}}
        ).status_code
        == 404
    )
    assert (
        bob.post(
            "/fields", {"target": "contact", "key": "x", "label": "X", "kind": "text"}
        ).status_code
        == 404
    )
    assert bob.delete(f"/fields/{order.pk}").status_code == 404
    assert Conversation.objects.get(pk=convo.pk).fields == {}


def test_the_api_changes_and_archives_a_field(world):
    order = define(world, "order", inboxes=[world.sales])
    alice = ApiClient(token_for(world.alice))

    changed = alice.patch(f"/fields/{order.pk}", {"label": "Order no.", "inboxes": []})
    assert (changed.json()["label"], changed.json()["inboxes"]) == ("Order no.", [])
    unknown = alice.patch(f"/fields/{order.pk}", {"inboxes": ["nowhere"]})
    assert unknown.status_code == 422
    assert alice.delete(f"/fields/{order.pk}").status_code == 204
    assert alice.get("/fields").json() == []
    assert alice.patch(f"/fields/{order.pk}", {"label": "Again"}).status_code == 404
