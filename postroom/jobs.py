"""Background loops of the one-process server (and of `postroom worker`).

- the digest loop: phase 2 of ingestion, woken at once when raw mail is committed in
  this process, and polling every second for mail stored by other processes;
- the periodic jobs: snooze wake-ups, the trash purge, notification emails.
- the outbox loop: sends due outbound mail (docs/outbound.md).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from postroom.inbox.actions import do_purge_trash, do_wake_snoozed

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 15.0
DIGEST_POLL_SECONDS = 1.0


def run_jobs_once() -> dict[str, int]:
    from postroom.notifications.email import send_notification_emails

    return {
        "woken": do_wake_snoozed(),
        "purged": do_purge_trash(),
        "notification_emails": send_notification_emails(),
    }


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
    from postroom.mail.sources.imap.fetcher import supervise_fetchers
    from postroom.outbound.loop import run_outbox_loop

    threads = [
        threading.Thread(target=run_periodic_jobs, args=(stop,), name="postroom-jobs", daemon=True),
        threading.Thread(target=run_digest_loop, args=(stop,), name="postroom-digest", daemon=True),
        threading.Thread(target=run_outbox_loop, args=(stop,), name="postroom-outbox", daemon=True),
        # One IMAP fetcher thread per enabled mailbox (docs/imap.md).
        threading.Thread(
            target=supervise_fetchers, args=(stop,), name="postroom-imap", daemon=True
        ),
    ]
    for thread in threads:
        thread.start()
    return threads
