"""Timing helpers shared by the benchmarks: median and p95 of warm runs, query counts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(samples: list[float]) -> dict[str, float]:
    """Seconds → milliseconds: median and p95, rounded for the table."""
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 2),
    }


def count_queries(call: Callable[[], Any]) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def timed(call: Callable[[], Any], *, runs: int, warmup: int = 5) -> dict[str, float]:
    """Median and p95 of ``runs`` calls after ``warmup`` unmeasured ones, plus the queries."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    queries, _result = count_queries(call)
    return {**summary_ms(samples), "queries": queries, "runs": runs}
