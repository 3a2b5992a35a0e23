"""Search benchmarks at one scale: build the index over a generated history, then time
the three kinds of query a person types (docs/search.md).

Figures ``search.<kind>@<database>/<scale>``: ``one_word``, ``phrase``, ``operators``
(three operators and a word), each the whole query as the search page asks it (access,
parsing, the ranked match, loading the 50 shown) for a plain agent over their inboxes;
``search.index`` the build of every document (conversations per second, the index's
size); ``search.index_event`` rebuilding one conversation's document, what the search
reactor does per event.

    python -m bench.search --conversations 100k [--runs 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from typing import Any

from bench.generate import Shape, generate, parse_count
from bench.measure import count_queries, percentile, summary_ms

ONE_WORD = ["invoice", "refund", "delivery", "password", "subscription", "crash", "address",
            "factuur", "rechnung", "fattura", "发票", "commande"]  # fmt: skip
PHRASES = ['"reset link"', '"billing address"', '"has not arrived"', '"export to csv"',
           '"on startup"', '"my subscription"']  # fmt: skip


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _size_bytes() -> int:
    from django.db import connection

    from postroom.search.backend import size_bytes

    try:
        return size_bytes()
    except Exception:  # SQLite built without dbstat: the FTS5 table's own pages
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(LENGTH(block)), 0) FROM search_fts_data")
            return int(cursor.fetchone()[0])


def _time(call: Any, runs: int) -> dict[str, object]:
    for _ in range(3):
        call(0)
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        call(n)
        samples.append(time.perf_counter() - started)
    queries, _ = count_queries(lambda: call(0))
    return {**summary_ms(samples), "queries": queries, "runs": runs}


def run(conversations: int, runs: int) -> dict[str, dict[str, object]]:
    _setup()
    from django.db import connection

    from postroom.accounts.models import User
    from postroom.inbox.models import Conversation, Message
    from postroom.search.indexer import reindex, reindex_all
    from postroom.search.queries import search
    from postroom.search.snippets import snippets

    started = time.perf_counter()
    workspace = generate(Shape.of(conversations))
    generated = time.perf_counter() - started
    database = connection.vendor
    scale = (
        f"{conversations // 1000}k"
        if conversations < 1_000_000
        else f"{conversations // 1_000_000}m"
    )
    tag = f"@{database}/{scale}"
    started = time.perf_counter()
    indexed = reindex_all()
    build = time.perf_counter() - started
    if database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_document")
    agent = User.objects.get(pk=workspace.agent_id)
    slug = workspace.inbox_slug

    def ask(query: str) -> int:
        parsed, hits = search(agent, query)
        snippets([h.conversation for h in hits], parsed.words)
        return len(hits)

    found: dict[str, list[int]] = {"one_word": [], "phrase": [], "operators": []}

    def one_word(n: int) -> None:
        found["one_word"].append(ask(ONE_WORD[n % len(ONE_WORD)]))

    def phrase(n: int) -> None:
        found["phrase"].append(ask(PHRASES[n % len(PHRASES)]))

    def operators(n: int) -> None:
        word = ONE_WORD[n % len(ONE_WORD)]
        found["operators"].append(ask(f"{word} is:open inbox:{slug} assignee:none"))

    figures: dict[str, dict[str, object]] = {}
    for kind, call in (("one_word", one_word), ("phrase", phrase), ("operators", operators)):
        figures[f"search.{kind}{tag}"] = {
            **_time(call, runs),
            "mean_results": round(sum(found[kind]) / max(1, len(found[kind])), 1),
        }
    rng = random.Random(5)
    ids = list(Conversation.objects.order_by("?").values_list("pk", flat=True)[:200])
    rng.shuffle(ids)
    event_samples = []
    for pk in ids:
        began = time.perf_counter()
        reindex([pk])
        event_samples.append(time.perf_counter() - began)
    figures[f"search.index{tag}"] = {
        "conversations": indexed,
        "messages": Message.objects.count(),
        "seconds": round(build, 1),
        "per_second": round(indexed / build) if build else 0,
        "size_mb": round(_size_bytes() / 1024 / 1024, 1),
        "generate_seconds": round(generated, 1),
    }
    figures[f"search.index_event{tag}"] = {
        **summary_ms(event_samples),
        "p99_ms": round(percentile(event_samples, 0.99) * 1000, 2),
        "runs": len(event_samples),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", default="100k")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(parse_count(args.conversations), args.runs)
    print(json.dumps(results) if args.json else json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
