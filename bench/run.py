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
import urllib.error
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


# The staff pages' benchmarks make more requests than the default limit allows.
PAGE_BENCH_LIMITS = {"RATELIMIT_DEFAULT": "100000 per minute"}


@contextmanager
def running_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """gunicorn (sync workers) on a free local port for the length of the block; its base URL.
    ``env`` is the server's whole environment, rate limits included."""
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-w", str(workers)),
            *("-b", f"127.0.0.1:{port}", "wsgi:app"),
        ],
        cwd=ROOT,
        env=env,
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
    with running_server(dict(env, **PAGE_BENCH_LIMITS)) as base_url:
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
        "from bench.handout_pdf import render_benchmark; "
        "print(render_benchmark(copies=1000, layout='a4'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return float(done.stdout.strip())


PRINT_RUN_COPIES = 1000
PRINT_RUN_REPEATS = 3


@benchmark("print_run_1000_pages_per_s", "pages/s")
def print_run_1000_pages() -> float:
    """A real 1,000-copy A4 print run (database row, tokens, PDF file), median of 3 writes."""
    with tempfile.TemporaryDirectory(prefix="outreach-bench-print-") as name:
        folder = Path(name)
        env = throwaway_sqlite_env(folder)
        flask(["db", "upgrade"], env)
        flask(["demo-data", "--events", "20", "--seed", DEMO_SEED, "--today", DEMO_TODAY], env)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from sqlalchemy import select

        from outreach_app import create_app
        from outreach_app.events.models import Event, EventStatus
        from outreach_app.extensions import db
        from outreach_app.handouts.services import (
            create_print_run,
            handout_by_code,
            write_print_run,
        )

        app = create_app(
            "development",
            {
                "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                "SECRET_KEY": "bench-secret-key-not-for-production",
                "PUBLIC_BASE_URL": "https://outreach.example-bank.cn",
            },
        )
        with app.app_context():
            stmt = select(Event).where(Event.status != EventStatus.CANCELLED).limit(1)
            event = db.session.scalars(stmt).one()
            handout = handout_by_code("pension-scams", "zh_CN")
            if handout is None:
                raise RuntimeError("the shipped handouts are missing from the database")
            run = create_print_run(None, event, handout, PRINT_RUN_COPIES, "a4")
            db.session.commit()
            rates = []
            for attempt in range(PRINT_RUN_REPEATS):
                target = folder / f"run-{attempt}.pdf"
                started = time.perf_counter()
                with target.open("wb") as stream:
                    pages = write_print_run(run, stream)
                seconds = time.perf_counter() - started
                rates.append(pages / seconds)
                log(f"{pages} pages, {target.stat().st_size / 1e6:.1f} MB in {seconds:.2f} s")
            db.session.remove()
            db.engine.dispose()
        return statistics.median(rates)


# --- the attendee page behind the QR code, under load ------------------------------------------

# Each load run is bounded: wrk for a fixed time, 32 connections, on 127.0.0.1 only.
ATTENDEE_LOAD_SECONDS = 10
ATTENDEE_CONNECTIONS = 32
ATTENDEE_WRK_THREADS = 2
ATTENDEE_WORKERS = 2
# Four runs of 5,000 copies: more copies than the check-ins a run can reach, so each is new.
ATTENDEE_RUNS = 4
ATTENDEE_COPIES_PER_RUN = 5000
ATTENDEE_DEMO_EVENTS = "300"
ATTENDEE_SECRET_KEY = "bench-secret-key-for-attendee-load-000000000000"
# Only the rate limits are raised for the run; CSRF and everything else stay as in production.
ATTENDEE_RAISED_LIMITS = {
    "RATELIMIT_DEFAULT": "10000000 per minute",
    "ATTENDEE_PAGE_LIMIT": "10000000 per minute",
    "ATTENDEE_POST_LIMIT": "10000000 per minute",
    "ATTENDEE_PAGE_LIMIT_PER_ADDRESS": "10000000 per minute",
    "ATTENDEE_POST_LIMIT_PER_ADDRESS": "10000000 per minute",
}

# Make the print runs and write every copy's token, one a line (run inside the app's env).
MAKE_COPIES = """
import sys
from sqlalchemy import select
from outreach_app import create_app
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.services import copy_codes, create_print_run, handout_by_code

app = create_app()
with app.app_context():
    event = db.session.scalars(
        select(Event).where(Event.status != EventStatus.CANCELLED).order_by(Event.id).limit(1)
    ).one()
    handout = handout_by_code("pension-scams", "zh_CN")
    copies, n_runs = int(sys.argv[2]), int(sys.argv[3])
    runs = [create_print_run(None, event, handout, copies, "a4") for _ in range(n_runs)]
    db.session.commit()
    with open(sys.argv[1], "w") as out:
        for run in runs:
            for code in copy_codes(run):
                out.write(code.url.rsplit("/", 1)[1] + "\\n")
"""

# Count the check-ins in the database and say which acknowledged tokens have no row.
CHECK_ROWS = """
import json, sys
from sqlalchemy import func, select
from outreach_app import create_app
from outreach_app.attendee.models import CheckIn, HandoutScan
from outreach_app.extensions import db
from outreach_app.handouts.models import PrintRun
from outreach_app.handouts.services import copy_token

app = create_app()
with app.app_context():
    rows = db.session.execute(
        select(PrintRun.public_id, CheckIn.serial)
        .join(PrintRun, PrintRun.id == CheckIn.print_run_id)
    ).all()
    stored = {copy_token(PrintRun(public_id=p), s) for p, s in rows}
    acknowledged = set(open(sys.argv[1]).read().split())
    print(json.dumps({
        "rows": len(rows),
        "scans": db.session.scalar(select(func.count(HandoutScan.id))),
        "lost": len(acknowledged - stored),
    }))
"""

# wrk scripts. Each thread takes its own slice of the tokens; every response is checked.
WRK_COMMON = """
local tokens = {}
for line in io.lines(os.getenv("ATTENDEE_TOKENS")) do tokens[#tokens + 1] = line end
local threads = {}
local nthreads = tonumber(os.getenv("ATTENDEE_WRK_THREADS"))
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
ok, already, server_errors, other = 0, 0, 0, 0
local i = -1
local function next_token()
  i = i + 1
  return tokens[(tid + nthreads * i) % #tokens + 1]
end
function done(summary, latency, requests)
  local t = {ok = 0, already = 0, server_errors = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "ok": %d, "already": %d, '
    .. '"server_errors": %d, "other": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, t.ok, t.already, t.server_errors, t.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

WRK_SCAN = (
    WRK_COMMON
    + """
function request()
  return wrk.format("GET", "/s/" .. next_token())
end
function response(status, headers, body)
  if status == 200 and body:find('data-testid="checkin-form"', 1, true) then ok = ok + 1
  elseif status >= 500 then server_errors = server_errors + 1
  else other = other + 1 end
end
"""
)

# The same server answering its health check: how fast this machine is at the moment.
WRK_HEALTH = (
    WRK_COMMON
    + """
function request()
  return wrk.format("GET", "/healthz")
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status >= 500 then server_errors = server_errors + 1
  else other = other + 1 end
end
"""
)

WRK_CHECKIN = (
    WRK_COMMON
    + """
local log
local form = "csrf_token=" .. os.getenv("ATTENDEE_CSRF") .. "&group=seniors&lang=zh_CN&senior=0"
local cookie = os.getenv("ATTENDEE_COOKIE")
function init(args)
  log = io.open(os.getenv("ATTENDEE_ACKS") .. "." .. tid, "w")
end
function request()
  return wrk.format("POST", "/s/" .. next_token() .. "/checkin", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, form)
end
function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1; return end
  if status ~= 200 then other = other + 1; return end
  local token = body:match('action="/s/([A-Z2-7]+)/feedback')
  if body:find('data-testid="checkin-done"', 1, true) and token then
    ok = ok + 1
    log:write(token, "\\n")
    log:flush()
  elseif body:find('data-testid="checkin-already"', 1, true) then already = already + 1
  else other = other + 1 end
end
"""
)


def _python(code: str, args: list[str], env: dict[str, str]) -> str:
    """Run a Python snippet in the project with ``env``; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return done.stdout


def _wrk(base_url: str, script: str, env: dict[str, str]) -> dict[str, float]:
    """Drive ``base_url`` with wrk and ``script`` for the fixed time; the script's counts."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: run `make bench`, which installs Debian's wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        done = subprocess.run(
            [
                *("wrk", "-t", str(ATTENDEE_WRK_THREADS), "-c", str(ATTENDEE_CONNECTIONS)),
                *("-d", f"{ATTENDEE_LOAD_SECONDS}s", "--timeout", "10s", "-s", lua.name),
                base_url,
            ],
            env=dict(env, ATTENDEE_WRK_THREADS=str(ATTENDEE_WRK_THREADS)),
            capture_output=True,
            text=True,
            timeout=ATTENDEE_LOAD_SECONDS + 60,
            check=False,
        )
    finally:
        os.unlink(lua.name)
    sys.stderr.write(done.stdout)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    return json.loads(line[len("RESULT ") :])


def _csrf_session(base_url: str, token: str) -> tuple[str, str]:
    """A visitor's session cookie and CSRF token, from one real GET of a copy's page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/s/{token}", timeout=30) as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the attendee page")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, urllib.parse.quote(match.group(1), safe="")


@cache
def attendee_load() -> dict[str, float]:
    """Scan pages, then check-ins, each for a fixed time against gunicorn on SQLite with demo
    data; then every acknowledged check-in is looked up in the database."""
    folder = Path(tempfile.mkdtemp(prefix="outreach-bench-attendee-"))
    try:
        env = dict(throwaway_sqlite_env(folder), SECRET_KEY=ATTENDEE_SECRET_KEY)
        flask(["db", "upgrade"], env)
        flask(["demo-data", "--events", ATTENDEE_DEMO_EVENTS, "--seed", DEMO_SEED], env)
        tokens = folder / "tokens.txt"
        args = [str(tokens), str(ATTENDEE_COPIES_PER_RUN), str(ATTENDEE_RUNS)]
        _python(MAKE_COPIES, args, env)
        all_tokens = tokens.read_text().split()
        # The scans use the first half of the copies, the check-ins the second.
        scan_tokens, checkin_tokens = folder / "scan.txt", folder / "checkin.txt"
        half = len(all_tokens) // 2
        scan_tokens.write_text("\n".join(all_tokens[:half]) + "\n")
        checkin_tokens.write_text("\n".join(all_tokens[half:]) + "\n")
        acks = folder / "acks"
        with running_server(dict(env, **ATTENDEE_RAISED_LIMITS), ATTENDEE_WORKERS) as base_url:
            health = _wrk(base_url, WRK_HEALTH, dict(env, ATTENDEE_TOKENS=str(scan_tokens)))
            log(
                f"for scale, /healthz on this machine now: {health['ok'] / health['seconds']:.0f}/s"
            )
            scan = _wrk(base_url, WRK_SCAN, dict(env, ATTENDEE_TOKENS=str(scan_tokens)))
            log(f"scan page: {scan}")
            cookie, csrf = _csrf_session(base_url, all_tokens[0])
            load_env = dict(
                env,
                ATTENDEE_TOKENS=str(checkin_tokens),
                ATTENDEE_ACKS=str(acks),
                ATTENDEE_COOKIE=cookie,
                ATTENDEE_CSRF=csrf,
            )
            checkin = _wrk(base_url, WRK_CHECKIN, load_env)
            log(f"check-in: {checkin}")
        acknowledged = folder / "acknowledged.txt"
        with acknowledged.open("w") as out:
            for part in sorted(folder.glob("acks.*")):
                out.write(part.read_text())
        stored = json.loads(_python(CHECK_ROWS, [str(acknowledged)], env))
        log(f"database: {stored}")
        if stored["rows"] < checkin["ok"] or checkin["already"]:
            log("check-ins: rows and answers disagree")
        return {
            "scan_page_rps": scan["ok"] / scan["seconds"],
            "scan_5xx": scan["server_errors"],
            "checkin_rps": checkin["ok"] / checkin["seconds"],
            # An answer of "checked in" whose row is missing, or a copy told "already" although
            # every copy checks in once here.
            "checkin_lost": stored["lost"] + checkin["already"],
            "checkin_5xx": checkin["server_errors"],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@benchmark("scan_page_rps", "requests/s")
def scan_page_rps() -> float:
    """GET /s/<token> (each records a scan): gunicorn 2 workers, SQLite, wrk 32 connections."""
    return attendee_load()["scan_page_rps"]


@benchmark("checkin_rps", "requests/s")
def checkin_rps() -> float:
    """POST /s/<token>/checkin with CSRF, every one a new copy: 2 workers, 32 connections."""
    return attendee_load()["checkin_rps"]


@benchmark("checkin_lost", "check-ins")
def checkin_lost() -> float:
    """Check-ins answered as recorded but missing from the database (must be 0)."""
    return attendee_load()["checkin_lost"]


@benchmark("checkin_5xx", "responses")
def checkin_5xx() -> float:
    """Server errors during the check-in load, plus any during the scan load (must be 0)."""
    figures = attendee_load()
    return figures["checkin_5xx"] + figures["scan_5xx"]


# --- codes that open nothing: the same cost whatever the code --------------------------------

TOKEN_TIMING_REQUESTS = 300
TOKEN_TIMING_WARM_UP = 20

# Two print runs of two copies; the second withdrawn. Prints a valid, a withdrawn and a
# flipped code (one signature character changed), one a line.
MAKE_TIMING_TOKENS = """
from sqlalchemy import select
from outreach_app import create_app
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.services import copy_codes, create_print_run, handout_by_code

app = create_app()
with app.app_context():
    event = db.session.scalars(
        select(Event).where(Event.status != EventStatus.CANCELLED).order_by(Event.id).limit(1)
    ).one()
    handout = handout_by_code("pension-scams", "zh_CN")
    kept, withdrawn = (create_print_run(None, event, handout, 2, "a4") for _ in range(2))
    withdrawn.revoked_at = db.func.now()
    db.session.commit()
    valid = next(copy_codes(kept)).url.rsplit("/", 1)[1]
    gone = next(copy_codes(withdrawn)).url.rsplit("/", 1)[1]
    flipped = valid[:20] + ("B" if valid[20] != "B" else "C") + valid[21:]
    print(valid, gone, flipped, sep="\\n")
"""


def _time_status(base_url: str, path: str, expected: int) -> float:
    """Milliseconds one GET of ``path`` took, body read; its status must be ``expected``."""
    started = time.perf_counter()
    try:
        # Our own http://127.0.0.1 address, never a user-given URL.
        with urllib.request.urlopen(base_url + path, timeout=30) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    elapsed = (time.perf_counter() - started) * 1000
    if status != expected:
        raise RuntimeError(f"GET {path[:40]} answered {status}, not {expected}")
    return elapsed


@cache
def token_timings() -> dict[str, float]:
    """Median time of the attendee page for a withdrawn, a random and a flipped code, asked in
    turn (so that a busy moment hits all three alike) against gunicorn on SQLite."""
    folder = Path(tempfile.mkdtemp(prefix="outreach-bench-tokens-"))
    try:
        env = dict(throwaway_sqlite_env(folder), SECRET_KEY=ATTENDEE_SECRET_KEY)
        flask(["db", "upgrade"], env)
        flask(["demo-data", "--events", "50", "--seed", DEMO_SEED], env)
        _valid, withdrawn, flipped = _python(MAKE_TIMING_TOKENS, [], env).split()
        codes = {
            "withdrawn": (withdrawn, 410),
            "random": ("QWERTYUIOPASDFGHJKLZXCVBNMQWERTYUIOPASDFGH", 404),
            "flipped": (flipped, 404),
        }
        timings: dict[str, list[float]] = {kind: [] for kind in codes}
        with running_server(dict(env, **ATTENDEE_RAISED_LIMITS), 1) as base_url:
            for round_number in range(TOKEN_TIMING_WARM_UP + TOKEN_TIMING_REQUESTS):
                for kind, (code, status) in codes.items():
                    elapsed = _time_status(base_url, "/s/" + code, status)
                    if round_number >= TOKEN_TIMING_WARM_UP:
                        timings[kind].append(elapsed)
        medians = {kind: statistics.median(values) for kind, values in timings.items()}
        log(f"attendee page by code, median ms: {medians}")
        fastest = min(medians.values())
        return {
            **{f"{kind}_ms": value for kind, value in medians.items()},
            "spread_pct": (max(medians.values()) - fastest) / fastest * 100,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@benchmark("token_page_spread_pct", "%")
def token_page_spread() -> float:
    """How much slower the slowest of withdrawn, random and flipped codes answers than the
    fastest (medians of 300 each, gunicorn 1 worker): near 0 means a guess learns nothing."""
    return token_timings()["spread_pct"]


@benchmark("token_page_withdrawn_ms", "ms")
def token_page_withdrawn() -> float:
    """Median time of the attendee page for a withdrawn copy's code (410)."""
    return token_timings()["withdrawn_ms"]


@benchmark("token_page_random_ms", "ms")
def token_page_random() -> float:
    """Median time of the attendee page for a random, well-formed code (404)."""
    return token_timings()["random_ms"]


@benchmark("token_page_flipped_ms", "ms")
def token_page_flipped() -> float:
    """Median time of the attendee page for a real code with one character changed (404)."""
    return token_timings()["flipped_ms"]


@benchmark("token_read_10kb_us", "µs")
def token_read_10kb() -> float:
    """Microseconds ``read_token`` takes to refuse a 10 KB input (median of 5 × 1,000)."""
    sys.path.insert(0, str(ROOT))
    from outreach_app.handouts.tokens import read_token

    huge = "A" * 10_240
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(1000):
            if read_token("bench-secret", huge) is not None:
                raise RuntimeError("a 10 KB input was accepted as a code")
        rounds.append((time.perf_counter() - started) * 1000)  # ms per 1,000 = µs per call
    return statistics.median(rounds)


# --- coverage for regional heads, a million events and ten million attendee rows -------------

COVERAGE_ATTENDEE_ROWS = 10_000_000
COVERAGE_ADMIN = ("admin", "outreach-admin-2024")
COVERAGE_HEAD = ("head", "outreach-head-2024")  # the demo head: 崂山区
COVERAGE_PERIOD = "?period=12m"

# Add the scans and check-ins in bulk, then recount the coverage rollups (run in the app's env).
ADD_ATTENDEE_ROWS = """
import sys
from datetime import date
from outreach_app import create_app
from outreach_app.demo.activity import load_attendee_rows
app = create_app()
with app.app_context():
    print(load_attendee_rows(int(sys.argv[1]), date.fromisoformat(sys.argv[2])))
"""


@cache
def coverage_env() -> dict[str, str]:
    """The million-event database with about ten million more scans and check-ins."""
    env = DEMO_DB.env()
    started = time.perf_counter()
    log(_python(ADD_ATTENDEE_ROWS, [str(COVERAGE_ATTENDEE_ROWS), DEMO_TODAY], env).strip())
    log(f"attendee rows added and rollups rebuilt in {time.perf_counter() - started:.0f} s")
    return env


def _landing(client: PageClient, path: str) -> str:
    """The path a redirect from ``path`` ends on (the user's own coverage page)."""
    with client.opener.open(client.base_url + path, timeout=30) as response:
        return urllib.parse.urlsplit(response.url).path


@cache
def coverage_timings() -> dict[str, list[float]]:
    """Time the whole city's coverage (administrator) and a district's (its head), 12 months."""
    env = coverage_env()
    timings = {}
    with running_server(dict(env, **PAGE_BENCH_LIMITS)) as base_url:
        for name, user in (("city", COVERAGE_ADMIN), ("district", COVERAGE_HEAD)):
            client = PageClient(base_url)
            client.login(*user)
            path = _landing(client, "/coverage/") + COVERAGE_PERIOD
            client.time_get(path, WARM_UP_REQUESTS)
            timings[name] = client.time_get(path, TIMED_REQUESTS)
            log(f"{path}: median {statistics.median(timings[name]):.1f} ms")
    return timings


@benchmark("coverage_city_12m_ms", "ms")
def coverage_city_12m() -> float:
    """Median time of the whole city's coverage page over the last 12 months, through gunicorn."""
    return statistics.median(coverage_timings()["city"])


@benchmark("coverage_district_ms", "ms")
def coverage_district() -> float:
    """Median time of a district's coverage page (its head, last 12 months), through gunicorn."""
    return statistics.median(coverage_timings()["district"])


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
