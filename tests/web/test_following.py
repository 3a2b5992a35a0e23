"""Following from the conversation page: the button says whether the viewer follows,
and a follower is told when the customer replies."""

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity
from postroom.notifications.models import Follower, Notification


def _page(client, conversation) -> str:
    return client.get(f"/c/{conversation.pk}/").content.decode()


def test_bob_follows_from_the_page_then_unfollows(world, client_for):
    bob = client_for(world.bob)
    path = f"/c/{world.bob_conversation.pk}/"
    assert 'data-testid="follow"' in _page(bob, world.bob_conversation)

    response = bob.post(path, {"action": "follow"})

    assert response.status_code == 302
    assert list(Follower.objects.values_list("user__name", flat=True)) == ["Bob"]
    page = _page(bob, world.bob_conversation)
    assert 'data-testid="unfollow"' in page and 'data-testid="follow"' not in page

    bob.post(path, {"action": "unfollow"})

    assert not Follower.objects.exists()
    assert 'data-testid="follow"' in _page(bob, world.bob_conversation)
    assert list(
        Activity.objects.filter(verb__startswith="conversation.").values_list("verb", "actor")
    )[-2:] == [("conversation.followed", world.bob.pk), ("conversation.unfollowed", world.bob.pk)]


def test_the_page_shows_following_for_one_who_follows_by_writing_a_note(world, client_for):
    actions.do_add_note(world.bob_conversation, "watching this", actor=world.alice)

    assert 'data-testid="unfollow"' in _page(client_for(world.alice), world.bob_conversation)
    assert 'data-testid="follow"' in _page(client_for(world.bob), world.bob_conversation)


def test_a_follower_from_the_page_is_told_of_the_next_reply(world, client_for):
    client_for(world.dora).post(f"/c/{world.sales_conversation.pk}/", {"action": "follow"})

    actions.do_receive_message(
        world.sales,
        actions.InboundMessage(sender="sam@prospect.test", text="Still interested"),
        conversation=world.sales_conversation,
    )
    drain()  # the notifications reactor

    replies = Notification.objects.filter(kind="reply")  # (the fixture's assignment told bob)
    assert list(replies.values_list("user__name", "kind")) == [("Dora", "reply")]


def test_charlie_cannot_follow_bobs_conversation(world, client_for):
    response = client_for(world.charlie).post(
        f"/c/{world.bob_conversation.pk}/", {"action": "follow"}
    )

    assert response.status_code == 404
    assert not Follower.objects.exists()
