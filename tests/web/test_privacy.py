"""A data subject's requests: export everything about a contact (JSON and the mail as
received), anonymise or erase them across every conversation, with a receipt in the
audit trail. Owners and admins only."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.files.storage import default_storage
from django.test import Client

from postroom.audit.models import AuditEntry
from postroom.events.reactors import drain
from postroom.inbox.models import Activity, Attachment, Contact, Conversation, Message
from postroom.inbox.models.conversation import ViewCount
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, Source
from postroom.mail.store import store_raw

MAIL = (
    b"From: Carol Customer <carol@customer.test>\r\nTo: support@example.test\r\n"
    b"Subject: My address changed\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\n"
    b"Message-ID: <addr-1@customer.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"\r\nI now live at 12 Elm Street.\r\n"
)


def owner(world) -> Client:
    client = Client()
    client.force_login(world.alice)
    return client


def carol(world) -> Contact:
    store_raw(MAIL, inbox=world.support, source=Source.SMTP)
    digest_all()
    return Contact.objects.get(email="carol@customer.test")


def test_the_export_holds_every_conversation_and_the_mail_as_received(world):
    contact = carol(world)
    answer = owner(world).get(f"/admin/contacts/{contact.pk}/privacy/", {"export": "zip"})
    assert answer["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    raw = RawMessage.objects.get()
    assert sorted(archive.namelist()) == ["contact.json", f"mail/{raw.message_id}.eml"]
    assert archive.read(f"mail/{raw.message_id}.eml") == MAIL
    document = json.loads(archive.read("contact.json"))
    assert document["contact"]["email"] == "carol@customer.test"
    assert sorted(c["subject"] for c in document["conversations"]) == [
        "Broken invoice",
        "My address changed",
    ]
    texts = [m["text"] for c in document["conversations"] for m in c["messages"]]
    assert "I now live at 12 Elm Street." in texts
    export = AuditEntry.objects.get(kind="export")
    assert (export.actor_id, export.target_type, export.target_id) == (
        world.alice.pk,
        "contact",
        contact.pk,
    )


def test_anonymise_keeps_the_conversations_without_the_customer(
    world, django_capture_on_commit_callbacks
):
    contact = carol(world)
    attachment = Attachment.objects.get(filename="invoice.pdf")
    name = attachment.file.name
    assert default_storage.exists(name)
    convos = list(Conversation.objects.filter(contact=contact).values_list("pk", flat=True))
    client = owner(world)
    refused = client.post(
        f"/admin/contacts/{contact.pk}/privacy/", {"mode": "anonymise", "confirm": "nope"}
    )
    assert refused.status_code == 302
    assert Message.objects.filter(from_email="carol@customer.test").count() == 2

    with_confirmation = {"mode": "anonymise", "confirm": "carol@customer.test"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/contacts/{contact.pk}/privacy/", with_confirmation)
    assert sorted(Conversation.objects.filter(pk__in=convos).values_list("subject", flat=True)) == [
        "(erased)",
        "(erased)",
    ]
    kept = Message.objects.filter(conversation__in=convos)
    assert {(m.from_email, m.text, m.subject) for m in kept} == {("", "(erased)", "(erased)")}
    assert not RawMessage.objects.exists()
    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.identities.count()) == ("(erased)", "", 0)
    receipt = Activity.objects.get(verb="contact.forgotten")
    assert receipt.data == {
        "contact": contact.pk,
        "mode": "anonymise",
        "conversations": 2,
        "messages": 2,
        "attachments": 1,
        "raw_messages": 1,
    }
    drain()
    audited = AuditEntry.objects.get(kind="contact.forgotten")
    assert (audited.actor_id, audited.data["mode"]) == (world.alice.pk, "anonymise")


def test_erase_deletes_the_conversations_and_the_contact(world):
    contact = carol(world)
    others = Conversation.objects.exclude(contact=contact).count()
    owner(world).post(
        f"/admin/contacts/{contact.pk}/privacy/",
        {"mode": "erase", "confirm": "carol@customer.test"},
    )
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Conversation.objects.count() == others
    assert not Message.objects.filter(from_email="carol@customer.test").exists()
    assert ViewCount.objects.stored() == ViewCount.objects.expected()


def test_agents_cannot_reach_it(world):
    contact = carol(world)
    agent = Client()
    agent.force_login(world.bob)
    url = f"/admin/contacts/{contact.pk}/privacy/"
    assert agent.get(url).status_code == 404
    assert agent.get(url, {"export": "zip"}).status_code == 404
    confirm = {"mode": "erase", "confirm": "carol@customer.test"}
    assert agent.post(url, confirm).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()
