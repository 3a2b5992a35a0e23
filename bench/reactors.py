"""Reactor lag: from an event being written to a reactor having handled it, while mail
arrives at a steady rate, in the one-process default (digest and reactors as threads of
one process, as `postroom serve` runs them).

Mail from the generated mailbox is stored (phase 1, as the SMTP receiver does) at
--rate messages a second; the digest thread records it (``message.received`` events);
the reactor thread runs every reactor: notifications, bounces, acknowledgements, and a
last one that notes, for each ``message.received``, how long after the event was written
it was handled. Its lag therefore includes the other reactors' work in the same round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

LAGS: list[float] = []


def note_lag(event) -> None:  # type: ignore[no-untyped-def]
    """The bench's reactor: how long after its event was written it got here."""
    LAGS.append((datetime.now(UTC) - event.created_at).total_seconds() * 1000)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(rate: float, seconds: float) -> dict[str, object]:
    _setup()
    from bench.ingest import _corpus
    from postroom.events import reactors
    from postroom.events.catalogue import EventType
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.jobs import run_digest_loop
    from postroom.mail.models import Source
    from postroom.mail.store import digest_wakeup, store_raw

    reactors.REACTORS.append(
        reactors.Reactor(
            # This module by the name it runs under (as __main__ it is not bench.reactors).
            "bench_lag",
            f"{__name__}:note_lag",
            frozenset({EventType.MESSAGE_RECEIVED}),
        )
    )
    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@acme-help.example", actor=SYSTEM
    )
    count = int(rate * seconds)
    files: list[Path] = _corpus(max(count, 50), max(count // 3, 10))[:count]
    stop = threading.Event()
    threads = [
        threading.Thread(target=run_digest_loop, args=(stop,), daemon=True),
        threading.Thread(target=reactors.run_reactors, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for n, path in enumerate(files):
        due = started + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        store_raw(path.read_bytes(), inbox=inbox, source=Source.SMTP)
        digest_wakeup.set()
    sent_for = time.perf_counter() - started
    deadline = time.monotonic() + 60
    while len(LAGS) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(10)
    if len(LAGS) < count:
        raise SystemExit(f"only {len(LAGS)} of {count} events were handled within a minute")
    return {
        "median_ms": round(statistics.median(LAGS), 1),
        "p95_ms": round(_percentile(LAGS, 0.95), 1),
        "max_ms": round(max(LAGS), 1),
        "events": len(LAGS),
        "rate_per_s": round(count / sent_for, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.rate, args.seconds)
    print(json.dumps({"reactors.lag": figures}) if args.json else figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
