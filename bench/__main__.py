"""Run every benchmark, each in a fresh process with its own data directory.

Prints one table; with BENCH_OUT set, also writes the figures as JSON to that file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

BENCHMARKS = ["bench.ingest"]


def main() -> int:
    results: dict[str, dict[str, object]] = {}
    for module in BENCHMARKS:
        with tempfile.TemporaryDirectory(prefix="postroom-bench-") as data_dir:
            env = {**os.environ, "POSTROOM_DATA_DIR": data_dir, "OMP_NUM_THREADS": "1"}
            done = subprocess.run(
                [sys.executable, "-m", module, "--json"], env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return done.returncode
            results.update(json.loads(done.stdout.strip().splitlines()[-1]))
    width = max(len(name) for name in results) + 2
    print(f"{'benchmark':<{width}} figures")
    for name, figures in results.items():
        shown = ", ".join(f"{k}={v}" for k, v in figures.items())
        print(f"{name:<{width}} {shown}")
    if os.environ.get("BENCH_OUT"):
        with open(os.environ["BENCH_OUT"], "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
