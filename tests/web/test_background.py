"""The Background work page: reactors, dead letters with retry and discard, jobs."""

from __future__ import annotations

import pytest

from postroom.core import clock
from postroom.events import reactors
from postroom.events.models import LoggedEvent, ReactorFailure
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Note, Priority
from tests.events import test_reactors as probe_module


@pytest.fixture
def parked(world, monkeypatch):
    """A priority event the probe reactor failed on for good."""
    monkeypatch.setattr(reactors, "REACTORS", [probe_module.PROBE])
    drain()
    actions.do_set_priority(world.bob_conversation, Priority.URGENT, actor=world.alice)
    event = LoggedEvent.objects.latest("id")
    now = clock.now()
    return ReactorFailure.objects.create(
        reactor="probe",
        event=event,
        attempts=6,
        error="Traceback …\nRuntimeError: the webhook answered 503",
        parked=True,
        first_failed_at=now,
        last_failed_at=now,
    )


def test_the_owner_sees_a_dead_letter_and_retries_it(world, client_for, parked):
    probe_module.CALLS.clear()
    page = client_for(world.alice).get("/admin/background/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-failure="{parked.pk}"' in html
    assert "RuntimeError: the webhook answered 503" in html
    assert 'data-reactor="probe"' in html

    done = client_for(world.alice).post(
        "/admin/background/", {"action": "retry", "failure": parked.pk}
    )
    assert done.status_code == 302
    assert not ReactorFailure.objects.exists()
    assert [(parked.event_id, "conversation.priority")] == probe_module.CALLS
    assert Note.objects.filter(body=f"seen conversation.priority #{parked.event_id}").count() == 1


def test_a_retry_that_fails_again_stays_parked_with_the_new_error(world, client_for, parked):
    probe_module.FAIL_ON.add(world.bob_conversation.pk)
    try:
        client_for(world.alice).post(
            "/admin/background/", {"action": "retry", "failure": parked.pk}
        )
    finally:
        probe_module.FAIL_ON.clear()
    failure = ReactorFailure.objects.get()
    assert (failure.parked, failure.attempts) == (True, 7)
    assert "RuntimeError: the webhook answered 503" in failure.error


def test_discarding_removes_it(world, client_for, parked):
    client_for(world.alice).post("/admin/background/", {"action": "discard", "failure": parked.pk})
    assert not ReactorFailure.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "dora", "charlie"])
def test_only_administrators_see_or_touch_it(world, client_for, parked, persona):
    client = client_for(getattr(world, persona))
    assert client.get("/admin/background/").status_code == 404
    assert (
        client.post("/admin/background/", {"action": "discard", "failure": parked.pk}).status_code
        == 404
    )
    assert ReactorFailure.objects.count() == 1
