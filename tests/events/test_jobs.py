"""Periodic jobs: enqueued once per period however many workers schedule, run by
django-tasks-db's worker, and doing their work through actions."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Status
from postroom.jobs import PERIODIC, schedule_due


def run_queued_jobs() -> None:
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def test_each_job_is_enqueued_once_per_period(transactional_db):
    now = clock.now()
    assert schedule_due(now) == [job.name for job in PERIODIC]
    # A second worker (or the same one a moment later) finds nothing due.
    assert schedule_due(now) == []
    assert schedule_due(now + timedelta(seconds=14)) == []
    assert schedule_due(now + timedelta(seconds=15)) == [
        "wake_snoozed",
        "notification_emails",
        "webhooks",
    ]
    assert DBTaskResult.objects.count() == len(PERIODIC) + 3


def test_the_worker_runs_a_due_job_and_the_snooze_ends(world, transactional_db):
    conversation = world.bob_conversation
    actions.do_snooze(conversation, until=clock.now() + timedelta(minutes=5), actor=world.bob)
    clock.freeze(clock.now() + timedelta(minutes=6))
    schedule_due()
    run_queued_jobs()

    results = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert results == {
        "postroom.jobs.wake_snoozed": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.send_notification_emails": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.purge_trash": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.apply_retention": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.assign_waiting": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.fire_reminders": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.fire_due_tasks": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.time_rules": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.check_sla": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.deliver_webhooks": TaskResultStatus.SUCCESSFUL,
        "postroom.jobs.prune_job_results": TaskResultStatus.SUCCESSFUL,
    }
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.activities.filter(verb="conversation.woke").count() == 1
