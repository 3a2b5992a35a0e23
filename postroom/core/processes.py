"""Helpers for the worker processes Postroom starts (no domain code, no Django)."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """End this process soon after ``parent_pid`` is gone; for a pool's ``initializer``.

    A worker killed with its parent's pipes still open never sees them close, so after a
    ``kill -9`` of the parent it would wait forever. A watching thread notices the parent
    is gone (this process is re-parented, so ``getppid`` changes) and exits.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
