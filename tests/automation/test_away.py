"""Out of office: a customer's reply to a conversation whose assignees are all away (or
on time off) goes to someone of its team at work, or back to Unassigned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postroom.automation.reactor import assign_waiting
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Activity, Conversation, MessageKind
from postroom.schedules.hours import parse_spans
from tests.conftest import make_user


def reply(world, conversation, text="It still does not work.", **extra):
    message = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Re: Broken invoice", text=text, **extra
        ),
        conversation=conversation,
    )
    drain()
    return message


def assignees(conversation) -> list[str]:
    fresh = Conversation.objects.get(pk=conversation.pk)
    return sorted(fresh.assignees.values_list("name", flat=True))


@pytest.fixture
def now(world):
    moment = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday, at night
    clock.freeze(moment)
    return moment


@pytest.fixture
def team(world):
    erin = make_user("erin")
    team = actions.do_create_team(name="Front line", actor=world.alice)
    actions.do_set_team_members(team, [world.bob, erin], actor=world.alice)
    actions.do_grant_access(
        world.support, team=team, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    return team, erin


def test_a_reply_to_someone_away_goes_back_to_unassigned(world):
    conversation = world.bob_conversation
    drain()
    actions.do_set_away(world.bob, away=True, note="On holiday", actor=world.bob)
    reply(world, conversation)
    assert assignees(conversation) == []
    event = LoggedEvent.objects.filter(type="conversation.unassigned").latest("id")
    assert (event.actor_kind, event.data["removed"]) == ("system", [world.bob.pk])
    activity = Activity.objects.filter(conversation=conversation).latest("id")
    assert (activity.actor_kind, activity.actor_name) == ("system", "Out of office")


def test_with_a_team_it_goes_to_a_teammate_at_work(world, team, client_for):
    group, _erin = team
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.bob], team=group, actor=world.alice)
    drain()
    actions.do_set_away(world.bob, away=True, actor=world.bob)
    reply(world, conversation)
    assert assignees(conversation) == ["Erin"]
    assert Conversation.objects.get(pk=conversation.pk).assigned_team_id == group.pk
    page = client_for(world.alice).get(f"/c/{conversation.pk}/").content.decode()
    assert "Out of office" in page


def test_time_off_counts_as_out_and_the_night_does_not(world, team, now):
    group, _erin = team
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.bob], team=group, actor=world.alice)
    week = [parse_spans("09:00-10:00")] + [[]] * 6  # Mondays only: off shift now
    actions.do_set_shifts(world.bob, week=week, actor=world.bob)
    reply(world, conversation)
    assert assignees(conversation) == ["Bob"]  # off shift is not out of office
    today = now.date()
    tomorrow = today + timedelta(days=1)
    actions.do_add_time_off(world.bob, first_day=today, last_day=tomorrow, actor=world.bob)
    reply(world, conversation, text="Any news?")
    assert assignees(conversation) == ["Erin"]


def test_someone_still_around_keeps_it_and_an_auto_reply_moves_nothing(world, team):
    _group, erin = team
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.bob, erin], actor=world.alice)
    actions.do_set_away(world.bob, away=True, actor=world.bob)
    reply(world, conversation)
    assert assignees(conversation) == ["Bob", "Erin"]
    actions.do_set_away(world.bob, away=False, actor=world.bob)
    actions.do_unassign(conversation, user=erin, actor=world.alice)
    actions.do_set_away(world.bob, away=True, actor=world.bob)
    reply(world, conversation, text="I am out of the office.", kind=MessageKind.AUTO_REPLY)
    assert assignees(conversation) == ["Bob"]


def test_when_the_whole_team_is_out_it_waits_unassigned(world, team):
    group, erin = team
    conversation = world.bob_conversation
    actions.do_assign(conversation, users=[world.bob], team=group, actor=world.alice)
    for person in (world.bob, erin):
        actions.do_set_away(person, away=True, actor=world.alice)
    reply(world, conversation)
    assert assignees(conversation) == []
    actions.do_set_away(erin, away=False, actor=world.alice)
    assert assign_waiting() == 1
    assert assignees(conversation) == ["Erin"]
