"""Timed transitions that no request triggers: snooze wake-ups and the trash purge."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from postroom.inbox.actions import do_purge_trash, do_wake_snoozed

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 15.0


def run_jobs_once() -> dict[str, int]:
    return {"woken": do_wake_snoozed(), "purged": do_purge_trash()}


def run_periodic_jobs(stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Run :func:`run_jobs_once` every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            close_old_connections()
            result = run_jobs_once()
            if any(result.values()):
                log.info("periodic jobs: %s", result)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("periodic jobs failed")
        finally:
            close_old_connections()
        stop.wait(interval)
