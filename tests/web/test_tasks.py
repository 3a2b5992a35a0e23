"""The Tasks panel of a conversation, the person's open tasks on Mine, and the inbox
setting that keeps conversations with open tasks from closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Status, Task


@pytest.fixture
def frozen(world):
    moment = clock.now().replace(microsecond=0, second=0)
    clock.freeze(moment)
    return moment


def page(world):
    return f"/c/{world.bob_conversation.pk}/"


def errors_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bob_adds_a_task_for_himself_with_a_due_time(world, client_for, frozen):
    bob = client_for(world.bob)  # time zone UTC
    response = bob.post(
        page(world),
        {
            "action": "add_task",
            "title": "Export the contract PDF",
            "assignee": str(world.bob.pk),
            "due_at": "2031-05-04T09:30",
        },
    )
    assert response.status_code == 302
    assert errors_of(response) == []
    task = Task.objects.get()
    assert (task.title, task.assignee, task.due_at.isoformat()) == (
        "Export the contract PDF",
        world.bob,
        "2031-05-04T09:30:00+00:00",
    )
    html = bob.get(page(world)).content.decode()
    assert html.count('data-testid="task"') == 1
    assert "Export the contract PDF" in html
    assert "Sun 4 May, 09:30" in html
    assert "Bob added the task “Export the contract PDF” for" in html


def test_bob_checks_off_opens_again_and_deletes(world, client_for):
    task = actions.do_add_task(world.bob_conversation, "Answer the customer", actor=world.alice)
    bob = client_for(world.bob)
    bob.post(page(world), {"action": "check_task", "task": task.pk, "done": "1"})
    task.refresh_from_db()
    assert task.done_by == world.bob
    html = bob.get(page(world)).content.decode()
    assert 'aria-checked="true"' in html
    assert "Bob checked off “Answer the customer”" in html

    bob.post(page(world), {"action": "check_task", "task": task.pk, "done": "0"})
    task.refresh_from_db()
    assert task.done_at is None
    bob.post(page(world), {"action": "delete_task", "task": task.pk})
    assert Task.objects.count() == 0


def test_an_assignee_without_access_is_refused_with_a_message(world, client_for):
    response = client_for(world.bob).post(
        page(world), {"action": "add_task", "title": "Call", "assignee": str(world.charlie.pk)}
    )
    assert response.status_code == 302
    assert errors_of(response) == ["Charlie has no access to this inbox."]
    assert Task.objects.count() == 0


def test_dora_sees_the_tasks_but_may_not_add_or_check_them(world, client_for):
    convo = world.sales_conversation
    task = actions.do_add_task(convo, "Send the quote", actor=world.alice)
    dora = client_for(world.dora)
    html = dora.get(f"/c/{convo.pk}/").content.decode()
    assert "Send the quote" in html
    assert 'value="add_task"' not in html
    assert 'value="check_task"' not in html
    for data in (
        {"action": "add_task", "title": "Mine"},
        {"action": "check_task", "task": task.pk, "done": "1"},
        {"action": "delete_task", "task": task.pk},
    ):
        assert dora.post(f"/c/{convo.pk}/", data).status_code == 403
    task.refresh_from_db()
    assert (Task.objects.count(), task.done_at) == (1, None)


def test_charlie_gets_404(world, client_for):
    task = actions.do_add_task(world.bob_conversation, "Answer", actor=world.bob)
    charlie = client_for(world.charlie)
    assert charlie.get(page(world)).status_code == 404
    response = charlie.post(page(world), {"action": "check_task", "task": task.pk, "done": "1"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_a_task_of_another_conversation_is_not_reached_through_this_one(world, client_for):
    other = actions.do_add_task(world.sales_conversation, "Send the quote", actor=world.alice)
    response = client_for(world.bob).post(page(world), {"action": "delete_task", "task": other.pk})
    assert errors_of(response) == ["That task is not on this conversation."]
    assert Task.objects.count() == 1


def test_closing_is_refused_with_the_count_when_the_inbox_says_so(world, client_for):
    actions.do_add_task(world.bob_conversation, "Export the PDF", actor=world.bob)
    actions.do_add_task(world.bob_conversation, "Answer", actor=world.bob)
    alice = client_for(world.alice)
    response = alice.post(
        "/admin/inboxes/support/sending/",
        {"transport": "capture", "auto_ack_period_hours": "24", "open_tasks_block_close": "on"},
    )
    assert response.status_code == 302
    world.support.refresh_from_db()
    assert world.support.open_tasks_block_close is True
    assert (
        'name="open_tasks_block_close" checked'
        in alice.get("/admin/inboxes/support/sending/").content.decode()
    )

    response = client_for(world.bob).post(page(world), {"action": "status", "status": "closed"})
    assert errors_of(response) == ["2 open tasks: check them off or delete them first."]
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == Status.OPEN


def test_mine_shows_bobs_open_tasks_only(world, client_for, frozen):
    convo = world.bob_conversation
    actions.do_add_task(
        convo,
        "Overdue one",
        assignee=world.bob,
        due_at=frozen - timedelta(hours=1),
        actor=world.alice,
    )
    actions.do_add_task(
        convo, "Later one", assignee=world.bob, due_at=frozen + timedelta(days=1), actor=world.alice
    )
    done = actions.do_add_task(convo, "Done one", assignee=world.bob, actor=world.alice)
    actions.do_check_task(done, actor=world.bob)
    actions.do_add_task(convo, "Alice's one", assignee=world.alice, actor=world.alice)
    actions.do_add_task(convo, "Nobody's one", actor=world.alice)

    bob = client_for(world.bob)
    html = bob.get("/inbox/support/?view=mine").content.decode()
    assert html.count('data-testid="my-task"') == 2
    assert html.index("Overdue one") < html.index("Later one")
    assert 'class="task overdue"' in html and html.count("overdue, was due") == 1
    for absent in ("Done one", "Alice's one", "Nobody's one"):
        assert absent not in html
    assert f'href="/c/{convo.pk}/"' in html

    # Not stored with the page: a task checked off leaves the list at once.
    actions.do_check_task(Task.objects.get(title="Later one"), actor=world.bob)
    html = bob.get("/inbox/support/?view=mine").content.decode()
    assert html.count('data-testid="my-task"') == 1
    assert "my-tasks" not in bob.get("/inbox/support/?view=open").content.decode()
