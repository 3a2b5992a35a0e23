"""@mentions, followers and notifications, in the actions and from the outside."""

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.notifications.models import Follower, Mention, Notification


def test_mentioning_a_teammate_notifies_them_and_lists_the_conversation(world, client_for):
    actions.do_add_note(
        world.bob_conversation, "@alice can you approve the refund?", actor=world.bob
    )
    notification = Notification.objects.get(user=world.alice)
    assert notification.kind == "mention"
    assert "Bob mentioned you" in notification.text
    assert Mention.objects.filter(user=world.alice, conversation=world.bob_conversation).exists()
    assert Follower.objects.filter(user=world.alice, conversation=world.bob_conversation).exists()
    alice = client_for(world.alice)
    assert "Broken invoice" in alice.get("/mentions/").content.decode()
    page = alice.get("/notifications/").content.decode()
    assert "Bob mentioned you" in page
    note_html = world.bob_conversation.notes.get().body_html
    assert '<span class="mention"' in note_html


def test_a_mention_of_someone_without_access_tells_them_nothing(world):
    actions.do_add_note(world.bob_conversation, "cc @charlie and @dora", actor=world.bob)
    assert not Notification.objects.filter(user__in=[world.charlie, world.dora]).exists()
    assert not Mention.objects.exists()
    assert '<span class="mention"' not in world.bob_conversation.notes.get().body_html


def test_mentioning_a_team_notifies_its_members_who_can_see(world):
    actions.do_create_team(
        name="Billing desk", members=[world.alice, world.charlie], actor=world.alice
    )
    actions.do_add_note(world.bob_conversation, "@billing-desk please check", actor=world.bob)
    assert list(Notification.objects.values_list("user__name", flat=True)) == ["Alice"]


def test_nobody_is_notified_of_their_own_mention(world):
    actions.do_add_note(world.bob_conversation, "note to self @bob", actor=world.bob)
    assert not Notification.objects.exists()


def test_assignment_notifies_the_assignee(world):
    actions.do_assign(world.sales_conversation, users=[world.dora], actor=world.alice)
    drain()
    notification = Notification.objects.get(user=world.dora)
    assert notification.kind == "assigned"
    assert Follower.objects.filter(user=world.dora, conversation=world.sales_conversation).exists()


def test_a_customer_reply_notifies_followers(world):
    actions.do_add_note(world.bob_conversation, "watching this", actor=world.alice)
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="carol@customer.test", sender_name="Carol", text="Any news?"),
        conversation=world.bob_conversation,
    )
    drain()
    assert Notification.objects.filter(user=world.alice, kind="reply").exists()


def test_follow_and_unfollow(world):
    from postroom.inbox.actions.notifications import do_follow, do_unfollow

    do_follow(world.bob_conversation, actor=world.bob)
    assert Follower.objects.filter(user=world.bob).count() == 1
    do_unfollow(world.bob_conversation, actor=world.bob)
    assert not Follower.objects.filter(user=world.bob).exists()


def test_notifications_about_inboxes_lost_are_hidden(world, client_for):
    from postroom.inbox.models import InboxAccess

    actions.do_add_note(world.bob_conversation, "@bob look", actor=world.alice)
    bob = client_for(world.bob)
    assert "mentioned you" in bob.get("/notifications/").content.decode()
    actions.do_revoke_access(InboxAccess.objects.get(user=world.bob), actor=world.alice)
    page = bob.get("/notifications/", follow=True).content.decode()
    assert "mentioned you" not in page
    assert "Broken invoice" not in bob.get("/mentions/").content.decode()


def test_mark_all_read_and_the_unread_badge(world, client_for):
    actions.do_add_note(world.bob_conversation, "@alice one", actor=world.bob)
    actions.do_add_note(world.bob_conversation, "@alice two", actor=world.bob)
    alice = client_for(world.alice)
    assert 'data-testid="unread">2<' in alice.get("/settings/").content.decode()
    alice.post("/notifications/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_preferences_are_saved(world, client_for):
    from postroom.notifications.models import Preference

    client_for(world.bob).post(
        "/settings/", {"action": "notifications", "email_mode": "digest", "email_mentions": "on"}
    )
    preference = Preference.objects.get(user=world.bob)
    assert (preference.email_mode, preference.email_mentions, preference.email_replies) == (
        "digest",
        True,
        False,
    )
