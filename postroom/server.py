"""Running Postroom: the one-process server, the web-only server, and the worker.

- ``serve``: uvicorn for web and websockets plus every background loop (the embedded
  default: one command, SQLite, nothing else to run).
- ``serve --web-only``: the web app and live sockets only; run ``worker`` beside it.
- ``worker``: reactors, periodic jobs, the digest, the outbox and the IMAP fetchers,
  without the web. Several may run at once on PostgreSQL: reactors and jobs are claimed
  with row locks, the digest and the outbox row by row, fetchers by lease.
"""

from __future__ import annotations

import logging
import signal
import threading

import uvicorn

from postroom.core.env import env_bool
from postroom.jobs import start_background

log = logging.getLogger(__name__)


def serve(*, host: str, port: int, web_only: bool = False) -> None:
    stop = threading.Event()
    threads = [] if web_only else start_background(stop)
    smtp = None
    if env_bool("POSTROOM_SMTPD", False):
        from postroom.mail.sources.smtpd import config_from_env, start_smtpd

        config = config_from_env()
        smtp = start_smtpd(config.host, config.port, max_size=config.max_size)
        log.info("SMTP receiver listening on %s:%s", config.host, config.port)
    try:
        uvicorn.run(
            "postroom.asgi:application",
            host=host,
            port=port,
            log_level="info",
            lifespan="off",
            ws="websockets-sansio",
        )
    finally:
        if smtp is not None:
            smtp.stop()
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def work() -> None:
    """Run the background loops until SIGTERM or SIGINT."""
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("worker stopping (%s)", signal.strsignal(signum))
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threads = start_background(stop)
    log.info("worker running: %s", ", ".join(t.name for t in threads))
    stop.wait()
    for thread in threads:
        thread.join(timeout=10)
