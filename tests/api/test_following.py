"""POST and DELETE /conversations/{id}/follow: anyone who can view the inbox may follow."""

from __future__ import annotations

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity
from postroom.notifications.models import Follower, Notification


def _followers(conversation) -> list[str]:
    rows = Follower.objects.filter(conversation=conversation).order_by("user__name")
    return [f.user.name for f in rows]


def test_bob_follows_and_is_told_of_the_next_reply(world, api_as):
    response = api_as(world.bob).post(f"/conversations/{world.bob_conversation.pk}/follow")

    assert response.status_code == 200
    assert response.json() == {"conversation_id": world.bob_conversation.pk, "following": True}
    assert _followers(world.bob_conversation) == ["Bob"]
    activity = Activity.objects.get(verb="conversation.followed")
    assert (activity.actor, activity.data) == (world.bob, {"user": world.bob.pk})

    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="carol@customer.test", text="Any news?"),
        conversation=world.bob_conversation,
    )
    drain()  # the notifications reactor (bob's assignment in the fixture, then the reply)
    assert list(Notification.objects.filter(kind="reply").values_list("user__name", "kind")) == [
        ("Bob", "reply")
    ]


def test_following_twice_writes_one_row_and_one_activity(world, api_as):
    bob = api_as(world.bob)
    bob.post(f"/conversations/{world.bob_conversation.pk}/follow")
    response = bob.post(f"/conversations/{world.bob_conversation.pk}/follow")

    assert response.status_code == 200
    assert _followers(world.bob_conversation) == ["Bob"]
    assert Activity.objects.filter(verb="conversation.followed").count() == 1


def test_bob_unfollows(world, api_as):
    bob = api_as(world.bob)
    bob.post(f"/conversations/{world.bob_conversation.pk}/follow")

    response = bob.delete(f"/conversations/{world.bob_conversation.pk}/follow")

    assert response.status_code == 200
    assert response.json() == {"conversation_id": world.bob_conversation.pk, "following": False}
    assert _followers(world.bob_conversation) == []
    activity = Activity.objects.get(verb="conversation.unfollowed")
    assert activity.actor == world.bob


def test_dora_with_view_only_may_follow(world, api_as):
    response = api_as(world.dora).post(f"/conversations/{world.sales_conversation.pk}/follow")

    assert response.status_code == 200
    assert _followers(world.sales_conversation) == ["Dora"]


def test_charlie_cannot_follow_and_nothing_is_written(world, api_as):
    response = api_as(world.charlie).post(f"/conversations/{world.bob_conversation.pk}/follow")

    assert response.status_code == 404
    assert not Follower.objects.exists()
    assert not Activity.objects.filter(verb="conversation.followed").exists()
