"""Reactors: each event once per reactor, in log order, retried with backoff, then parked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.events import reactors
from postroom.events.catalogue import EventType
from postroom.events.models import LoggedEvent, ReactorCursor, ReactorFailure
from postroom.events.reactors import MAX_ATTEMPTS, Reactor, drain, retry_parked, run_reactor
from postroom.inbox import actions
from postroom.inbox.models import Note, Priority

CALLS: list[tuple[int, str]] = []
FAIL_ON: set[int] = set()  # conversation ids whose events fail


def handler(event: LoggedEvent) -> None:
    """A reactor that writes through an action, so a failure's rollback can be seen."""
    from postroom.accounts.models import User
    from postroom.inbox.models import Conversation

    conversation = Conversation.objects.get(pk=event.conversation_id)
    alice = User.objects.get(email="alice@example.test")
    actions.do_add_note(conversation, f"seen {event.type} #{event.pk}", actor=alice)
    if event.conversation_id in FAIL_ON:
        raise RuntimeError("the webhook answered 503")
    CALLS.append((event.pk, event.type))


PROBE = Reactor(
    "probe", "tests.events.test_reactors:handler", frozenset({EventType.CONVERSATION_PRIORITY})
)


@pytest.fixture
def probe(world, monkeypatch):
    CALLS.clear()
    FAIL_ON.clear()
    monkeypatch.setattr(reactors, "REACTORS", [PROBE])
    drain()  # the cursor exists, at the start of the log
    CALLS.clear()
    Note.objects.filter(body__startswith="seen ").delete()
    yield PROBE
    FAIL_ON.clear()


def prioritise(conversation, priority=Priority.URGENT, *, world):
    actions.do_set_priority(conversation, priority, actor=world.alice)
    return LoggedEvent.objects.latest("id")


def test_each_event_is_handled_once_in_log_order(world, probe):
    first = prioritise(world.bob_conversation, world=world)
    second = prioritise(world.sales_conversation, world=world)
    actions.do_add_note(world.bob_conversation, "not a priority change", actor=world.alice)

    assert drain() == 2
    assert drain() == 0
    assert [(first.pk, "conversation.priority"), (second.pk, "conversation.priority")] == CALLS
    cursor = ReactorCursor.objects.get(reactor="probe")
    assert cursor.retry_at is None


def test_a_failure_is_rolled_back_and_retried_after_a_backoff_keeping_the_order(world, probe):
    now = clock.now()
    clock.freeze(now)
    FAIL_ON.add(world.bob_conversation.pk)
    failing = prioritise(world.bob_conversation, world=world)
    later = prioritise(world.sales_conversation, world=world)

    assert run_reactor(probe) == 0
    failure = ReactorFailure.objects.get()
    assert (failure.reactor, failure.event_id, failure.attempts, failure.parked) == (
        "probe",
        failing.pk,
        1,
        False,
    )
    assert "the webhook answered 503" in failure.error
    # The handler's note was rolled back with it; the later event waits behind it.
    assert not Note.objects.filter(body__startswith="seen ").exists()
    assert CALLS == []
    assert ReactorCursor.objects.get(reactor="probe").retry_at == now + timedelta(seconds=2)

    clock.freeze(now + timedelta(seconds=1))
    assert run_reactor(probe) == 0  # not yet due
    assert ReactorFailure.objects.get().attempts == 1

    FAIL_ON.clear()
    clock.freeze(now + timedelta(seconds=3))
    assert run_reactor(probe) == 2
    assert [(failing.pk, "conversation.priority"), (later.pk, "conversation.priority")] == CALLS
    assert not ReactorFailure.objects.exists()


def test_an_event_that_keeps_failing_is_parked_and_the_reactor_goes_on(world, probe):
    now = clock.now()
    FAIL_ON.add(world.bob_conversation.pk)
    failing = prioritise(world.bob_conversation, world=world)
    later = prioritise(world.sales_conversation, world=world)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        clock.freeze(now + timedelta(hours=attempt))
        run_reactor(probe)
        assert ReactorFailure.objects.get().attempts == attempt

    failure = ReactorFailure.objects.get()
    assert failure.parked is True
    assert [(later.pk, "conversation.priority")] == CALLS  # went on after parking
    assert ReactorCursor.objects.get(reactor="probe").retry_at is None

    # The admin's retry: fails again while the cause remains, then succeeds.
    assert retry_parked(failure.pk) is False
    assert ReactorFailure.objects.get().attempts == MAX_ATTEMPTS + 1
    FAIL_ON.clear()
    assert retry_parked(failure.pk) is True
    assert not ReactorFailure.objects.exists()
    assert CALLS[-1] == (failing.pk, "conversation.priority")


def test_a_reactor_added_later_starts_at_the_end_of_the_log(world, probe, monkeypatch):
    prioritise(world.bob_conversation, world=world)
    newcomer = Reactor("newcomer", PROBE.handler, PROBE.types)
    monkeypatch.setattr(reactors, "REACTORS", [PROBE, newcomer])
    drain()
    assert [
        (
            LoggedEvent.objects.filter(type="conversation.priority").latest("id").pk,
            "conversation.priority",
        )
    ] == CALLS  # only the probe saw the old event
    assert ReactorCursor.objects.get(reactor="newcomer").position == reactors.log_end()


BATCHES: list[list[int]] = []


def batch_handler(events: list[LoggedEvent]) -> None:
    """The probe's work for a whole batch: every event's note, then the batch noted."""
    for event in events:
        handler(event)
    BATCHES.append([event.pk for event in events])


BATCHED = Reactor(
    "batched",
    "tests.events.test_reactors:handler",
    frozenset({EventType.CONVERSATION_PRIORITY}),
    batch="tests.events.test_reactors:batch_handler",
)


@pytest.fixture
def batched(world, monkeypatch):
    CALLS.clear()
    FAIL_ON.clear()
    BATCHES.clear()
    monkeypatch.setattr(reactors, "REACTORS", [BATCHED])
    drain()
    CALLS.clear()
    BATCHES.clear()
    Note.objects.filter(body__startswith="seen ").delete()
    yield BATCHED
    FAIL_ON.clear()


def test_a_batch_handler_takes_the_batch_at_once_and_a_failure_one_event_at_a_time(world, batched):
    first = prioritise(world.bob_conversation, world=world)
    second = prioritise(world.sales_conversation, world=world)
    assert run_reactor(batched) == 2
    assert [[first.pk, second.pk]] == BATCHES
    placed = reactors._place(LoggedEvent.objects.get(pk=second.pk))
    assert ReactorCursor.objects.get(reactor="batched").position == placed

    now = clock.now()
    clock.freeze(now)
    FAIL_ON.add(world.sales_conversation.pk)
    third = prioritise(world.bob_conversation, Priority.LOW, world=world)
    failing = prioritise(world.sales_conversation, Priority.LOW, world=world)
    CALLS.clear()
    assert run_reactor(batched) == 1  # the batch failed; one by one, the first went through
    assert [[first.pk, second.pk]] == BATCHES  # the failed batch left nothing behind
    # Seen twice by the probe (in the batch, rolled back, then alone), kept once.
    assert [(third.pk, "conversation.priority")] * 2 == CALLS
    failure = ReactorFailure.objects.get()
    assert (failure.reactor, failure.event_id, failure.attempts) == ("batched", failing.pk, 1)
    assert Note.objects.filter(body__startswith="seen ").count() == 3  # first, second, third
    FAIL_ON.clear()
    clock.freeze(now + timedelta(seconds=3))
    assert run_reactor(batched) == 1
    assert BATCHES[-1] == [failing.pk]
    assert not ReactorFailure.objects.exists()
