"""The one-process server: uvicorn for web and websockets, plus the background loops."""

from __future__ import annotations

import logging
import threading

import uvicorn

from postroom.jobs import start_background

log = logging.getLogger(__name__)


def serve(*, host: str, port: int) -> None:
    stop = threading.Event()
    threads = start_background(stop)
    try:
        uvicorn.run(
            "postroom.asgi:application", host=host, port=port, log_level="info", lifespan="off"
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
