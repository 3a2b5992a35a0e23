"""The one-process server: uvicorn for web and websockets, plus the periodic jobs."""

from __future__ import annotations

import logging
import threading

import uvicorn

from postroom.jobs import run_periodic_jobs

log = logging.getLogger(__name__)


def serve(*, host: str, port: int) -> None:
    stop = threading.Event()
    worker = threading.Thread(
        target=run_periodic_jobs, args=(stop,), name="postroom-jobs", daemon=True
    )
    worker.start()
    try:
        uvicorn.run(
            "postroom.asgi:application", host=host, port=port, log_level="info", lifespan="off"
        )
    finally:
        stop.set()
        worker.join(timeout=5)
