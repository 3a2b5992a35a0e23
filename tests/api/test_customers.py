"""/contacts and /companies: a customer is seen through one's conversations, and only
then (404 otherwise: the API does not tell that a customer exists)."""

from __future__ import annotations

import pytest

from postroom.inbox import actions
from postroom.inbox.models import ClientNote, Company
from tests.api.conftest import field_errors


def test_bob_reads_carol_with_her_company_notes_and_conversations(world, api_as):
    carol = world.bob_conversation.contact
    actions.do_add_client_note("Key client", inbox=world.support, contact=carol, actor=world.alice)
    body = api_as(world.bob).get(f"/contacts/{carol.pk}").json()
    assert (body["name"], body["email"], body["identities"]) == (
        "Carol Customer",
        "carol@customer.test",
        ["carol@customer.test"],
    )
    company = {"id": carol.company_id, "name": "Customer", "domain": "customer.test"}
    assert body["company"] == company
    assert [(n["body"], n["on"], n["author"]["id"]) for n in body["notes"]] == [
        ("Key client", "contact", world.alice.pk)
    ]
    assert [(c["id"], c["inbox"], c["status"]) for c in body["conversations"]] == [
        (world.bob_conversation.pk, "support", "open")
    ]


@pytest.mark.parametrize("persona", ["charlie", "dora"])
def test_a_customer_of_an_inbox_one_cannot_see_is_a_404_everywhere(world, api_as, persona):
    carol = world.bob_conversation.contact
    api = api_as(getattr(world, persona))
    assert api.get(f"/contacts/{carol.pk}").status_code == 404
    assert api.get(f"/companies/{carol.company_id}").status_code == 404
    assert api.post(f"/contacts/{carol.pk}/notes", {"body": "x"}).status_code == 404
    assert api.patch(f"/companies/{carol.company_id}", {"name": "Mine"}).status_code == 404
    assert "carol@customer.test" not in api.get("/contacts", q="carol").content.decode()
    assert ClientNote.objects.count() == 0
    assert Company.objects.get(pk=carol.company_id).name == "Customer"


def test_the_list_holds_only_the_customers_one_sees(world, api_as):
    emails = [c["email"] for c in api_as(world.dora).get("/contacts").json()]
    assert emails == ["dan@prospect.test"]
    assert [c["email"] for c in api_as(world.alice).get("/contacts").json()] == [
        "carol@customer.test",
        "dan@prospect.test",
    ]
    assert [c["email"] for c in api_as(world.alice).get("/contacts", q="prospect").json()] == [
        "dan@prospect.test"
    ]


def test_pin_on_the_company_rename_it_and_unpin(world, api_as):
    company = world.bob_conversation.contact.company
    api = api_as(world.bob)
    pinned = api.post(f"/companies/{company.pk}/notes", {"body": "Reseller"})
    assert pinned.status_code == 201, pinned.content
    renamed = api.patch(f"/companies/{company.pk}", {"name": "Customer Ltd"}).json()
    assert (renamed["name"], [p["email"] for p in renamed["people"]]) == (
        "Customer Ltd",
        ["carol@customer.test"],
    )
    assert [n["body"] for n in renamed["notes"]] == ["Reseller"]
    gone = api.delete(f"/companies/{company.pk}/notes/{pinned.json()['id']}")
    assert gone.status_code == 204
    assert ClientNote.objects.count() == 0


def test_a_blank_note_and_a_long_name_are_422s_naming_the_field(world, api_as):
    carol = world.bob_conversation.contact
    api = api_as(world.bob)
    assert set(field_errors(api.post(f"/contacts/{carol.pk}/notes", {"body": ""}))) == {"body.body"}
    response = api.patch(f"/companies/{carol.company_id}", {"name": "x" * 201})
    assert set(field_errors(response)) == {"body.name"}


def test_a_viewer_may_read_but_not_pin(world, api_as):
    dan = world.sales_conversation.contact
    api = api_as(world.dora)
    assert api.get(f"/contacts/{dan.pk}").status_code == 200
    refused = api.post(f"/contacts/{dan.pk}/notes", {"body": "mine"})
    assert refused.status_code == 403
    assert refused.json()["needed"] == "reply_on_behalf"


def test_merging_through_the_api(world, api_as):
    carol = world.bob_conversation.contact
    dan = world.sales_conversation.contact
    assert (
        api_as(world.bob).post(f"/contacts/{carol.pk}/merge", {"contact": dan.pk}).status_code
        == 404
    )
    missing = api_as(world.alice).post(f"/contacts/{carol.pk}/merge", {"contact": 999_999})
    assert set(field_errors(missing)) == {"body.contact"}
    merged = api_as(world.alice).post(f"/contacts/{carol.pk}/merge", {"contact": dan.pk})
    assert merged.status_code == 200, merged.content
    assert sorted(c["inbox"] for c in merged.json()["conversations"]) == ["sales", "support"]
