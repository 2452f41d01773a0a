"""Rate limits as a real hall and a real deployment meet them: a venue's phones behind one
address, one copy hammered, the per-address ceiling, forged X-Forwarded-For, threaded workers
sharing the in-memory counts, and production's start-up checks, against a real gunicorn too."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from sqlalchemy import select

from config import Config, rate_limit_storage_problem
from outreach_app import create_app
from outreach_app.attendee.models import CheckIn, Feedback, QuizSubmission
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.services import copy_token
from outreach_app.handouts.tokens import format_for_print
from tests.factories import make_print_run
from tests.helpers import count, quiz_answers

ROOT = Path(__file__).resolve().parent.parent
# The attendee limits as shipped, not the testing configuration's raised ones.
SHIPPED_LIMITS = {
    name: getattr(Config, name)
    for name in (
        "ATTENDEE_PAGE_LIMIT",
        "ATTENDEE_POST_LIMIT",
        "ATTENDEE_PAGE_LIMIT_PER_ADDRESS",
        "ATTENDEE_POST_LIMIT_PER_ADDRESS",
    )
}
HALL = 300
SERVER_START_TIMEOUT_S = 60


def limit_app(database_url: str, **overrides):
    """The app with the shipped attendee limits (and ``overrides``)."""
    return create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, **SHIPPED_LIMITS, **overrides}
    )


@contextmanager
def disposed(application) -> Iterator:
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


def copies(app, copies: int) -> list[str]:
    """The tokens of a new print run of ``copies`` copies for the world's first event."""
    with app.app_context():
        event = db.session.execute(select(Event).order_by(Event.id)).scalars().first()
        run = make_print_run(event, copies=copies)
        db.session.commit()
        return [copy_token(run, serial) for serial in range(1, copies + 1)]


def check_in(client, token: str, address: str = "198.51.100.20", **headers):
    return client.post(
        f"/s/{token}/checkin",
        data={"lang": "en"},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


# --- a hall on one address --------------------------------------------------------------------


def test_shipped_figures_fit_a_hall_of_300():
    """The reasoning in config.py, checked: two forms per person in one minute fit under the
    ceiling, every form of one phone (and a retry each) under its copy's limit."""
    post_copy = parse(Config.ATTENDEE_POST_LIMIT)
    post_address = parse(Config.ATTENDEE_POST_LIMIT_PER_ADDRESS)
    page_copy = parse(Config.ATTENDEE_PAGE_LIMIT)
    page_address = parse(Config.ATTENDEE_PAGE_LIMIT_PER_ADDRESS)
    for limit in (post_copy, post_address, page_copy, page_address):
        assert limit.get_expiry() == 60
    assert post_address.amount >= 2 * HALL
    assert page_address.amount >= 5 * HALL
    assert post_copy.amount >= 2 * 3
    assert page_copy.amount >= 10
    # One copy is never allowed what the hall is.
    assert post_copy.amount * 10 <= post_address.amount


def test_100_phones_on_one_address_each_send_three_forms(database_url, app, world):
    tokens = copies(app, 100)
    with disposed(limit_app(database_url)) as hall:
        client = hall.test_client()
        statuses = Counter()
        for token in tokens:
            statuses[check_in(client, token).status_code] += 1
            quiz = client.post(
                f"/s/{token}/quiz",
                data={**quiz_answers(), "lang": "en"},
                environ_base={"REMOTE_ADDR": "198.51.100.20"},
            )
            statuses[quiz.status_code] += 1
            feedback = client.post(
                f"/s/{token}/feedback",
                data={"rating": "5", "lang": "en"},
                environ_base={"REMOTE_ADDR": "198.51.100.20"},
            )
            statuses[feedback.status_code] += 1
    assert statuses == {200: 300}
    assert count(app, CheckIn) == count(app, QuizSubmission) == count(app, Feedback) == 100


def test_one_copy_hammered_is_stopped_while_the_others_go_on(database_url, app, world):
    hammered, other, third = copies(app, 3)
    with disposed(limit_app(database_url)) as hall:
        client = hall.test_client()
        allowed = parse(Config.ATTENDEE_POST_LIMIT).amount
        assert [check_in(client, hammered).status_code for _ in range(allowed)] == [200] * allowed
        refused = check_in(client, hammered)
        assert refused.status_code == 429
        assert 'data-testid="attendee-error"' in refused.get_data(as_text=True)
        # Another spelling of the same copy's code is the same copy.
        assert check_in(client, hammered.lower()).status_code == 429
        assert check_in(client, format_for_print(hammered)).status_code == 429
        # Other copies from the same address, and the hammered copy's page, still work.
        assert check_in(client, other).status_code == 200
        assert check_in(client, third).status_code == 200
        page = client.get(f"/s/{hammered}", environ_base={"REMOTE_ADDR": "198.51.100.20"})
        assert page.status_code == 200
        # The same copy from another address has its own count.
        assert check_in(client, hammered, address="198.51.100.21").status_code == 200
    assert count(app, CheckIn) == 3


def test_the_per_address_ceiling_holds(database_url, app, world):
    tokens = copies(app, 8)
    with disposed(limit_app(database_url, ATTENDEE_POST_LIMIT_PER_ADDRESS="6 per minute")) as hall:
        client = hall.test_client()
        assert [check_in(client, t).status_code for t in tokens[:6]] == [200] * 6
        # A fresh copy does not escape the address's ceiling...
        assert check_in(client, tokens[6]).status_code == 429
        # ... which is per address.
        assert check_in(client, tokens[7], address="198.51.100.99").status_code == 200
    assert count(app, CheckIn) == 7


def test_the_page_limits_count_per_copy_under_a_ceiling(database_url, app, world):
    tokens = copies(app, 4)
    with disposed(
        limit_app(
            database_url,
            ATTENDEE_PAGE_LIMIT="2 per minute",
            ATTENDEE_PAGE_LIMIT_PER_ADDRESS="5 per minute",
        )
    ) as hall:
        client = hall.test_client()
        base = {"REMOTE_ADDR": "198.51.100.20"}
        statuses = [client.get(f"/s/{tokens[0]}", environ_base=base).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert client.get(f"/s/{tokens[1]}", environ_base=base).status_code == 200
        assert client.get(f"/s/{tokens[2]}", environ_base=base).status_code == 200
        assert client.get(f"/s/{tokens[3]}", environ_base=base).status_code == 200
        # Five pages from this address this minute: a sixth is refused, its copy's own
        # limit notwithstanding.
        assert client.get(f"/s/{tokens[3]}", environ_base=base).status_code == 429


@pytest.mark.parametrize("limit", ["copy", "address"])
def test_forged_forwarded_for_changes_nothing_without_trusted_proxies(
    database_url, app, world, limit
):
    tokens = copies(app, 5)
    overrides = {"ATTENDEE_POST_LIMIT": "3 per minute"}
    if limit == "address":
        overrides["ATTENDEE_POST_LIMIT_PER_ADDRESS"] = "3 per minute"
    with disposed(limit_app(database_url, **overrides)) as hall:
        assert hall.config["TRUSTED_PROXIES"] == 0
        client = hall.test_client()
        chosen = [tokens[0]] * 4 if limit == "copy" else tokens[:4]
        statuses = [
            check_in(
                client,
                token,
                **{"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}"},
            ).status_code
            for n, token in enumerate(chosen)
        ]
        assert statuses == [200, 200, 200, 429]


# --- threads sharing the in-memory counts -------------------------------------------------------


def _race_two_writers(storage) -> list[BaseException]:
    """Force the interleaving that busy threaded workers hit by chance: one request thread has
    replaced the finished expiry timer but not yet started the new one when a second request
    thread writes a count too. Returns what the two threads raised."""
    storage.timer.join()  # the first expiry pass is over: the next write restarts the timer
    a_replaced, b_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pause_a() -> None:
        # Runs in thread A as the finished timer is dropped, inside "self.timer = Timer(...)".
        a_replaced.set()
        # Unguarded, B runs to the end meanwhile; with a lock B waits for A, so this bound
        # (not a measurement) lets A go on.
        b_done.wait(timeout=2)

    weakref.finalize(storage.timer, pause_a)

    def write(key: str, done: threading.Event | None) -> None:
        try:
            storage.incr(key, 60)
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            if done is not None:
                done.set()

    a = threading.Thread(target=write, args=("attendee-a", None))
    a.start()
    assert a_replaced.wait(timeout=10)
    b = threading.Thread(target=write, args=("attendee-b", b_done))
    b.start()
    a.join(timeout=30)
    b.join(timeout=30)
    assert not a.is_alive() and not b.is_alive()
    assert storage.get("attendee-a") == 1 or errors
    return errors


def test_memory_storage_takes_two_threads_restarting_its_timer(app):
    """``gunicorn -k gthread``: two request threads counting at the moment the expiry timer is
    restarted started one timer twice ("threads can only be started once", a 500)."""
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    errors = _race_two_writers(storage)
    assert errors == []
    assert storage.get("attendee-a") == 1 and storage.get("attendee-b") == 1


# --- production's start-up checks ----------------------------------------------------------------


PRODUCTION = {
    "SECRET_KEY": "production-test-secret-key-0000000000000000000000",
    "PUBLIC_BASE_URL": "https://outreach.bank.example",
}


def test_production_warns_when_no_proxy_is_trusted(database_url, caplog):
    def start(name: str, **overrides) -> None:
        with disposed(create_app(name, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})):
            pass

    with caplog.at_level(logging.WARNING):
        start("production", **PRODUCTION)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("TRUSTED_PROXIES is 0" in message for message in warnings)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        start("production", TRUSTED_PROXIES=1, **PRODUCTION)
        start("testing")
    assert not any("TRUSTED_PROXIES" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("config", "uri", "workers", "refused"),
    [
        ("production", "memory://", 2, True),
        ("production", "MEMORY://", 4, True),
        ("production", "memory://", 1, False),
        ("production", "redis://cache:6379", 4, False),
        ("development", "memory://", 4, False),
        ("testing", "memory://", 4, False),
    ],
)
def test_memory_storage_with_several_processes_is_refused_in_production(
    config, uri, workers, refused
):
    problem = rate_limit_storage_problem(config, uri, workers)
    assert (problem is not None) == refused
    if refused:
        assert "redis://" in problem and "gthread" in problem


# --- against a real gunicorn ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(args: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn started in the checkout (so it reads gunicorn.conf.py) on a free local port,
    for the length of the block, and stopped after; its base URL."""
    port = _free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(base_url + "/healthz", timeout=5):
                    break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {log.read_text()}") from error
                time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _server_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTREACH_", "RATELIMIT_", "ATTENDEE_", "WEB_CONCURRENCY"))
    }
    env.update(extra)
    return env


def _post(url: str) -> int:
    data = urllib.parse.urlencode({"lang": "en"}).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gthread_workers_share_exact_counts_without_errors(database_url, app, world, tmp_path):
    """One process, eight threads, ``memory://``: concurrent check-ins of one copy are let in
    exactly up to its limit, every other copy gets in, and nothing fails."""
    tokens = copies(app, 41)
    module = tmp_path / "threaded_wsgi.py"
    module.write_text(
        "from outreach_app import create_app\n"
        f"app = create_app('testing', {{'SQLALCHEMY_DATABASE_URI': {database_url!r}, "
        f"'RATELIMIT_STORAGE_URI': 'memory://', **{SHIPPED_LIMITS!r}}})\n"
    )
    log = tmp_path / "gunicorn.log"
    args = ["-w", "1", "-k", "gthread", "--threads", "8", "--pythonpath", str(tmp_path)]
    with gunicorn([*args, "threaded_wsgi:app"], _server_env(), log) as base_url:
        allowed = parse(Config.ATTENDEE_POST_LIMIT).amount
        urls = [f"{base_url}/s/{tokens[0]}/checkin"] * (allowed + 6)
        urls += [f"{base_url}/s/{token}/checkin" for token in tokens[1:]]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(_post, urls))
    hammered, others = statuses[: allowed + 6], statuses[allowed + 6 :]
    assert Counter(hammered) == {200: allowed, 429: 6}
    assert others == [200] * 40
    output = log.read_text()
    assert "Traceback" not in output and "RuntimeError" not in output, output
    assert count(app, CheckIn) == 41


def test_gunicorn_refuses_memory_storage_with_two_worker_processes_in_production(tmp_path):
    port = _free_port()
    env = _server_env(
        OUTREACH_CONFIG="production",
        DATABASE_URL="sqlite:///" + str(tmp_path / "unused.db"),
        **PRODUCTION,
    )
    for workers in (["-w", "2"], []):
        run_env = dict(env, WEB_CONCURRENCY="3") if not workers else env
        result = subprocess.run(
            [sys.executable, "-m", "gunicorn", *workers, "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=SERVER_START_TIMEOUT_S,
        )
        assert result.returncode != 0
        assert "in-memory rate limits are counted apart in each process" in result.stderr
        assert "Booting worker" not in result.stderr


@pytest.mark.parametrize("worker", [["-k", "sync"], ["-k", "gthread", "--threads", "4"]])
def test_gunicorn_starts_one_production_worker_with_memory_storage(tmp_path, worker):
    env = _server_env(
        OUTREACH_CONFIG="production",
        DATABASE_URL="sqlite:///" + str(tmp_path / "unused.db"),
        TRUSTED_PROXIES="1",
        **PRODUCTION,
    )
    log = tmp_path / "gunicorn.log"
    args = ["-w", "1", *worker, "wsgi:app"]
    with gunicorn(args, env, log) as url, urllib.request.urlopen(url + "/healthz") as response:
        assert response.status == 200
    assert "Booting worker" in log.read_text()
