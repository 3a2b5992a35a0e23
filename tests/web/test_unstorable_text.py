"""Text the database cannot store, arriving through the web app (issue 12).

A NUL character gave a 500 on PostgreSQL in search, address suggestions, notes, replies,
subjects and the settings form, and was stored as-is on SQLite. Query strings and form
fields are now cleaned where every request enters (postroom/core/text.py), so both
databases store and find the same thing.
"""

from __future__ import annotations

import pytest

from postroom.core.text import clean_text, text_problem
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Message, Note
from tests.searching import index_now


def test_search_with_a_nul_searches_for_the_text_without_it(world, client_for):
    index_now()
    response = client_for(world.alice).get("/search/?q=inv%00oice")

    assert response.status_code == 200
    assert "Broken invoice" in response.content.decode()


def test_address_suggestions_with_a_nul_are_the_suggestions_without_it(world, client_for):
    response = client_for(world.alice).get("/addresses/?to=ca%00rol")

    assert response.status_code == 200
    assert 'value="carol@customer.test"' in response.content.decode()


def test_a_note_with_a_nul_is_stored_without_it(world, client_for):
    conversation = world.bob_conversation

    response = client_for(world.bob).post(
        f"/c/{conversation.pk}/", {"action": "note", "body": "see\x00 the log"}
    )

    assert response.status_code == 302
    assert list(Note.objects.values_list("body", flat=True)) == ["see the log"]


def test_a_reply_with_a_nul_is_stored_without_it(world, client_for):
    conversation = world.bob_conversation

    response = client_for(world.bob).post(
        f"/c/{conversation.pk}/", {"action": "reply", "body": "Fixed\x00 now"}
    )

    assert response.status_code == 302
    reply = Message.objects.filter(conversation=conversation).latest("id")
    assert reply.text.startswith("Fixed now")


def test_a_new_conversation_subject_with_a_nul_is_stored_without_it(world, client_for):
    before = set(Conversation.objects.values_list("pk", flat=True))

    response = client_for(world.bob).post(
        "/inbox/support/compose/",
        {"to": "dan@example.test", "subject": "Hel\x00lo", "body": "Hi"},
    )

    assert response.status_code == 302
    new = Conversation.objects.exclude(pk__in=before).get()
    assert new.subject == "Hello"


def test_the_settings_form_with_a_nul_saves_the_name_without_it(world, client_for):
    response = client_for(world.bob).post(
        "/settings/", {"name": "Bo\x00b Smith", "time_zone": "Europe/Paris"}
    )

    assert response.status_code == 302
    world.bob.refresh_from_db()
    assert world.bob.name == "Bob Smith"


def test_a_lone_surrogate_cannot_arrive_through_a_form(world, client_for):
    """Form bodies are decoded from UTF-8 with replacement, so "\\ud800" encoded as bytes
    arrives as U+FFFD, which is stored like any character."""
    conversation = world.bob_conversation

    response = client_for(world.bob).post(
        f"/c/{conversation.pk}/",
        b"action=note&body=x%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 302
    assert list(Note.objects.values_list("body", flat=True)) == ["x\ufffd\ufffd\ufffd"]


def test_a_search_for_only_a_nul_finds_nothing_and_answers(world, client_for):
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="x@example.test", subject="a", text="b")
    )

    response = client_for(world.alice).get("/search/?q=%00")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("text", "problem", "cleaned"),
    [
        ("plain", None, "plain"),
        ("a\x00b", "NUL", "ab"),
        ("x\ud800y", "surrogate", "xy"),
        ("emoji \U0001f600", None, "emoji \U0001f600"),
    ],
)
def test_the_shared_rule(text, problem, cleaned):
    found = text_problem(text)
    assert (found is None) if problem is None else (problem in (found or ""))
    assert clean_text(text) == cleaned
