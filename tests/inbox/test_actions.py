"""Actions write their change, an Activity row and an event after commit, or nothing at all."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.events import subscribe
from postroom.inbox.models import (
    AccessLevel,
    Activity,
    Conversation,
    DeliveryStatus,
    Direction,
    Priority,
    Status,
)


@pytest.fixture
def events():
    seen = []
    unsubscribe = subscribe(seen.append)
    yield seen
    unsubscribe()


def test_assign_writes_activity_and_emits_after_commit(
    world, events, django_capture_on_commit_callbacks
):
    convo = world.sales_conversation
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_assign(convo, users=[world.dora], actor=world.alice)
    convo.refresh_from_db()
    assert convo.is_assigned
    assert list(convo.assignees.all()) == [world.dora]
    activity = Activity.objects.filter(conversation=convo, verb="conversation.assigned").get()
    assert activity.actor == world.alice and activity.data["added"] == [world.dora.pk]
    # (the notification reactor adds a personal event for dora; it has its own tests)
    domain = [e for e in events if not e.type.startswith("notification.")]
    assert [e.type for e in domain] == ["conversation.assigned"]
    assert domain[0].inbox_id == world.sales.pk and domain[0].conversation_id == convo.pk


def test_rolled_back_action_emits_nothing(world, events, django_capture_on_commit_callbacks):
    convo = world.sales_conversation
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                actions.do_assign(convo, users=[world.dora], actor=world.alice)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert events == []
    assert not Activity.objects.filter(conversation=convo, verb="conversation.assigned").exists()


def test_cannot_assign_someone_without_access(world):
    with pytest.raises(ValidationError) as exc:
        actions.do_assign(world.bob_conversation, users=[world.charlie], actor=world.alice)
    assert "users" in exc.value.message_dict


def test_assign_team_and_multiple_people_then_unassign(world):
    team = actions.do_create_team(name="Tier 2", members=[world.bob], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=AccessLevel.VIEW, actor=world.alice)
    convo = world.bob_conversation
    actions.do_assign(convo, users=[world.alice, world.bob], team=team, actor=world.alice)
    assert set(convo.assignees.all()) == {world.alice, world.bob}
    actions.do_unassign(convo, user=world.bob, actor=world.alice)
    assert list(convo.assignees.all()) == [world.alice]
    actions.do_unassign(convo, actor=world.alice)
    convo.refresh_from_db()
    assert not convo.is_assigned and convo.assigned_team is None


def test_labels_add_once_and_remove(world):
    convo = world.bob_conversation
    assert actions.do_add_label(convo, world.billing, actor=world.bob)
    assert not actions.do_add_label(convo, world.billing, actor=world.bob)
    assert actions.do_remove_label(convo, world.billing, actor=world.bob)
    verbs = list(Activity.objects.filter(conversation=convo).values_list("verb", flat=True))
    assert verbs.count("conversation.labelled") == 1
    assert verbs.count("conversation.unlabelled") == 1


def test_note_renders_markdown_safely(world):
    note = actions.do_add_note(
        world.bob_conversation, "**Hi** <script>alert(1)</script>", actor=world.bob
    )
    assert "<strong>Hi</strong>" in note.body_html
    assert "<script>" not in note.body_html


def test_empty_note_is_refused_with_the_field(world):
    with pytest.raises(ValidationError) as exc:
        actions.do_add_note(world.bob_conversation, "   ", actor=world.bob)
    assert "body" in exc.value.message_dict


def test_pending_reopens_when_the_customer_replies(world):
    convo = world.bob_conversation
    actions.do_change_status(convo, Status.PENDING, actor=world.bob)
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="carol@customer.test", text="Any news?"),
        conversation=convo,
    )
    convo.refresh_from_db()
    assert convo.status == Status.OPEN
    assert convo.message_count == 2


def test_snooze_wakes_at_its_time_and_not_before(world):
    convo = world.bob_conversation
    start = clock.now()
    actions.do_snooze(convo, start + timedelta(hours=1), actor=world.bob)
    assert actions.do_wake_snoozed(start + timedelta(minutes=59)) == 0
    assert actions.do_wake_snoozed(start + timedelta(minutes=61)) == 1
    convo.refresh_from_db()
    assert convo.status == Status.OPEN and convo.snoozed_until is None
    assert Activity.objects.filter(
        conversation=convo, verb="conversation.woke", actor_kind="system"
    ).exists()


def test_snooze_ends_early_when_the_customer_replies(world):
    convo = world.bob_conversation
    actions.do_snooze(convo, clock.now() + timedelta(days=2), actor=world.bob)
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="carol@customer.test", text="Hello?"),
        conversation=convo,
    )
    convo.refresh_from_db()
    assert convo.status == Status.OPEN


def test_snooze_needs_a_future_aware_time(world):
    with pytest.raises(ValidationError) as exc:
        actions.do_snooze(world.bob_conversation, clock.now() - timedelta(hours=1), actor=world.bob)
    assert "until" in exc.value.message_dict


def test_trash_is_restorable_then_purged_after_retention(world, settings):
    settings.POSTROOM_TRASH_RETENTION_DAYS = 30
    convo = world.bob_conversation
    actions.do_change_status(convo, Status.TRASH, actor=world.bob)
    actions.do_change_status(convo, Status.OPEN, actor=world.bob)
    actions.do_change_status(convo, Status.TRASH, actor=world.bob)
    assert actions.do_purge_trash(clock.now() + timedelta(days=29)) == 0
    assert actions.do_purge_trash(clock.now() + timedelta(days=31)) == 1
    assert not Conversation.objects.filter(pk=convo.pk).exists()
    assert Activity.objects.filter(verb="conversation.purged").exists()


def test_priority_is_validated(world):
    actions.do_set_priority(world.bob_conversation, Priority.URGENT, actor=world.bob)
    with pytest.raises(ValidationError) as exc:
        actions.do_set_priority(world.bob_conversation, 9, actor=world.bob)
    assert "priority" in exc.value.message_dict


def test_reply_on_behalf_names_the_agent(world):
    message = actions.do_reply(world.bob_conversation, "Fixed it, **sorry**!", actor=world.bob)
    assert message.direction == Direction.OUTBOUND
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert message.from_name == "Bob via Support"
    assert message.from_email == "support@example.test"
    assert message.sender_email == "bob@example.test"
    assert message.to == ["carol@customer.test"]
    assert "<strong>sorry</strong>" in message.html


def test_send_as_uses_only_the_inbox(world):
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.SEND_AS, actor=world.alice
    )
    message = actions.do_reply(world.bob_conversation, "Done.", actor=world.bob)
    assert (message.from_name, message.sender_email) == ("Support", "")


def test_view_only_cannot_reply(world):
    with pytest.raises(PermissionDenied):
        actions.do_reply(world.sales_conversation, "Hi", actor=world.dora)


def test_reply_validates_addresses(world):
    with pytest.raises(ValidationError) as exc:
        actions.do_reply(world.bob_conversation, "Hi", to=["not-an-address"], actor=world.bob)
    assert "to" in exc.value.message_dict


def test_last_owner_cannot_be_deactivated(world):
    with pytest.raises(ValidationError):
        actions.do_set_user_active(world.alice, False, actor=SYSTEM)
