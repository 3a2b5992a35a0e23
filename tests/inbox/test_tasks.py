"""Tasks on a conversation: added, checked off by whoever does it, announced once when
due, and (when the inbox says so) keeping the conversation from closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import Activity, Status, Task
from postroom.notifications.models import Notification


@pytest.fixture
def frozen(world):
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment)
    return moment


def block_close(world, inbox=None):
    do_set_reply_rules(inbox or world.support, open_tasks_block_close=True, actor=world.alice)


def test_bob_adds_checks_unchecks_and_deletes_a_task(world, frozen):
    convo = world.bob_conversation
    task = actions.do_add_task(
        convo, "  export the  contract PDF ", assignee=world.bob, actor=world.bob
    )
    second = actions.do_add_task(convo, "answer the customer", actor=world.bob)
    assert (task.title, task.assignee, task.created_by, task.position) == (
        "export the contract PDF",
        world.bob,
        world.bob,
        0,
    )
    assert second.position == 1

    actions.do_check_task(task, actor=world.bob)
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (frozen, world.bob)

    actions.do_check_task(task, False, actor=world.bob)
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (None, None)

    actions.do_delete_task(task, actor=world.bob)
    assert list(Task.objects.values_list("title", flat=True)) == ["answer the customer"]
    assert list(
        Activity.objects.filter(verb__startswith="task.").values_list("verb", "actor__name")
    ) == [
        ("task.added", "Bob"),
        ("task.added", "Bob"),
        ("task.checked", "Bob"),
        ("task.checked", "Bob"),
        ("task.deleted", "Bob"),
    ]


def test_checking_a_done_task_again_changes_nothing(world):
    task = actions.do_add_task(world.bob_conversation, "answer", actor=world.bob)
    actions.do_check_task(task, actor=world.bob)
    actions.do_check_task(task, actor=world.alice)
    task.refresh_from_db()
    assert task.done_by == world.bob
    assert Activity.objects.filter(verb="task.checked").count() == 1


def test_view_only_dora_cannot_add_change_check_or_delete(world):
    task = actions.do_add_task(world.sales_conversation, "send the quote", actor=world.alice)
    for attempt in (
        lambda: actions.do_add_task(world.sales_conversation, "mine", actor=world.dora),
        lambda: actions.do_update_task(task, title="other", actor=world.dora),
        lambda: actions.do_check_task(task, actor=world.dora),
        lambda: actions.do_delete_task(task, actor=world.dora),
    ):
        with pytest.raises(NotAllowed):
            attempt()
    task.refresh_from_db()
    assert (task.title, task.done_at) == ("send the quote", None)


def test_an_assignee_must_see_the_conversation(world):
    convo = world.bob_conversation  # support@: dora and charlie have no access
    for person in (world.dora, world.charlie):
        with pytest.raises(ValidationError) as caught:
            actions.do_add_task(convo, "answer", assignee=person, actor=world.bob)
        assert caught.value.message_dict == {"assignee": [f"{person} has no access to this inbox."]}
    task = actions.do_add_task(convo, "answer", actor=world.bob)
    with pytest.raises(ValidationError) as caught:
        actions.do_update_task(task, assignee=world.charlie, actor=world.bob)
    assert list(caught.value.message_dict) == ["assignee"]
    assert Task.objects.get().assignee is None


def test_a_title_is_required_and_short(world):
    for title, message in (
        ("   ", "Give the task a title."),
        ("x" * 201, "Keep the title under 200 characters."),
    ):
        with pytest.raises(ValidationError) as caught:
            actions.do_add_task(world.bob_conversation, title, actor=world.bob)
        assert caught.value.message_dict == {"title": [message]}
    assert Task.objects.count() == 0


def test_the_due_notification_fires_once_at_the_due_time(world, frozen):
    convo = world.bob_conversation
    due = frozen + timedelta(hours=3)
    actions.do_add_task(convo, "export the PDF", assignee=world.bob, due_at=due, actor=world.alice)
    done = actions.do_add_task(
        convo, "done early", assignee=world.bob, due_at=due, actor=world.alice
    )
    actions.do_check_task(done, actor=world.bob)
    actions.do_add_task(convo, "nobody's", due_at=due, actor=world.alice)

    clock.freeze(due - timedelta(seconds=1))
    assert actions.do_fire_due_tasks() == 0
    assert Notification.objects.filter(kind="task").count() == 0
    clock.freeze(due)
    assert actions.do_fire_due_tasks() == 1
    clock.freeze(due + timedelta(minutes=5))
    assert actions.do_fire_due_tasks() == 0
    assert list(Notification.objects.filter(kind="task").values_list("user__name", "text")) == [
        ("Bob", "Task due: “export the PDF” in “Broken invoice”")
    ]


def test_a_new_due_time_is_announced_again(world, frozen):
    task = actions.do_add_task(
        world.bob_conversation,
        "call back",
        assignee=world.bob,
        due_at=frozen + timedelta(hours=1),
        actor=world.alice,
    )
    clock.freeze(frozen + timedelta(hours=1))
    assert actions.do_fire_due_tasks() == 1
    actions.do_update_task(task, due_at=frozen + timedelta(hours=2), actor=world.alice)
    assert actions.do_fire_due_tasks() == 0
    clock.freeze(frozen + timedelta(hours=2))
    assert actions.do_fire_due_tasks() == 1
    assert Notification.objects.filter(kind="task", user=world.bob).count() == 2


def test_closing_with_open_tasks_is_refused_only_when_the_inbox_says_so(world):
    convo = world.bob_conversation
    first = actions.do_add_task(convo, "export the PDF", actor=world.bob)
    second = actions.do_add_task(convo, "answer", actor=world.bob)
    actions.do_change_status(convo, Status.CLOSED, actor=world.bob)  # setting off: closes
    actions.do_change_status(convo, Status.OPEN, actor=world.bob)

    block_close(world)
    convo.inbox.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        actions.do_change_status(convo, Status.CLOSED, actor=world.bob)
    assert caught.value.message_dict == {
        "status": ["2 open tasks: check them off or delete them first."]
    }
    actions.do_check_task(first, actor=world.bob)
    with pytest.raises(ValidationError) as caught:
        actions.do_change_status(convo, Status.CLOSED, actor=world.bob)
    assert caught.value.message_dict == {
        "status": ["1 open task: check it off or delete it first."]
    }
    convo.refresh_from_db()
    assert convo.status == Status.OPEN
    actions.do_change_status(convo, Status.PENDING, actor=world.bob)  # only closing waits
    actions.do_delete_task(second, actor=world.bob)
    actions.do_change_status(convo, Status.CLOSED, actor=world.bob)
    convo.refresh_from_db()
    assert convo.status == Status.CLOSED


def test_a_macro_that_closes_is_refused_by_open_tasks(world):
    convo = world.bob_conversation
    block_close(world)
    convo.inbox.refresh_from_db()
    actions.do_add_task(convo, "export the PDF", actor=world.bob)
    macro = actions.do_save_macro(
        None,
        inbox=world.support,
        name="Close",
        actions=[{"kind": "set_status", "status": "closed"}],
        actor=world.alice,
    )
    errors = actions.do_apply_macro(convo, macro, actor=world.bob)
    assert len(errors) == 1
    assert "1 open task: check it off or delete it first." in errors[0]
    convo.refresh_from_db()
    assert convo.status == Status.OPEN
