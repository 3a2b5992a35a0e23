"""Bob breaks a conversation into tasks, one for Alice; she sees hers on Mine and checks
it off; with the inbox's setting on, an open task keeps it from being closed."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.inbox.models import Status, Task
from tests.browser.conftest import ARTIFACTS


def test_tasks_from_the_sidebar_to_mine_and_closing(world, page_for):
    world.support.open_tasks_block_close = True
    world.support.save(update_fields=["open_tasks_block_close"])
    conversation = world.bob_conversation
    bob = page_for(world.bob)
    bob.goto(f"/c/{conversation.pk}/")
    form = bob.get_by_test_id("add-task")
    form.locator("input[name=title]").fill("Export the contract PDF")
    form.locator("select[name=assignee]").select_option(label="Alice")
    form.get_by_role("button", name="Add task").click()
    expect(bob.get_by_test_id("task")).to_have_count(1)
    expect(bob.get_by_test_id("task")).to_contain_text("Export the contract PDF")
    bob.screenshot(path=str(ARTIFACTS / "conversation-tasks.png"), full_page=True)

    bob.locator("details[data-hc=status] > summary").click()
    bob.locator("button[data-status=closed]").click()
    expect(bob.locator(".flash, .messages, [role=alert], [role=status]").first).to_contain_text(
        "1 open task"
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN

    alice = page_for(world.alice)
    alice.goto("/inbox/support/?view=mine")
    mine = alice.get_by_test_id("my-task")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Export the contract PDF")
    alice.screenshot(path=str(ARTIFACTS / "mine-tasks.png"), full_page=True)
    mine.get_by_role("link").first.click()
    alice.get_by_role("checkbox", name="Check off the task").click()
    expect(alice.get_by_role("checkbox", name="Open the task again")).to_be_visible()
    task = Task.objects.get()
    assert (task.done_by, task.title) == (world.alice, "Export the contract PDF")
