"""GET /conversations/{id}: one conversation with its messages, notes, people and labels."""

from __future__ import annotations

from postroom.inbox import actions


def test_bob_reads_his_conversation(world, api_as):
    response = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == world.bob_conversation.pk
    assert body["subject"] == "Broken invoice"
    assert (body["status"], body["priority"], body["snoozed_until"]) == ("open", "normal", None)
    assert [a["name"] for a in body["assignees"]] == ["Bob"]


def test_messages_carry_attachment_metadata_and_a_download_url(world, api_as):
    body = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()

    [message] = body["messages"]
    assert message["direction"] == "in"
    assert message["from_email"] == "carol@customer.test"
    assert message["text"] == "Hello, my invoice is wrong."
    [attachment] = message["attachments"]
    assert attachment["filename"] == "invoice.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(b"%PDF-1.4 demo")
    assert attachment["url"] == f"/api/v1/attachments/{attachment['id']}"


def test_the_download_url_serves_the_file_with_the_same_token(world, api_as):
    bob = api_as(world.bob)
    body = bob.get(f"/conversations/{world.bob_conversation.pk}").json()
    [attachment] = body["messages"][0]["attachments"]

    response = bob.get(attachment["url"].removeprefix("/api/v1"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"


def test_notes_are_included_in_time_order(world, api_as):
    actions.do_add_note(world.bob_conversation, "First **look**", actor=world.alice)
    actions.do_add_note(world.bob_conversation, "Second look", actor=world.bob)

    notes = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()["notes"]

    assert [(n["author"]["name"], n["body"]) for n in notes] == [
        ("Alice", "First **look**"),
        ("Bob", "Second look"),
    ]
    assert "<strong>look</strong>" in notes[0]["body_html"]


def test_labels_on_the_conversation_are_listed(world, api_as):
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)

    labels = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()["labels"]

    assert labels == [{"id": world.billing.pk, "name": "Billing", "color": "#d97706", "icon": "💳"}]


def test_times_are_iso_8601_utc(world, api_as):
    body = api_as(world.bob).get(f"/conversations/{world.bob_conversation.pk}").json()

    for moment in (body["created_at"], body["last_activity_at"], body["messages"][0]["created_at"]):
        assert moment.endswith("Z")
        assert "T" in moment


def test_a_conversation_that_does_not_exist_is_404(world, api_as):
    response = api_as(world.alice).get("/conversations/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_dora_cannot_read_a_support_conversation(world, api_as):
    response = api_as(world.dora).get(f"/conversations/{world.bob_conversation.pk}")

    assert response.status_code == 404
