"""Fair assignment: round robin and least loaded within a team, with capacities, people
who are not available, and conversations that wait until someone frees up."""

from __future__ import annotations

from collections import Counter

import pytest

from postroom.automation import assignment
from postroom.automation.models import AssignmentWait, Capacity, RuleRun
from postroom.automation.reactor import assign_waiting
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Conversation, ConversationAssignee, Status
from tests.conftest import make_user


@pytest.fixture
def agents(world):
    people = [make_user(f"agent{n:02d}") for n in range(10)]
    team = actions.do_create_team(name="Front line", actor=world.alice)
    actions.do_set_team_members(team, people, actor=world.alice)
    actions.do_grant_access(
        world.support, team=team, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    return team, people


def hand_out_rule(world, team, kind: str):
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name="Hand out",
        trigger="conversation.created",
        conditions=None,
        actions=[{"kind": kind, "team": team.pk}],
        enabled=True,
        actor=world.alice,
    )


def receive(world, n: int, *, drain_each: bool = False) -> list[Conversation]:
    made = []
    for i in range(n):
        message = actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=f"c{i}@customer.test", subject=f"Question {i}"),
        )
        made.append(message.conversation)
        if drain_each:
            drain()
    drain()
    return [Conversation.objects.get(pk=c.pk) for c in made]


def spread(people) -> list[int]:
    counts = Counter(
        ConversationAssignee.objects.filter(user__in=people).values_list("user_id", flat=True)
    )
    return [counts[p.pk] for p in people]


def test_a_thousand_conversations_over_ten_people_with_shifts_away_and_capacity(world, agents):
    from datetime import UTC, datetime

    from postroom.core import clock
    from postroom.schedules.hours import parse_spans

    team, people = agents
    clock.freeze(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))  # a Monday morning (UTC)
    for person in people[:2]:  # on shift only in the evening
        actions.do_set_shifts(person, week=[parse_spans("20:00-23:00")] * 7, actor=person)
    actions.do_set_shifts(people[2], week=[parse_spans("08:00-12:00")] * 7, actor=people[2])
    actions.do_set_away(people[3], away=True, note="At the dentist", actor=people[3])
    Capacity.objects.create(user=people[4], max_open=40)
    hand_out_rule(world, team, "assign_round_robin")
    conversations = receive(world, 1000)
    counts = spread(people)
    assert counts[:2] == [0, 0]  # off shift
    assert counts[3] == 0  # away
    assert counts[4] == 40  # full at forty
    # The other six share the rest evenly: 960 over six.
    assert [counts[i] for i in (2, 5, 6, 7, 8, 9)] == [160] * 6
    # In turn: the first six went to the six available people in order.
    firsts = [list(c.assignees.values_list("pk", flat=True)) for c in conversations[:6]]
    assert firsts == [[people[i].pk] for i in (2, 4, 5, 6, 7, 8)]
    assert {c.assigned_team_id for c in conversations} == {team.pk}


def test_least_loaded_evens_out_existing_loads(world, agents, monkeypatch):
    team, people = agents
    away = {people[1].pk, people[4].pk, people[7].pk}
    monkeypatch.setattr(
        assignment, "AVAILABLE", [lambda found, inbox, at: [p for p in found if p.pk not in away]]
    )
    # Agent 2 already has ten open conversations: the others catch up first.
    for conversation in receive(world, 10):
        actions.do_assign(conversation, users=[people[2]], actor=world.alice)
    Capacity.objects.create(user=people[0], max_open=5)
    hand_out_rule(world, team, "assign_least_loaded")
    receive(world, 70)
    counts = spread(people)
    assert [counts[i] for i in (1, 4, 7)] == [0, 0, 0]
    assert counts[0] == 5  # full at five
    # 75 among six (agent 2's ten and 65 new), within one of each other; agent 2 got
    # three more only once the others had caught up with its ten.
    assert [counts[i] for i in (2, 3, 5, 6, 8, 9)] == [13, 13, 13, 12, 12, 12]


def test_when_everyone_is_full_conversations_wait_and_go_out_as_places_free(world, agents):
    team, people = agents
    for person in people:
        Capacity.objects.create(user=person, max_open=1)
    rule = hand_out_rule(world, team, "assign_round_robin")
    conversations = receive(world, 12)
    assert spread(people) == [1] * 10
    waiting = [w.conversation_id for w in AssignmentWait.objects.order_by("since", "id")]
    assert waiting == [conversations[10].pk, conversations[11].pk]
    assert RuleRun.objects.filter(rule=rule).order_by("id").last().done == [
        "assign in turn within Front line: waiting: nobody in Front line is free"
    ]
    # Agent 3 closes theirs: the oldest waiting conversation goes to them.
    mine = Conversation.objects.get(assignees=people[3])
    actions.do_change_status(mine, Status.CLOSED, actor=people[3])
    drain()
    assert list(Conversation.objects.get(pk=conversations[10].pk).assignees.all()) == [people[3]]
    assert [w.conversation_id for w in AssignmentWait.objects.all()] == [conversations[11].pk]
    # A raised capacity is picked up by the periodic job.
    Capacity.objects.filter(user=people[6]).update(max_open=2)
    assert assign_waiting() == 1
    assert list(Conversation.objects.get(pk=conversations[11].pk).assignees.all()) == [people[6]]
    assert AssignmentWait.objects.count() == 0


def test_a_waiting_conversation_taken_by_hand_stops_waiting(world, agents):
    team, people = agents
    for person in people:
        Capacity.objects.create(user=person, max_open=0)
    hand_out_rule(world, team, "assign_least_loaded")
    (conversation,) = receive(world, 1)
    assert AssignmentWait.objects.count() == 1
    actions.do_assign(conversation, users=[world.bob], actor=world.bob)
    Capacity.objects.update(max_open=5)
    assert assign_waiting() == 0
    assert AssignmentWait.objects.count() == 0
    assert list(conversation.assignees.all()) == [world.bob]
