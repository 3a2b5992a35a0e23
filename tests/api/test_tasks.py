"""/conversations/{id}/tasks: list, add, change or check off, delete."""

from __future__ import annotations

from datetime import timedelta

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Task
from tests.api.conftest import field_errors


def path(world, task=None):
    base = f"/conversations/{world.bob_conversation.pk}/tasks"
    return base if task is None else f"{base}/{task.pk}"


def test_bob_adds_lists_checks_and_deletes(world, api_as):
    api = api_as(world.bob)
    due = (clock.now() + timedelta(days=1)).replace(microsecond=0)
    response = api.post(
        path(world),
        {"title": "Export the PDF", "assignee": world.bob.pk, "due_at": due.isoformat()},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get()
    assert body["id"] == task.pk
    assert (body["title"], body["assignee"]["id"], body["done"], body["position"]) == (
        "Export the PDF",
        world.bob.pk,
        False,
        0,
    )
    assert body["due_at"] == due.isoformat().replace("+00:00", "Z")

    listed = api.get(path(world)).json()
    assert [t["title"] for t in listed] == ["Export the PDF"]

    checked = api.patch(path(world, task), {"done": True})
    assert checked.status_code == 200
    assert (checked.json()["done"], checked.json()["done_by"]["id"]) == (True, world.bob.pk)

    changed = api.patch(path(world, task), {"title": "Export it", "assignee": None, "done": False})
    assert (changed.json()["title"], changed.json()["assignee"], changed.json()["done"]) == (
        "Export it",
        None,
        False,
    )
    assert api.delete(path(world, task)).status_code == 204
    assert Task.objects.count() == 0


def test_bad_input_is_a_422_naming_the_field(world, api_as):
    api = api_as(world.bob)
    assert field_errors(api.post(path(world), {"title": "Call", "assignee": world.dora.pk})) == {
        "body.assignee": "Dora has no access to this inbox."
    }
    assert list(field_errors(api.post(path(world), {"title": ""}))) == ["body.title"]
    assert list(field_errors(api.post(path(world), {"title": "   "}))) == ["body.title"]
    assert field_errors(api.post(path(world), {"title": "Call", "assignee": 999999})) == {
        "body.assignee": "No teammate has this id."
    }
    naive = api.post(path(world), {"title": "Call", "due_at": "2031-01-01T09:00:00"})
    assert field_errors(naive) == {"body.due_at": "The time needs a time zone."}
    task = actions.do_add_task(world.bob_conversation, "Call", actor=world.bob)
    assert list(field_errors(api.patch(path(world, task), {"title": None}))) == ["body.title"]
    assert Task.objects.count() == 1


def test_dora_may_read_but_not_add_or_check(world, api_as):
    convo = world.sales_conversation
    task = actions.do_add_task(convo, "Send the quote", actor=world.alice)
    api = api_as(world.dora)
    base = f"/conversations/{convo.pk}/tasks"
    assert [t["title"] for t in api.get(base).json()] == ["Send the quote"]
    added = api.post(base, {"title": "Mine"})
    assert (added.status_code, added.json()["action"]) == (403, "do_add_task")
    checked = api.patch(f"{base}/{task.pk}", {"done": True})
    assert (checked.status_code, checked.json()["action"]) == (403, "do_check_task")
    assert api.delete(f"{base}/{task.pk}").status_code == 403
    task.refresh_from_db()
    assert (Task.objects.count(), task.done_at) == (1, None)


def test_charlie_gets_404_everywhere(world, api_as):
    task = actions.do_add_task(world.bob_conversation, "Answer", actor=world.bob)
    api = api_as(world.charlie)
    for response in (
        api.get(path(world)),
        api.post(path(world), {"title": "Mine"}),
        api.patch(path(world, task), {"done": True}),
        api.delete(path(world, task)),
    ):
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    assert Task.objects.get().done_at is None


def test_a_task_of_another_conversation_is_a_404(world, api_as):
    other = actions.do_add_task(world.sales_conversation, "Send the quote", actor=world.alice)
    api = api_as(world.alice)
    assert api.patch(path(world, other), {"done": True}).status_code == 404
    assert api.delete(path(world, other)).status_code == 404
    assert Task.objects.get().done_at is None


def test_closing_through_the_api_with_open_tasks_is_a_422(world, api_as):
    from postroom.inbox.actions.sending import do_set_reply_rules

    do_set_reply_rules(world.support, open_tasks_block_close=True, actor=world.alice)
    actions.do_add_task(world.bob_conversation, "Answer", actor=world.bob)
    response = api_as(world.bob).post(
        f"/conversations/{world.bob_conversation.pk}/status", {"status": "closed"}
    )
    assert field_errors(response) == {
        "body.status": "1 open task: check it off or delete it first."
    }
