"""The real one-process server under load: memory, and 50 concurrent clients over HTTP.

Starts ``postroom serve`` on a free loopback port against the database of the
environment (already filled by bench.generate), signs the benchmark's agent in, and
measures:

- resident memory (RSS) of the server idle, after a first request;
- requests per second and latency (median, p95, p99) of the list page with
  ``--clients`` concurrent keep-alive connections, each sending its next request as soon
  as the previous answer arrives (closed loop, no think time), bounded by
  ``--requests`` and ``--seconds``; every answer must be HTTP 200;
- the highest RSS seen during that load (sampled, and the kernel's high-water mark);
- the same load again while new mail arrives in the listed inbox at steady rates
  (bench.writer, in a process of its own), so that the cached pages keep going stale
  and are rendered afresh.

The clients are a small asyncio HTTP/1.1 loop in this process, so the load generator
costs little CPU next to the server; on a 2-core machine they still share the cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.measure import percentile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {field} for {pid}")


def session_cookie(user_id: int) -> str:
    """The cookies of a browser signed in as ``user_id``: the session (stored in the
    server's database) and the CSRF cookie a browser keeps after its first page (without
    it, every answer would have to make and set a new one)."""
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from postroom.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"


SERVER_LOG = Path(tempfile.gettempdir()) / "postroom-bench-server.log"


def server_errors(limit: int = 3) -> list[str]:
    """The last distinct error lines the server logged (for a run that saw errors)."""
    lines = SERVER_LOG.read_text(errors="replace").splitlines() if SERVER_LOG.exists() else []
    found: list[str] = []
    for line in reversed(lines):
        text = line.strip()
        if text.startswith("INFO:"):  # access log lines: the status is known already
            continue
        if text and ("Error" in text or "Exception" in text) and text not in found:
            found.append(text[:300])
        if len(found) >= limit:
            break
    return found


@contextlib.contextmanager
def running_server(env: dict[str, str] | None = None) -> Iterator[tuple[int, int]]:
    """``postroom serve`` on a free port; yields (pid, port) once it answers. Its output
    goes to SERVER_LOG (overwritten by the next run)."""
    port = _free_port()
    log = SERVER_LOG.open("w+b")
    command = [
        sys.executable,
        "-c",
        "from postroom.cli import main; raise SystemExit(main())",
        "serve",
        "--no-migrate",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start within 60 s") from None
                time.sleep(0.1)
        yield process.pid, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked); returns the status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _load(
    port: int,
    paths: list[str],
    cookie: str | list[str],
    *,
    clients: int,
    requests: int,
    seconds: float,
) -> dict[str, Any]:
    """``cookie``: one browser's cookies for every client, or a list handed out in turn
    (client i is signed in as ``cookie[i % len(cookie)]``)."""
    latencies: list[float] = []
    errors: list[str] = []
    issued = 0
    deadline = time.perf_counter() + seconds
    cookies = cookie if isinstance(cookie, list) else [cookie]

    async def client(index: int) -> None:
        nonlocal issued
        mine = cookies[index % len(cookies)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            n = index
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                path = paths[n % len(paths)]
                n += 1
                started = time.perf_counter()
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Cookie: {mine}\r\n\r\n".encode()
                )
                await writer.drain()
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(f"client {index}: {exc!r}")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "requests_per_s": round(len(latencies) / wall, 1),
        "median_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "wall_s": round(wall, 1),
    }


@contextlib.contextmanager
def writing(inbox_id: int, per_second: float) -> Iterator[list[int]]:
    """New mail into the inbox from another process (bench.writer) until the block ends;
    yields a one-item list that holds the number of messages written once it has."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.writer", "--inbox", str(inbox_id), "--rate", str(per_second)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError("bench.writer did not start")
    done = [0]
    try:
        yield done
    finally:
        process.terminate()
        out, _err = process.communicate(timeout=30)
        done[0] = int(out.split()[-1]) if out.split() else 0


def measure(
    paths: list[str],
    user_id: int,
    *,
    clients: int = 50,
    requests: int = 3000,
    seconds: float = 30.0,
    env: dict[str, str] | None = None,
    write_inbox: int | None = None,
    write_rates: tuple[float, ...] = (1.0, 5.0),
    other_user_ids: list[int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Memory idle and under load, and the load figures, against a fresh server. With
    ``other_user_ids``, the loads are repeated with each client signed in as a different
    person (``user_id`` and those), read-only and with mail at the first write rate."""
    cookie = session_cookie(user_id)
    with running_server(env) as (pid, port):
        # One request per page loads the code paths; "idle" is the server after that.
        asyncio.run(_load(port, paths, cookie, clients=1, requests=len(paths), seconds=30))
        time.sleep(1.0)
        idle = rss_mb(pid)
        peak = [idle]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.1):
                with contextlib.suppress(OSError, RuntimeError):
                    peak.append(rss_mb(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # Warm-up at full concurrency, then the measured run.
        asyncio.run(_load(port, paths, cookie, clients=clients, requests=clients * 4, seconds=30))

        def run(who: str | list[str], rate: float | None = None) -> dict[str, Any]:
            """One measured load as ``who``; with ``rate``, while mail arrives."""
            load = _load(port, paths, who, clients=clients, requests=requests, seconds=seconds)
            if rate is None or write_inbox is None:
                figures = asyncio.run(load)
            else:
                with writing(write_inbox, rate) as done:
                    figures = asyncio.run(load)
                figures["writes"] = done[0]
                figures["writes_per_s"] = round(done[0] / figures["wall_s"], 1)
            if figures["errors"]:
                figures["server_errors"] = server_errors()
            return figures

        results = {"concurrency": run(cookie)}
        for rate in write_rates if write_inbox is not None else ():
            results[f"concurrency_with_mail_{rate:g}_per_s"] = run(cookie, rate)
        if other_user_ids:
            everyone = [cookie] + [session_cookie(pk) for pk in other_user_ids]
            asyncio.run(
                _load(port, paths, everyone, clients=clients, requests=clients * 4, seconds=30)
            )
            results["concurrency_distinct_agents"] = run(everyone)
            if write_inbox is not None and write_rates:
                rate = write_rates[0]
                key = f"concurrency_distinct_agents_with_mail_{rate:g}_per_s"
                results[key] = run(everyone, rate)
        stop.set()
        sampler.join()
        memory = {
            "idle_rss_mb": idle,
            "loaded_rss_mb": max(peak),
            "high_water_mb": rss_mb(pid, "VmHWM"),
        }
    return {"memory": memory, **results}
