"""Merge, split and move: through actions that log activity, and from the page."""

import pytest
from django.core.exceptions import ValidationError

from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, Message


def _second_support_conversation(world):
    return actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Also: my address changed", text="New address"
        ),
    ).conversation


def test_merge_moves_messages_notes_labels_and_assignees(world):
    target = world.bob_conversation
    source = _second_support_conversation(world)
    actions.do_add_note(source, "note on source", actor=world.alice)
    actions.do_add_label(source, world.billing, actor=world.alice)
    actions.do_assign(source, users=[world.alice], actor=world.alice)
    actions.do_merge_conversations(target, source, actor=world.alice)
    target.refresh_from_db()
    assert not Conversation.objects.filter(pk=source.pk).exists()
    assert target.message_count == 2
    assert target.notes.count() == 1
    assert list(target.labels.all()) == [world.billing]
    assert set(target.assignees.all()) == {world.alice, world.bob}
    assert Activity.objects.filter(conversation=target, verb="conversation.merged").exists()


def test_merge_across_inboxes_is_refused(world):
    with pytest.raises(ValidationError):
        actions.do_merge_conversations(
            world.bob_conversation, world.sales_conversation, actor=world.alice
        )


def test_split_makes_a_new_conversation_for_the_message(world):
    convo = world.bob_conversation
    reply = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="dave@other.test", subject="Unrelated", text="Different person"
        ),
        conversation=convo,
    )
    new = actions.do_split_message(reply, actor=world.bob)
    assert new.contact.email == "dave@other.test"
    assert list(new.messages.all()) == [reply]
    convo.refresh_from_db()
    assert convo.message_count == 1


def test_move_unassigns_people_without_access_to_the_new_inbox(world):
    convo = world.bob_conversation
    actions.do_move_conversation(convo, world.sales, actor=world.alice)
    convo.refresh_from_db()
    assert convo.inbox == world.sales
    assert list(convo.assignees.all()) == []
    moved = Activity.objects.get(conversation=convo, verb="conversation.moved")
    assert moved.data["unassigned"] == [world.bob.pk]


def test_bob_cannot_move_into_an_inbox_he_cannot_see(world, client_for):
    bob = client_for(world.bob)
    bob.post(f"/c/{world.bob_conversation.pk}/", {"action": "move", "inbox": "sales"})
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.inbox == world.support


def test_bob_cannot_merge_a_conversation_he_cannot_see(world, client_for):
    bob = client_for(world.bob)
    response = bob.post(
        f"/c/{world.bob_conversation.pk}/",
        {"action": "merge", "other": str(world.sales_conversation.pk)},
    )
    assert response.status_code == 404
    assert Conversation.objects.filter(pk=world.sales_conversation.pk).exists()


def test_merge_and_split_from_the_page(world, client_for):
    alice = client_for(world.alice)
    source = _second_support_conversation(world)
    url = f"/c/{world.bob_conversation.pk}/"
    alice.post(url, {"action": "merge", "other": f"#{source.pk}", "confirm": "yes"})
    page = alice.get(url).content.decode()
    assert "Also: my address changed" in page and "merged" in page
    moved = Message.objects.get(subject="Also: my address changed")
    alice.post(url, {"action": "split", "message": moved.pk})
    moved.refresh_from_db()
    assert moved.conversation_id != world.bob_conversation.pk
