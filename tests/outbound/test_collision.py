"""Collision safety: a reply is held when something newer arrived while it was written."""

import pytest

from postroom.inbox import actions
from postroom.inbox.actions.collision import Collision, seen_now
from postroom.inbox.models import Message


def _outbound(world):
    return Message.objects.filter(conversation=world.bob_conversation, direction="out")


def test_a_customer_message_arriving_meanwhile_holds_the_reply(world):
    seen = seen_now(world.bob_conversation)
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="carol@customer.test", text="Actually, never mind"),
        conversation=world.bob_conversation,
    )
    with pytest.raises(Collision) as held:
        actions.do_reply(world.bob_conversation, "Here is the fix", actor=world.bob, seen=seen)
    assert [n.kind for n in held.value.newer] == ["message"]
    assert "never mind" in held.value.newer[0].text
    assert not _outbound(world).exists()
    actions.do_reply(
        world.bob_conversation, "Here is the fix", actor=world.bob, seen=seen, send_anyway=True
    )
    assert _outbound(world).count() == 1


def test_a_teammates_note_and_reply_hold_it_but_ones_own_do_not(world):
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "I am on it", actor=world.bob)
    actions.do_reply(world.bob_conversation, "first", actor=world.bob, seen=seen)
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "wait, I answer", actor=world.alice)
    with pytest.raises(Collision) as held:
        actions.do_reply(world.bob_conversation, "second", actor=world.bob, seen=seen)
    assert [(n.kind, n.who) for n in held.value.newer] == [("note", "Alice")]


def test_the_page_holds_the_reply_shows_the_news_and_sends_anyway(world, client_for):
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/"
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Refund already done", actor=world.alice)
    form = {
        "action": "reply",
        "mode": "reply",
        "body": "We will refund you",
        "to": "carol@customer.test",
        "quote": "1",
        "seen_message": seen.message,
        "seen_note": seen.note,
    }
    page = bob.post(url, form, follow=True).content.decode()
    assert 'data-testid="held"' in page and "Refund already done" in page
    assert "We will refund you" in page  # the draft is back in the composer
    assert not _outbound(world).exists()
    bob.post(url, {**form, "send_anyway": "1"})
    assert _outbound(world).count() == 1


def test_the_api_answers_409_with_the_newer_items(world, api_as):
    bob = api_as(world.bob)
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Hold on", actor=world.alice)
    url = f"/conversations/{world.bob_conversation.pk}/replies"
    body = {"body": "Done", "seen_message_id": seen.message, "seen_note_id": seen.note}
    response = bob.post(url, body)
    assert response.status_code == 409
    assert response.json()["newer"][0]["text"] == "Hold on"
    assert bob.post(url, {**body, "send_anyway": True}).status_code == 201
    assert _outbound(world).count() == 1


def _draft(world):
    from postroom.outbound.models import Draft

    return Draft.objects.filter(author=world.bob, conversation=world.bob_conversation)


def test_a_held_reply_is_kept_as_the_authors_draft_by_the_action(world):
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Refund already done", actor=world.alice)

    with pytest.raises(Collision):
        actions.do_reply(
            world.bob_conversation,
            "We will refund you",
            actor=world.bob,
            seen=seen,
            cc=["a@b.test"],
        )

    [draft] = _draft(world)
    assert (draft.body, draft.to, draft.cc, draft.mode) == (
        "We will refund you",
        ["carol@customer.test"],
        ["a@b.test"],
        "reply",
    )
    assert not _outbound(world).exists()


def test_sending_anyway_replaces_the_held_draft(world):
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Hold on", actor=world.alice)
    with pytest.raises(Collision):
        actions.do_reply(world.bob_conversation, "Done", actor=world.bob, seen=seen)

    actions.do_reply(world.bob_conversation, "Done", actor=world.bob, seen=seen, send_anyway=True)

    assert not _draft(world).exists()
    assert _outbound(world).count() == 1


def test_a_reply_held_on_the_page_keeps_its_draft(world, client_for):
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Refund already done", actor=world.alice)

    client_for(world.bob).post(
        f"/c/{world.bob_conversation.pk}/",
        {"action": "reply", "body": "Web words", "to": "carol@customer.test",
         "seen_message": seen.message, "seen_note": seen.note},
    )  # fmt: skip

    assert [d.body for d in _draft(world)] == ["Web words"]


def test_a_reply_held_through_the_api_keeps_its_draft_for_the_composer(world, api_as, client_for):
    seen = seen_now(world.bob_conversation)
    actions.do_add_note(world.bob_conversation, "Hold on", actor=world.alice)
    url = f"/conversations/{world.bob_conversation.pk}/replies"
    body = {"body": "API words", "seen_message_id": seen.message, "seen_note_id": seen.note}

    assert api_as(world.bob).post(url, body).status_code == 409

    assert [d.body for d in _draft(world)] == ["API words"]
    page = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "API words" in page
    assert not _outbound(world).exists()


def test_a_view_only_member_gets_no_draft_from_a_held_reply(world, api_as):
    seen = seen_now(world.sales_conversation)
    actions.do_add_note(world.sales_conversation, "Hold on", actor=world.alice)
    url = f"/conversations/{world.sales_conversation.pk}/replies"
    body = {"body": "Mine", "seen_message_id": seen.message, "seen_note_id": seen.note}

    assert api_as(world.dora).post(url, body).status_code == 403

    from postroom.outbound.models import Draft

    assert not Draft.objects.exists()
