""" "Send and close" and "Send and set pending": the reply goes through the send action,
and the status is set only once the send is accepted."""

from __future__ import annotations

from postroom.inbox import actions
from postroom.inbox.models import Activity, Inbox, Message, Status


def _url(world) -> str:
    return f"/c/{world.bob_conversation.pk}/"


def _status(world) -> str:
    world.bob_conversation.refresh_from_db()
    return world.bob_conversation.status


def _sent() -> list[str]:
    return list(Message.objects.filter(direction="out").values_list("text", flat=True))


def test_the_composer_offers_both_beside_send(world, client_for, frozen):
    page = client_for(world.bob).get(_url(world)).content.decode()
    assert (
        '<button class="primary then" type="submit" name="then" value="closed" '
        'data-testid="send-close">Send and close</button>'
    ) in page
    assert 'name="then" value="pending" data-testid="send-pending">Send and set pending<' in page


def test_send_and_close_sends_then_closes(world, client_for, frozen):
    response = client_for(world.bob).post(
        _url(world), {"action": "reply", "body": "Fixed, see attached.", "then": "closed"}
    )
    assert response.status_code == 302
    assert _sent() == ["Fixed, see attached.\n"]
    assert _status(world) == Status.CLOSED
    changed = Activity.objects.filter(
        conversation=world.bob_conversation, verb="conversation.status"
    ).values_list("actor_id", "data")
    assert list(changed) == [(world.bob.pk, {"from": "open", "to": "closed"})]
    page = client_for(world.bob).get(_url(world)).content.decode()
    assert "Bob marked it closed" in page


def test_send_and_set_pending(world, client_for, frozen):
    client_for(world.bob).post(
        _url(world), {"action": "reply", "body": "Waiting for you.", "then": "pending"}
    )
    assert (_sent(), _status(world)) == (["Waiting for you.\n"], Status.PENDING)


def test_a_refused_send_leaves_the_status_alone(world, client_for, frozen):
    page = client_for(world.bob).post(
        _url(world), {"action": "reply", "body": "   ", "then": "closed"}, follow=True
    )
    assert (_sent(), _status(world)) == ([], Status.OPEN)
    assert 'class="error"' in page.content.decode()


def test_an_unknown_status_sends_nothing(world, client_for, frozen):
    page = (
        client_for(world.bob)
        .post(_url(world), {"action": "reply", "body": "Hi", "then": "spam"}, follow=True)
        .content.decode()
    )
    assert "Choose to close it or set it pending." in page
    assert (_sent(), _status(world)) == ([], Status.OPEN)


def test_a_close_refused_after_the_send_says_so_and_keeps_the_reply(world, client_for, frozen):
    Inbox.objects.filter(pk=world.support.pk).update(open_tasks_block_close=True)
    actions.do_add_task(world.bob_conversation, title="Refund", actor=world.bob)
    page = (
        client_for(world.bob)
        .post(_url(world), {"action": "reply", "body": "On it.", "then": "closed"}, follow=True)
        .content.decode()
    )
    assert (_sent(), _status(world)) == (["On it.\n"], Status.OPEN)
    assert (
        "Sent, but the status was not changed: 1 open task: check it off or delete it first."
    ) in page
