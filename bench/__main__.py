"""Run every benchmark, each in a fresh process with its own data directory (and, on
PostgreSQL, a freshly created database), print one table, and with BENCH_OUT set write
the same figures as JSON to that file.

Environment (all optional):

BENCH_SCALE         conversations for the page benchmarks, comma-separated: "10k,100k" by
                    default; add "1m" for the million (a few minutes per database to
                    generate), e.g. BENCH_SCALE=1m or BENCH_SCALE=10k,100k,1m.
BENCH_DB            "sqlite,postgresql" by default; PostgreSQL is skipped, with a note,
                    when the server cannot be reached.
BENCH_POSTGRES_URL  postgres://postgres@127.0.0.1:5432/postroom_bench by default. The
                    database it names is dropped and created for each run: only that one.
BENCH_SERVER_SCALE  scales at which the real server is loaded (memory and 50 concurrent
                    clients), default "100k".
BENCH_RUNS          timed requests per page figure, default 100.
BENCH_ONLY          a subset of: pages, ingest, reactors, rules, sla, saved, search, latency
                    (default: all).
BENCH_SEARCH_SCALE  conversations for the search benchmarks, "100k" by default; "100k,1m"
                    for the million too (3M messages: generating and indexing take a while).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postroom_bench"


@dataclass
class Job:
    name: str
    module: str
    args: list[str] = field(default_factory=list)
    database: str = "sqlite"  # or "postgresql"


def _split(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def jobs() -> list[Job]:
    scales = _split("BENCH_SCALE", "10k,100k")
    server_scales = set(_split("BENCH_SERVER_SCALE", "100k"))
    only = set(_split("BENCH_ONLY", "pages,ingest,reactors,rules,sla,saved,search,latency"))
    planned = []
    for database in _split("BENCH_DB", "sqlite,postgresql"):
        if "pages" in only:
            for scale in scales:
                args = ["--conversations", scale, "--runs", os.environ.get("BENCH_RUNS", "100")]
                if scale in server_scales:
                    args.append("--server")
                planned.append(Job(f"pages {scale}", "bench.pages", args, database))
        if "ingest" in only:
            planned.append(Job("ingest", "bench.ingest", [], database))
        if "reactors" in only:
            planned.append(Job("reactor lag", "bench.reactors", [], database))
        if "rules" in only:
            planned.append(Job("rules", "bench.rules", [], database))
        if "sla" in only:
            planned.append(Job("sla timers", "bench.sla", [], database))
        if "saved" in only:
            planned.append(Job("saved replies", "bench.saved", [], database))
        if "search" in only:
            for scale in _split("BENCH_SEARCH_SCALE", "100k"):
                args = ["--conversations", scale, "--runs", os.environ.get("BENCH_RUNS", "100")]
                planned.append(Job(f"search {scale}", "bench.search", args, database))
    if "latency" in only:  # its own server, on SQLite; IMAP when Dovecot is installed
        imap = shutil.which("dovecot") or os.path.exists("/usr/sbin/dovecot")
        planned.append(Job("latency", "bench.latency", [] if imap else ["--no-imap"]))
    return planned


def _postgres_admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("postroom_bench"):
        raise SystemExit(f"BENCH_POSTGRES_URL must name a postroom_bench* database, not {name!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def _postgres(statement: str, url: str) -> str:
    import psycopg

    admin, _name = _postgres_admin_url(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(statement)  # type: ignore[arg-type]
        row = cursor.fetchone() if cursor.description else None
        return str(row[0]) if row else ""


def _fresh_database(url: str) -> None:
    _admin, name = _postgres_admin_url(url)
    _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', url)
    _postgres(f'CREATE DATABASE "{name}"', url)


def _drop_database(url: str) -> None:
    _admin, name = _postgres_admin_url(url)
    _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', url)


def machine(postgres_url: str | None) -> dict[str, object]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((ln.split(":", 1)[1].strip() for ln in handle if "model name" in ln), "")
        with open("/proc/meminfo") as handle:
            memory_kb = int(next(ln for ln in handle if ln.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        memory_kb = 0
    description: dict[str, object] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if postgres_url:
        description["postgresql"] = _postgres("SHOW server_version", postgres_url)
    return description


def run(job: Job, postgres_url: str) -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="postroom-bench-") as data_dir:
        env = {**os.environ, "POSTROOM_DATA_DIR": data_dir, "OMP_NUM_THREADS": "1"}
        env.pop("DATABASE_URL", None)
        if job.database == "postgresql":
            _fresh_database(postgres_url)
            env["DATABASE_URL"] = postgres_url
        try:
            done = subprocess.run(
                [sys.executable, "-m", job.module, *job.args, "--json"],
                env=env,
                capture_output=True,
                text=True,
            )
        finally:
            if job.database == "postgresql":
                _drop_database(postgres_url)
    if done.returncode != 0:
        raise RuntimeError(f"{job.module} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    figures: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    if job.module not in ("bench.pages", "bench.search"):  # theirs carry the database
        figures = {f"{name}@{job.database}": values for name, values in figures.items()}
    return figures


def table(results: dict[str, dict[str, object]]) -> str:
    width = max(len(name) for name in results) + 2
    lines = [f"{'benchmark':<{width}} {'median ms':>10} {'p95 ms':>9} {'queries':>8}  other"]
    for name, figures in results.items():
        if name.startswith("_"):
            continue
        rest = {k: v for k, v in figures.items() if k not in ("median_ms", "p95_ms", "queries")}
        lines.append(
            f"{name:<{width}} {figures.get('median_ms', ''):>10} {figures.get('p95_ms', ''):>9} "
            f"{figures.get('queries', ''):>8}  " + ", ".join(f"{k}={v}" for k, v in rest.items())
        )
    return "\n".join(lines)


def main() -> int:
    postgres_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    planned = jobs()
    if any(job.database == "postgresql" for job in planned):
        try:
            _postgres("SELECT 1", postgres_url)
        except Exception as exc:  # no server: run what can run, and say so
            print(f"PostgreSQL skipped ({exc.__class__.__name__}: {exc})", file=sys.stderr)
            planned = [job for job in planned if job.database != "postgresql"]
            postgres_url = ""
    results: dict[str, dict[str, object]] = {"_machine": machine(postgres_url or None)}
    failed = []
    for job in planned:
        started = time.perf_counter()
        print(f"… {job.name} on {job.database}", file=sys.stderr, flush=True)
        try:
            results.update(run(job, postgres_url))
        except RuntimeError as exc:  # report it, and go on with the others
            print(exc, file=sys.stderr)
            failed.append(f"{job.name} on {job.database}")
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    results["_machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results["_machine"]))
    print(table(results))
    if os.environ.get("BENCH_OUT"):
        with open(os.environ["BENCH_OUT"], "w") as handle:
            json.dump(results, handle, indent=2)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
