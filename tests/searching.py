"""Bringing the search index up to date in a test, as the worker's search reactor does."""

from __future__ import annotations

from postroom.events.reactors import ensure_cursors, reactor_named, run_reactor


def index_now() -> int:
    """Run the search reactor until it has read every event; how many it handled."""
    ensure_cursors()
    handled = 0
    while done := run_reactor(reactor_named("search")):
        handled += done
    return handled
