"""Benchmarks: each prints a JSON line ``{"name", "value", "unit"}`` to stdout, all else to stderr.

Run as ``.venv/bin/python bench/run.py`` (every benchmark) or with ``--only NAME`` (repeatable).
A benchmark is a function registered with ``@benchmark(name, unit)`` that returns its figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Fixed inputs, so that figures from different runs describe the same work.
DEMO_SEED = "2024"
DEMO_TODAY = "2026-11-27"
STEP_TIMEOUT_S = 600


@dataclass(frozen=True)
class Benchmark:
    """A named measurement and the function that takes it."""

    name: str
    unit: str
    run: Callable[[], float]


BENCHMARKS: list[Benchmark] = []


def benchmark(name: str, unit: str) -> Callable[[Callable[[], float]], Callable[[], float]]:
    """Register the decorated function as the benchmark ``name``, measured in ``unit``."""

    def register(function: Callable[[], float]) -> Callable[[], float]:
        BENCHMARKS.append(Benchmark(name, unit, function))
        return function

    return register


def log(message: str) -> None:
    """Progress for people: stderr, so that stdout stays JSON lines only."""
    print(message, file=sys.stderr, flush=True)


def flask(args: list[str], env: dict[str, str]) -> float:
    """Run ``flask ARGS`` in the project with ``env``; return the seconds it took."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    seconds = time.perf_counter() - started
    sys.stderr.write(result.stdout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} exited with {result.returncode}")
    return seconds


def throwaway_sqlite_env(folder: Path) -> dict[str, str]:
    """The environment for the app on a new SQLite file in ``folder``."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        FLASK_APP="wsgi",
        OUTREACH_CONFIG="development",
    )
    env.pop("TEST_DATABASE_URL", None)
    return env


@benchmark("demo_data_1m_events_s", "s")
def demo_data_1m_events() -> float:
    """``flask demo-data --events 1000000`` into an empty, migrated SQLite database."""
    folder = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    try:
        env = throwaway_sqlite_env(folder)
        flask(["db", "upgrade"], env)
        args = ["demo-data", "--events", "1000000", "--seed", DEMO_SEED, "--today", DEMO_TODAY]
        return flask(args, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and print a JSON line for each."""
    names = [b.name for b in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=names, metavar="NAME", help=f"one of {names}"
    )
    options = parser.parse_args(argv)
    failed = False
    for bench in BENCHMARKS:
        if options.only and bench.name not in options.only:
            continue
        log(f"== {bench.name}")
        try:
            value = bench.run()
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            log(f"{bench.name} failed: {error}")
            failed = True
            continue
        print(json.dumps({"name": bench.name, "value": round(value, 3), "unit": bench.unit}))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
