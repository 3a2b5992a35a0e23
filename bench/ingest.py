"""Ingest benchmark: the generated 2,000-message mailbox, end to end.

Store (phase 1) and digest (phase 2: parse, sanitise, thread, record with activity) on
the database configured by the environment (SQLite by default). With --prefill N the
database first receives N messages in bulk, to show the rate holds with history.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "gen_corpus.py"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _corpus(messages: int, threads: int) -> list[Path]:
    out = Path(tempfile.mkdtemp(prefix="postroom-corpus-")) / "mailbox"
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--out",
            str(out),
            "--messages",
            str(messages),
            "--threads",
            str(threads),
            "--seed",
            "42",
        ],
        check=True,
        capture_output=True,
    )
    return sorted(out.glob("*.eml"))


def run(messages: int = 2000, threads: int = 700, prefill: int = 0) -> dict[str, object]:
    _setup()
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import Conversation
    from postroom.mail.digest.digest import digest_all

    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@acme-help.example", actor=SYSTEM
    )
    if prefill:
        from bench.prefill import prefill_messages

        prefill_messages(inbox, prefill)
    files = _corpus(messages, threads)
    before = Conversation.objects.count()
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    # Exactly what `postroom import` does: read the files, store them in batches,
    # then digest the backlog (parsing in a second process).
    from postroom.mail.digest.digest import start_parser_pool
    from postroom.mail.sources.importer import import_paths

    start_parser_pool()
    result = import_paths(inbox, [files[0].parent])
    assert result.stored == messages, result
    stored = time.perf_counter()
    digest_all(parallel=True)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index_s, index_cpu_s = _index_what_arrived()
    return {
        "messages": messages,
        "prefilled_messages": prefill,
        "messages_per_s": round(messages / wall, 1),
        "wall_s": round(wall, 2),
        "store_s": round(stored - wall0, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "conversations": Conversation.objects.count() - before,
        # The search index's share of ingest: the search reactor handling everything the
        # digest recorded, against the whole (docs/search.md asks at most 10 %).
        "search_index_s": round(index_s, 2),
        "search_index_cpu_s": round(index_cpu_s, 2),
        "search_share_pct": round(100 * index_s / (wall + index_s), 1),
    }


def _index_what_arrived() -> tuple[float, float]:
    """Run the search reactor over every event of the ingest: (seconds, CPU seconds)."""
    from postroom.events.reactors import ensure_cursors, reactor_named, run_reactor

    ensure_cursors()
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    while run_reactor(reactor_named("search")):
        pass
    return time.perf_counter() - wall0, time.process_time() - cpu0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=700)
    parser.add_argument("--prefill", type=int, default=int(os.environ.get("BENCH_PREFILL", "0")))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.messages, args.threads, args.prefill)
    name = "ingest" + (f"@{args.prefill}" if args.prefill else "")
    print(json.dumps({name: figures}) if args.json else figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
