"""Background work of a worker (and of the one-process server).

- **Periodic jobs** (snooze wake-ups, the trash purge, notification emails, pruning old
  job results) are Django tasks (``django.tasks``) stored by ``django-tasks-db``, so they
  run on SQLite and PostgreSQL alike, once each, whichever worker claims them. The
  registry :data:`PERIODIC` says how often each is due; :func:`schedule_due` enqueues the
  due ones with a compare-and-set on :class:`JobSchedule`, so N workers enqueue a run once.
- **Reactors** read the event log (``postroom.events.reactors``).
- **The digest** (phase 2 of ingestion) and **the outbox** keep their own loops: they
  are claimed row by row already (docs/email-pipeline.md, docs/outbound.md).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.tasks import Task, task
from django.utils.crypto import get_random_string

from postroom.core import clock
from postroom.events.models import JobSchedule
from postroom.inbox.actions import do_apply_retention, do_purge_trash, do_wake_snoozed

log = logging.getLogger(__name__)

SCHEDULER_SECONDS = 5.0
TASK_POLL_SECONDS = 1.0
DIGEST_POLL_SECONDS = 1.0
KEEP_RESULTS = timedelta(days=1)
KEEP_FAILED_RESULTS = timedelta(days=14)


@task()
def wake_snoozed() -> int:
    return do_wake_snoozed()


@task()
def purge_trash() -> int:
    return do_purge_trash()


@task()
def apply_retention() -> int:
    return do_apply_retention()


@task()
def send_notification_emails() -> int:
    from postroom.notifications.email import send_notification_emails as send

    return send()


@task()
def check_sla() -> int:
    from postroom.inbox.actions.sla import do_check_sla

    warned, breached = do_check_sla()
    return warned + breached


@task()
def time_rules() -> int:
    from postroom.automation.reactor import run_time_rules

    return run_time_rules()


@task()
def fire_reminders() -> int:
    from postroom.inbox.actions.reminders import do_fire_reminders

    return do_fire_reminders()


@task()
def fire_due_tasks() -> int:
    from postroom.inbox.actions.tasks import do_fire_due_tasks

    return do_fire_due_tasks()


@task()
def assign_waiting() -> int:
    from postroom.automation.reactor import assign_waiting as assign

    return assign()


@task()
def deliver_webhooks() -> int:
    from postroom.automation.reactor import deliver_webhooks as deliver

    return deliver()


@task()
def prune_job_results() -> int:
    """Finished job results are kept a day (failed ones two weeks), then deleted."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = clock.now()
    done = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_RESULTS
    ).delete()[0]
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED_RESULTS
    ).delete()[0]
    return done + failed


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task[[], int]
    every: timedelta


PERIODIC: tuple[Periodic, ...] = (
    Periodic("wake_snoozed", wake_snoozed, timedelta(seconds=15)),
    Periodic("notification_emails", send_notification_emails, timedelta(seconds=15)),
    Periodic("purge_trash", purge_trash, timedelta(hours=1)),
    Periodic("apply_retention", apply_retention, timedelta(hours=1)),
    Periodic("assign_waiting", assign_waiting, timedelta(minutes=1)),
    Periodic("fire_reminders", fire_reminders, timedelta(seconds=30)),
    Periodic("fire_due_tasks", fire_due_tasks, timedelta(minutes=1)),
    Periodic("time_rules", time_rules, timedelta(minutes=1)),
    Periodic("check_sla", check_sla, timedelta(minutes=1)),
    Periodic("webhooks", deliver_webhooks, timedelta(seconds=15)),
    Periodic("prune_job_results", prune_job_results, timedelta(hours=6)),
)


def schedule_due(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; returns their names."""
    now = now or clock.now()
    known = set(JobSchedule.objects.values_list("name", flat=True))
    for job in PERIODIC:
        if job.name not in known:
            JobSchedule.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    enqueued = []
    for job in PERIODIC:
        won = JobSchedule.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_enqueued_at=now
        )
        if won:
            job.task.enqueue()
            enqueued.append(job.name)
    return enqueued


def run_scheduler(stop: threading.Event, interval: float = SCHEDULER_SECONDS) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            schedule_due()
        except Exception:  # keep the loop alive; the next round retries
            log.exception("scheduling periodic jobs failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def run_task_worker(stop: threading.Event, interval: float = TASK_POLL_SECONDS) -> None:
    """Run enqueued jobs (django-tasks-db's worker) until ``stop`` is set."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )

    def stop_when_told() -> None:
        stop.wait()
        worker.running = False

    stopper = threading.Thread(target=stop_when_told, daemon=True)
    stopper.start()
    try:
        worker.run()
    finally:
        close_old_connections()


def run_jobs_now() -> dict[str, int]:
    """Run every periodic job here and now, without the queue (tests, `postroom worker --once`)."""
    return {job.name: job.task.call() for job in PERIODIC}


def run_digest_loop(stop: threading.Event, poll: float = DIGEST_POLL_SECONDS) -> None:
    """Digest pending raw mail until ``stop`` is set."""
    from postroom.mail.digest.digest import digest_pending
    from postroom.mail.store import digest_wakeup

    while not stop.is_set():
        digest_wakeup.clear()
        try:
            close_old_connections()
            while not stop.is_set() and digest_pending():
                pass
        except Exception:
            log.exception("digest loop failed; retrying")
            stop.wait(poll)
        finally:
            close_old_connections()
        digest_wakeup.wait(poll)


def start_background(stop: threading.Event) -> list[threading.Thread]:
    """Start a worker's threads: reactors, jobs, the digest, the outbox, IMAP fetchers."""
    from postroom.events.reactors import run_reactors
    from postroom.mail.sources.imap.fetcher import supervise_fetchers
    from postroom.outbound.loop import run_outbox_loop

    loops = {
        "postroom-reactors": run_reactors,
        "postroom-scheduler": run_scheduler,
        "postroom-jobs": run_task_worker,
        "postroom-digest": run_digest_loop,
        "postroom-outbox": run_outbox_loop,
        # One IMAP fetcher thread per enabled mailbox (docs/imap.md).
        "postroom-imap": supervise_fetchers,
    }
    threads = [
        threading.Thread(target=target, args=(stop,), name=name, daemon=True)
        for name, target in loops.items()
    ]
    for thread in threads:
        thread.start()
    return threads
