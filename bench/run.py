"""Benchmarks: each prints a JSON line ``{"name", "value", "unit"}`` to stdout, all else to stderr.

Run as ``.venv/bin/python bench/run.py`` (every benchmark) or with ``--only NAME`` (repeatable).
A benchmark is a function registered with ``@benchmark(name, unit)`` that returns its figure.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
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


class DemoDatabase:
    """The migrated SQLite database with a million demo events, built once per bench run.

    ``demo_data_1m_events_s`` builds it (and times the load); the page benchmarks reuse it, or
    build it themselves when they run alone. ``main`` deletes it at the end.
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.load_seconds: float | None = None

    def env(self) -> dict[str, str]:
        """The app's environment on the database, built first if need be."""
        if self.folder is None:
            folder = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
            env = throwaway_sqlite_env(folder)
            flask(["db", "upgrade"], env)
            args = ["demo-data", "--events", "1000000", "--seed", DEMO_SEED, "--today", DEMO_TODAY]
            self.load_seconds = flask(args, env)
            self.folder = folder
        return throwaway_sqlite_env(self.folder)

    def remove(self) -> None:
        """Delete the database and its folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


DEMO_DB = DemoDatabase()


@benchmark("demo_data_1m_events_s", "s")
def demo_data_1m_events() -> float:
    """``flask demo-data --events 1000000`` into an empty, migrated SQLite database."""
    DEMO_DB.env()
    assert DEMO_DB.load_seconds is not None
    return DEMO_DB.load_seconds


# --- pages through a real server -------------------------------------------------------------

# The demo's staff member (崂山支行营业部, the busiest branch: about 55,000 events).
BENCH_USER = ("staff", "outreach-staff-2024")
EVENT_LIST_URL = "/events/?status=completed&kind=community"
CALENDAR_MONTH_URL = "/events/calendar?month=" + DEMO_TODAY[:7]
WARM_UP_REQUESTS = 5
TIMED_REQUESTS = 50
SERVER_START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PageClient:
    """A logged-in browser without a browser: urllib with a cookie jar."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> bytes:
        """The body of ``path``; anything but 200 is an error."""
        with self.opener.open(self.base_url + path, timeout=30) as response:
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
            return response.read()

    def login(self, username: str, password: str) -> None:
        """Log in through the real form, CSRF token included."""
        page = self.get("/login").decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if match is None:
            raise RuntimeError("no CSRF token on the login page")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": match.group(1)}
        ).encode()
        with self.opener.open(self.base_url + "/login", data=form, timeout=30) as response:
            if urllib.parse.urlsplit(response.url).path == "/login":
                raise RuntimeError(f"logging in as {username} failed")

    def time_get(self, path: str, n: int) -> list[float]:
        """Milliseconds each of ``n`` requests of ``path`` took, body read."""
        timings = []
        for _ in range(n):
            started = time.perf_counter()
            self.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        return timings


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[str]:
    """gunicorn (one worker) on a free local port for the length of the block; its base URL."""
    port = _free_port()
    server_env = dict(env, RATELIMIT_DEFAULT="100000 per minute")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                # Our own http://127.0.0.1 address, never a user-given URL.
                with urllib.request.urlopen(base_url + "/healthz", timeout=2):  # noqa: S310
                    break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {error}") from error
                time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@cache
def page_timings() -> dict[str, list[float]]:
    """Time the filtered event list and the month calendar as the demo staff member."""
    env = DEMO_DB.env()
    with running_server(env) as base_url:
        client = PageClient(base_url)
        client.login(*BENCH_USER)
        timings = {}
        for name, path in (("list", EVENT_LIST_URL), ("calendar", CALENDAR_MONTH_URL)):
            client.time_get(path, WARM_UP_REQUESTS)
            timings[name] = client.time_get(path, TIMED_REQUESTS)
            log(f"{path}: median {statistics.median(timings[name]):.1f} ms")
    return timings


@benchmark("event_list_p50_ms", "ms")
def event_list_p50() -> float:
    """Median time of the filtered first page of a branch's events, 1M events in the database."""
    return statistics.median(page_timings()["list"])


@benchmark("event_list_p95_ms", "ms")
def event_list_p95() -> float:
    """95th percentile of the same requests."""
    return percentile(page_timings()["list"], 0.95)


@benchmark("calendar_month_p50_ms", "ms")
def calendar_month_p50() -> float:
    """Median time of the branch's month calendar, 1M events in the database."""
    return statistics.median(page_timings()["calendar"])


@benchmark("handout_render_1000_a4_pages_per_s", "pages/s")
def handout_render_1000_a4() -> float:
    """The PDF engine alone: 1,000 A4 copies, each with its own token and QR code, in one PDF."""
    code = (
        "from outreach_app.handouts.pdf import render_benchmark; "
        "print(render_benchmark(copies=1000, layout='a4'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return float(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and print a JSON line for each."""
    names = [b.name for b in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=names, metavar="NAME", help=f"one of {names}"
    )
    options = parser.parse_args(argv)
    failed = False
    try:
        for bench in BENCHMARKS:
            if options.only and bench.name not in options.only:
                continue
            log(f"== {bench.name}")
            try:
                value = bench.run()
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
                log(f"{bench.name} failed: {error}")
                failed = True
                continue
            print(json.dumps({"name": bench.name, "value": round(value, 3), "unit": bench.unit}))
            sys.stdout.flush()
    finally:
        DEMO_DB.remove()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
