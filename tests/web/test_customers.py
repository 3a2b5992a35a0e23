"""Customers from the outside: companies found from the domain, pinned notes on a key
client shown on every conversation of theirs, and contacts and companies visible only
through conversations one may see (web pages, lists, the conversation sidebar)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.models import ClientNote, Company, Contact


def _from(inbox, sender: str, subject: str, name: str = ""):
    return actions.do_receive_message(
        inbox,
        actions.InboundMessage(sender=sender, sender_name=name, subject=subject, text="Hello"),
    ).conversation


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_company_comes_from_the_registrable_domain_never_from_free_mail_or_ours(world):
    carol = world.bob_conversation.contact
    assert (carol.company.domain, carol.company.name) == ("customer.test", "Customer")
    eric = _from(world.support, "eric@eu.mail.customer.test", "Also broken").contact
    assert eric.company_id == carol.company_id  # a subdomain is the same company
    assert _from(world.support, "fay@gmail.com", "Hi").contact.company is None
    assert _from(world.support, "gus@web.de", "Hallo").contact.company is None
    assert _from(world.support, "hal@example.test", "From a colleague").contact.company is None
    uk = _from(world.support, "ian@sales.bigco.co.uk", "Quote").contact
    assert (uk.company.domain, uk.company.name) == ("bigco.co.uk", "Bigco")
    assert Company.objects.count() == 3  # customer.test, prospect.test, bigco.co.uk


def test_a_note_pinned_on_a_client_shows_on_their_other_conversations(world):
    carol = world.bob_conversation.contact
    later = _from(world.support, "carol@customer.test", "Another question")
    bob = _client(world.bob)

    response = bob.post(f"/contacts/{carol.pk}/", {"body": "Key account: answer within 1 h"})

    assert response.status_code == 302
    note = ClientNote.objects.get()
    assert (note.contact_id, note.author_id, note.body) == (
        carol.pk,
        world.bob.pk,
        "Key account: answer within 1 h",
    )
    page = bob.get(f"/c/{later.pk}/").content.decode()
    assert "Key account: answer within 1 h" in page
    # The other conversation is listed beside it, and the company linked.
    assert f'href="/c/{world.bob_conversation.pk}/"' in page
    assert f'href="/companies/{carol.company_id}/"' in page


def test_a_note_on_the_company_shows_for_each_of_its_people(world):
    company = world.bob_conversation.contact.company
    eric = _from(world.support, "eric@customer.test", "Invoice again")
    actions.do_add_client_note(
        "Reseller: 20 % off", inbox=world.support, company=company, actor=world.bob
    )
    bob = _client(world.bob)
    assert "Reseller: 20 % off" in bob.get(f"/c/{eric.pk}/").content.decode()
    assert "Reseller: 20 % off" in bob.get(f"/companies/{company.pk}/").content.decode()


@pytest.mark.parametrize("persona", ["charlie", "dora"])
def test_a_contact_of_an_inbox_one_cannot_see_does_not_exist_for_them(world, persona):
    carol = world.bob_conversation.contact  # in Support only: dora sees Sales, charlie nothing
    client = _client(getattr(world, persona))
    assert client.get(f"/contacts/{carol.pk}/").status_code == 404
    assert client.get(f"/companies/{carol.company_id}/").status_code == 404
    assert client.post(f"/contacts/{carol.pk}/", {"body": "x"}).status_code == 404
    assert "carol@customer.test" not in client.get("/contacts/", {"q": "carol"}).content.decode()
    listing = client.get("/contacts/").content.decode()
    assert f'href="/contacts/{carol.pk}/"' not in listing
    assert f'href="/companies/{carol.company_id}/"' not in listing
    assert ClientNote.objects.count() == 0


def test_the_list_shows_whom_one_may_see(world):
    dan = world.sales_conversation.contact
    listing = _client(world.dora).get("/contacts/").content.decode()
    assert f'href="/contacts/{dan.pk}/"' in listing
    assert f'href="/contacts/{world.bob_conversation.contact_id}/"' not in listing
    assert f'href="/companies/{dan.company_id}/"' in listing
    assert f'href="/companies/{world.bob_conversation.contact.company_id}/"' not in listing


def test_the_sidebar_lists_only_the_other_conversations_one_may_see(world):
    carol = world.bob_conversation.contact
    in_sales = _from(world.sales, "carol@customer.test", "Buying more seats")
    assert in_sales.contact_id == carol.pk
    bob_page = _client(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    alice_page = _client(world.alice).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert f'href="/c/{in_sales.pk}/"' not in bob_page  # bob has no Sales
    assert f'href="/c/{in_sales.pk}/"' in alice_page


def test_a_viewer_reads_the_notes_but_is_offered_no_form_and_is_refused(world):
    dan = world.sales_conversation.contact
    actions.do_add_client_note("Wants 10 seats", inbox=world.sales, contact=dan, actor=world.alice)
    dora = _client(world.dora)
    page = dora.get(f"/contacts/{dan.pk}/").content.decode()
    assert "Wants 10 seats" in page
    assert 'name="body"' not in page
    assert dora.post(f"/contacts/{dan.pk}/", {"body": "mine"}).status_code == 403
    assert list(ClientNote.objects.values_list("body", flat=True)) == ["Wants 10 seats"]


def test_an_empty_note_is_refused_with_its_reason(world):
    carol = world.bob_conversation.contact
    response = _client(world.bob).post(f"/contacts/{carol.pk}/", {"body": "   "}, follow=True)
    assert "Write the note." in response.content.decode()
    assert ClientNote.objects.count() == 0


def test_renaming_a_company(world):
    company = world.bob_conversation.contact.company
    response = _client(world.bob).post(f"/companies/{company.pk}/", {"name": "Customer Ltd"})
    assert response.status_code == 302
    assert Company.objects.get(pk=company.pk).name == "Customer Ltd"
    assert Contact.objects.filter(company__name="Customer Ltd").count() == 1


@pytest.mark.parametrize("mode", ["erase", "anonymise"])
def test_forgetting_a_contact_takes_the_notes_pinned_on_them(world, mode):
    carol = world.bob_conversation.contact
    company = carol.company
    actions.do_add_client_note("Likes calls", inbox=world.support, contact=carol, actor=world.bob)
    actions.do_add_client_note("Reseller", inbox=world.support, company=company, actor=world.bob)
    actions.do_forget_contact(carol, mode=mode, actor=world.alice)
    assert list(ClientNote.objects.values_list("body", flat=True)) == ["Reseller"]
    assert not Contact.objects.filter(pk=carol.pk, company__isnull=False).exists()


def test_alice_merges_a_duplicate_contact_with_everything_moved(world):
    carol = world.bob_conversation.contact
    work = _from(world.support, "carol@carol-work.test", "From my work address")
    duplicate = work.contact
    actions.do_add_client_note(
        "Prefers mail", inbox=world.support, contact=duplicate, actor=world.bob
    )
    response = _client(world.alice).post(
        f"/contacts/{carol.pk}/", {"merge": "Carol@Carol-Work.test"}, follow=True
    )
    assert "Merged" in response.content.decode()
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    work.refresh_from_db()
    assert work.contact_id == carol.pk
    assert sorted(carol.identities.values_list("value", flat=True)) == [
        "carol@carol-work.test",
        "carol@customer.test",
    ]
    assert list(ClientNote.objects.values_list("contact_id", flat=True)) == [carol.pk]
    # Mail from the other address now lands with Carol.
    again = _from(world.support, "carol@carol-work.test", "Still me")
    assert again.contact_id == carol.pk


def test_merging_is_for_admins_and_an_unknown_address_is_named(world):
    carol = world.bob_conversation.contact
    _from(world.support, "pat@customer.test", "Hi")
    refused = _client(world.bob).post(f"/contacts/{carol.pk}/", {"merge": "pat@customer.test"})
    assert refused.status_code == 404
    assert Contact.objects.filter(email="pat@customer.test").exists()
    unknown = _client(world.alice).post(
        f"/contacts/{carol.pk}/", {"merge": "nobody@nowhere.test"}, follow=True
    )
    assert "No contact has the address nobody@nowhere.test." in unknown.content.decode()


def test_alice_merges_two_companies(world):
    customer = world.bob_conversation.contact.company
    prospect = world.sales_conversation.contact.company
    _client(world.alice).post(f"/companies/{customer.pk}/", {"merge": "prospect.test"})
    assert not Company.objects.filter(pk=prospect.pk).exists()
    assert Contact.objects.get(email="dan@prospect.test").company_id == customer.pk


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")


def test_alice_imports_contacts_from_csv(world):
    csv_text = "Email,Name,Phone\ncarol@customer.test,Carol C.,1\nlee@newco.test,Lee New,2\n"
    response = _client(world.alice).post(
        "/contacts/import/", {"file": _upload(csv_text)}, follow=True
    )
    assert "Imported: 1 new contact, 1 renamed." in response.content.decode()
    lee = Contact.objects.get(email="lee@newco.test")
    assert (lee.name, lee.company.domain) == ("Lee New", "newco.test")
    assert Contact.objects.get(email="carol@customer.test").name == "Carol C."


def test_a_wrong_row_stops_the_import_and_is_named(world):
    csv_text = "email,name\nok@fine.test,Ok\nnot-an-address,Bad\n"
    response = _client(world.alice).post(
        "/contacts/import/", {"file": _upload(csv_text)}, follow=True
    )
    assert "Line 3: not-an-address is not an email address." in response.content.decode()
    assert not Contact.objects.filter(email="ok@fine.test").exists()  # all or nothing
    no_column = _client(world.alice).post(
        "/contacts/import/", {"file": _upload("name\nX\n")}, follow=True
    )
    assert "The first line must name an “email” column." in no_column.content.decode()
    assert (
        _client(world.bob).post("/contacts/import/", {"file": _upload(csv_text)}).status_code == 404
    )


def test_the_export_holds_only_the_customers_one_sees(world):
    actions.do_receive_message(
        world.sales,
        actions.InboundMessage(
            sender="=cmd@evil.test", sender_name="=HYPERLINK()", subject="x", text="x"
        ),
    )
    rows = _client(world.dora).get("/contacts/export.csv").content.decode().splitlines()
    assert rows[0] == "name,email,addresses,company,company_domain"
    assert "Dan Prospect,dan@prospect.test,dan@prospect.test,Prospect,prospect.test" in rows
    assert not any("carol" in row for row in rows)  # Support's customer
    assert any(row.startswith("'=HYPERLINK()") for row in rows)  # not a formula
