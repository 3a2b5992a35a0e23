"""The one-process server: uvicorn for web and websockets, plus the background loops."""

from __future__ import annotations

import logging
import threading

import uvicorn

from postroom.core.env import env_bool
from postroom.jobs import start_background

log = logging.getLogger(__name__)


def serve(*, host: str, port: int) -> None:
    stop = threading.Event()
    threads = start_background(stop)
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
