"""Files that go with a saved reply: managed on the settings page and the API, put on
the draft when the reply is inserted, and sent with the mail (the MIME a real SMTP
server receives). Tags: set on the form and the API, filtered on the settings page and
offered to the picker.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox).
"""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from postroom.inbox import actions
from postroom.inbox.actions import NewAttachment
from postroom.inbox.models import AccessLevel
from postroom.outbound.models import Draft
from postroom.saved.models import SavedReply, SavedReplyAttachment
from tests.api.conftest import field_errors
from tests.outbound.conftest import send_due

PRICES = b"%PDF-1.4 the price list"


@pytest.fixture
def with_file(world) -> SavedReply:
    return actions.do_save_saved_reply(
        None,
        title="Prices",
        body="Hi {{ contact.first_name }}, our prices are attached.",
        scope="everyone",
        tags=["Sales", "pricing", "sales "],
        add_attachments=[NewAttachment("prices.pdf", "application/pdf", PRICES)],
        actor=world.alice,
    )


def test_the_form_adds_and_removes_files_and_tags(world, client_for):
    alice = client_for(world.alice)
    upload = SimpleUploadedFile("terms.txt", b"Our terms.", content_type="text/plain")
    response = alice.post(
        "/settings/saved-replies/",
        {
            "action": "save",
            "title": "Terms",
            "body": "See the terms.",
            "scope": "everyone",
            "tags": "legal, #Support, legal",
            "attachments": upload,
        },
    )
    assert response.status_code == 302
    saved = SavedReply.objects.get(title="Terms")
    assert saved.tags == ["legal", "Support"]
    [file] = saved.attachments.all()
    assert (file.filename, file.content_type, file.size) == ("terms.txt", "text/plain", 10)

    page = alice.get(f"/settings/saved-replies/?edit={saved.pk}").content.decode()
    assert f'name="remove_attachment" value="{file.pk}"' in page
    assert 'value="legal, Support"' in page
    alice.post(
        "/settings/saved-replies/",
        {
            "action": "save",
            "saved_reply": saved.pk,
            "title": "Terms",
            "body": "See the terms.",
            "scope": "everyone",
            "tags": "legal",
            "remove_attachment": str(file.pk),
        },
    )
    saved.refresh_from_db()
    assert saved.tags == ["legal"]
    assert SavedReplyAttachment.objects.count() == 0


def test_the_settings_page_filters_by_tag(world, with_file, client_for):
    actions.do_save_saved_reply(
        None,
        title="Refund",
        body="Refunded.",
        scope="everyone",
        tags=["support"],
        actor=world.alice,
    )
    bob = client_for(world.bob)
    everything = bob.get("/settings/saved-replies/").content.decode()
    assert "Prices" in everything and "Refund" in everything
    sales = bob.get("/settings/saved-replies/?tag=Sales").content.decode()
    assert ">Prices<" in sales
    assert ">Refund<" not in sales
    support = bob.get("/settings/saved-replies/?tag=support").content.decode()
    assert ">Refund<" in support
    assert ">Prices<" not in support


def test_the_picker_lists_tags_and_files(world, with_file, client_for):
    found = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/saved-replies/").json()
    [item] = found["saved_replies"]
    assert item["tags"] == ["pricing", "Sales"]
    assert item["attachments"] == [{"filename": "prices.pdf", "size": len(PRICES)}]


def test_inserting_puts_the_files_on_the_draft_once(world, with_file, client_for):
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/saved-replies/{with_file.pk}/use/"
    kept = [{"value": "d:0", "filename": "prices.pdf", "size": len(PRICES)}]
    assert bob.post(url).json() == {"kept": kept}
    assert bob.post(url).json() == {"kept": kept}  # inserted twice: attached once
    draft = Draft.objects.get(author=world.bob, conversation=world.bob_conversation)
    assert [(a["filename"], a["size"]) for a in draft.attachments] == [("prices.pdf", 15 + 8)]
    assert draft.autosaved


def test_the_files_go_out_with_the_sent_mail(world, with_file, client_for, peer, frozen):
    bob = client_for(world.bob)
    conversation = world.bob_conversation
    bob.post(f"/c/{conversation.pk}/saved-replies/{with_file.pk}/use/")
    response = bob.post(
        f"/c/{conversation.pk}/",
        {
            "action": "reply",
            "mode": "reply",
            "body": "Hi Carol, our prices are attached.",
            "when": "now",
            "keep": "d:0",
        },
    )
    assert response.status_code == 302
    assert send_due() == 1
    [got] = peer.received
    [part] = list(got.message.iter_attachments())
    assert part.get_filename() == "prices.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PRICES
    assert not Draft.objects.filter(author=world.bob, conversation=conversation).exists()


def test_a_reply_one_may_not_use_puts_nothing_on_a_draft(world, client_for):
    night = actions.do_create_team(name="Night", members=[world.bob], actor=world.alice)
    team_reply = actions.do_save_saved_reply(
        None,
        title="Night",
        body="Hi",
        scope="team",
        team=night,
        add_attachments=[NewAttachment("night.txt", "text/plain", b"night")],
        actor=world.bob,
    )
    actions.do_grant_access(
        world.support, user=world.dora, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    dora = client_for(world.dora)
    url = f"/c/{world.bob_conversation.pk}/saved-replies/{team_reply.pk}/use/"
    assert dora.post(url).status_code == 404
    assert not Draft.objects.filter(author=world.dora).exists()


def test_the_api_adds_lists_and_removes_files(world, api_as):
    alice = api_as(world.alice)
    created = alice.post(
        "/saved-replies",
        {
            "title": "Prices",
            "body": "Attached.",
            "scope": "everyone",
            "tags": ["sales", "Sales", "pricing"],
            "add_attachments": [
                {
                    "filename": "prices.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(PRICES).decode(),
                }
            ],
        },
    )
    assert created.status_code == 201
    body = created.json()
    [file] = SavedReplyAttachment.objects.all()
    assert body["tags"] == ["pricing", "sales"]
    assert body["attachments"] == [
        {"id": file.pk, "filename": "prices.pdf", "content_type": "application/pdf", "size": 23}
    ]
    # A change without tags or files keeps them.
    kept = alice.put(
        f"/saved-replies/{body['id']}", {"title": "Prices", "body": "New", "scope": "everyone"}
    )
    assert (kept.json()["tags"], len(kept.json()["attachments"])) == (["pricing", "sales"], 1)
    removed = alice.put(
        f"/saved-replies/{body['id']}",
        {"title": "Prices", "body": "New", "scope": "everyone", "remove_attachments": [file.pk]},
    )
    assert removed.json()["attachments"] == []
    assert SavedReplyAttachment.objects.count() == 0


def test_the_api_names_a_bad_file(world, with_file, api_as):
    alice = api_as(world.alice)
    bad = alice.post(
        "/saved-replies",
        {
            "title": "Bad",
            "body": "x",
            "scope": "personal",
            "add_attachments": [{"filename": "a.txt", "content_base64": "%%%"}],
        },
    )
    assert field_errors(bad) == {"body.add_attachments": "a.txt is not valid base64."}
    other = actions.do_save_saved_reply(
        None, title="Other", body="x", scope="personal", actor=world.alice
    )
    [theirs] = with_file.attachments.all()
    wrong = alice.put(
        f"/saved-replies/{other.pk}",
        {"title": "Other", "body": "x", "scope": "personal", "remove_attachments": [theirs.pk]},
    )
    assert field_errors(wrong) == {"body.remove_attachments": "Name files of this saved reply."}
    too_many = alice.post(
        "/saved-replies",
        {"title": "T", "body": "x", "scope": "personal", "tags": [str(n) for n in range(11)]},
    )
    assert list(field_errors(too_many)) == ["body.tags"]
    assert SavedReply.objects.count() == 2
