"""The public attendee page behind a handout's QR code: what it shows, what it records, and the
public-page cases of the attack list (tokens, concurrency, CSRF, rate limits, sizes, methods,
escaping)."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from outreach_app import create_app
from outreach_app.attendee import services as attendee_services
from outreach_app.attendee.models import (
    CheckIn,
    Feedback,
    HandoutScan,
    QuizSubmission,
    RecentScan,
)
from outreach_app.coverage import rollups
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.content import GENERAL_TIPS, quiz_for
from outreach_app.handouts.models import PrintRun
from outreach_app.handouts.services import copy_token, current_version, handout_by_code
from outreach_app.handouts.tokens import format_for_print, make_token
from outreach_app.reference.models import TargetGroup
from outreach_app.regions.models import Region
from tests.factories import make_print_run
from tests.helpers import count, csrf_token_from, quiz_answers, sql_statements


@dataclass(frozen=True)
class Run:
    """A committed print run: its ids and every copy's token."""

    id: int
    public_id: int
    event_id: int
    tokens: list[str]


def print_run(app, event_id: int, copies: int = 3, **kwargs) -> Run:
    with app.app_context():
        run = make_print_run(db.session.get(Event, event_id), copies=copies, **kwargs)
        db.session.commit()
        tokens = [copy_token(run, serial) for serial in range(1, copies + 1)]
        return Run(run.id, run.public_id, run.event_id, tokens)


def flip(token: str, at: int = 20) -> str:
    """``token`` with one character changed (still in the base32 alphabet)."""
    return token[:at] + ("B" if token[at] != "B" else "C") + token[at + 1 :]


@pytest.fixture
def run(app, world) -> Run:
    return print_run(app, world.event_a_id)


# --- the page ------------------------------------------------------------------------------


def test_page_shows_event_tips_hotlines_and_counts_a_scan(app, client, run):
    response = client.get(f"/s/{run.tokens[0]}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        version = current_version(handout_by_code("pension-scams", "zh_CN"))
        tips, never_ask = list(version.tips), version.never_ask
        year = str(db.session.get(Event, run.event_id).starts_at.year)
    assert 'lang="zh-CN"' in html
    assert "湛山社区防诈讲座" in html and "湛山社区居委会" in html and f"{year}年" in html
    for tip in tips:
        assert str(tip).replace('"', "&#34;") in html
    assert never_ask in html
    assert 'href="tel:96110"' in html and 'href="tel:95588"' in html
    assert 'class="standard"' in html  # A4 copies open in the standard mode
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in html
    with app.app_context():
        scans = db.session.execute(select(HandoutScan)).scalars().all()
        assert [(s.print_run_id, s.serial, s.event_id, s.is_first) for s in scans] == [
            (run.id, 1, run.event_id, True)
        ]
        columns = {c["name"] for c in inspect(db.engine).get_columns("handout_scan")}
    # Time and copy only: no address, agent or anything else about the reader.
    assert columns == {"id", "print_run_id", "serial", "event_id", "scanned_at", "is_first"}


def test_a_get_counts_but_head_and_other_pages_do_not(app, client, run):
    token = run.tokens[1]
    client.get(f"/s/{token}")
    client.head(f"/s/{token}")
    client.get(f"/s/{token}/help")
    client.get(f"/s/{token}/quiz")
    assert count(app, HandoutScan) == 1
    assert count(app, HandoutScan, is_first=True) == 1


# --- reloads -------------------------------------------------------------------------------


def rollup_scans(app) -> tuple[int, int]:
    """Scans and copies scanned in the rollups, checked against a recount of the raw rows."""
    with app.app_context():
        own = rollups.recount(db.session)
        paths = dict(db.session.execute(select(Region.id, Region.path)).all())
        assert rollups.stored(db.session) == own
        assert rollups.stored(db.session, subtree=True) == rollups.subtree_totals(own, paths)
        rows = [v for k, v in own.items() if k[4] == "all"]
        return sum(v["scans"] for v in rows), sum(v["copies_scanned"] for v in rows)


def age_recent_scans(app, seconds: int) -> None:
    """Move every remembered opening ``seconds`` into the past."""
    with app.app_context():
        for entry in db.session.execute(select(RecentScan)).scalars():
            entry.counted_at -= timedelta(seconds=seconds)
        db.session.commit()


def test_reloads_from_one_address_within_the_window_count_once(app, client, run):
    token = run.tokens[0]
    for _ in range(3):
        assert client.get(f"/s/{token}").status_code == 200
        assert client.get(f"/s/{token}?lang=en&senior=1").status_code == 200
        assert client.get(f"/S/{token.lower()}").status_code == 200
    assert count(app, HandoutScan) == 1
    assert rollup_scans(app) == (1, 1)


def test_other_addresses_and_other_copies_count_apart(app, client, run):
    other = {"REMOTE_ADDR": "10.0.0.7"}
    client.get(f"/s/{run.tokens[0]}")
    client.get(f"/s/{run.tokens[0]}", environ_base=other)
    client.get(f"/s/{run.tokens[1]}")
    client.get(f"/s/{run.tokens[0]}", environ_base=other)
    client.get(f"/s/{run.tokens[1]}")
    assert count(app, HandoutScan) == 3
    assert count(app, HandoutScan, is_first=True) == 2
    assert rollup_scans(app) == (3, 2)


def test_a_reload_after_the_window_counts_again(app, client, run):
    app.config["ATTENDEE_RELOAD_WINDOW_SECONDS"] = 60
    token = run.tokens[0]
    client.get(f"/s/{token}")
    age_recent_scans(app, 59)
    client.get(f"/s/{token}")
    assert count(app, HandoutScan) == 1  # still inside the window, which did not move
    age_recent_scans(app, 2)
    client.get(f"/s/{token}")
    assert count(app, HandoutScan) == 2
    client.get(f"/s/{token}")
    assert count(app, HandoutScan) == 2  # the window starts again at the counted opening
    assert rollup_scans(app) == (2, 1)


def test_reloads_are_told_apart_by_a_keyed_hash_kept_for_the_window_only(app, client, run):
    address = "203.0.113.9"
    client.get(f"/s/{run.tokens[0]}", environ_base={"REMOTE_ADDR": address})
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("recent_scan")}
        entries = db.session.execute(select(RecentScan)).scalars().all()
        copy = attendee_services.find_copy(run.tokens[0])
        key = attendee_services.reader_key(copy, address)
    assert columns == {"reader_key", "counted_at"}
    assert [e.reader_key for e in entries] == [key]
    assert re.fullmatch(r"[0-9a-f]{16}", key) and address not in key
    for plain in (address, f"{copy.run_id}:{copy.serial}:{address}"):
        assert hashlib.sha256(plain.encode()).hexdigest()[:16] != key
    other_app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "another secret key of enough length",
        },
    )
    with other_app.app_context():
        assert attendee_services.reader_key(copy, address) != key
    # Once the window has passed, the next scan (any copy, any reader) forgets the entry.
    age_recent_scans(app, app.config["ATTENDEE_RELOAD_WINDOW_SECONDS"] + 1)
    client.get(f"/s/{run.tokens[1]}", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    with app.app_context():
        keys = set(db.session.execute(select(RecentScan.reader_key)).scalars())
    assert len(keys) == 1 and key not in keys


def test_concurrent_reloads_from_one_address_count_once(app, run, live_server):
    url = f"{live_server}/s/{run.tokens[0]}"
    start = threading.Barrier(10)
    statuses: list[int] = []

    def open_page() -> None:
        start.wait()
        with urllib.request.urlopen(url, timeout=60) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=open_page) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert statuses == [200] * 10
    assert count(app, HandoutScan) == 1
    assert rollup_scans(app) == (1, 1)


def test_uppercased_url_and_typed_code_open_the_copy(client, run):
    token = run.tokens[0]
    assert client.get(f"/S/{token}").status_code == 200
    assert client.get(f"/s/{token.lower()}").status_code == 200
    typed = format_for_print(token).lower().replace("-", " - ")
    response = client.get("/s", query_string={"code": typed, "lang": "en"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{token}?lang=en"
    assert client.get("/s").status_code == 200  # the form to type a code in


def test_language_switch_shows_the_english_handout(app, client, run):
    html = client.get(f"/s/{run.tokens[0]}?lang=en").get_data(as_text=True)
    with app.app_context():
        english = current_version(handout_by_code("pension-scams", "en"))
        title = english.title
    assert '<html lang="en">' in html
    assert title in html
    assert "Check in" in html
    # The switch back names Chinese in Chinese.
    assert 'lang="zh-CN" hreflang="zh-CN"' in html


def test_senior_mode_is_on_for_large_print_and_switchable(app, client, world):
    large = print_run(app, world.event_a_id, layout="large")
    html = client.get(f"/s/{large.tokens[0]}").get_data(as_text=True)
    assert '<body class="senior">' in html
    assert 'name="senior" value="1"' in html
    assert f"/s/{large.tokens[0]}?lang=zh_CN&amp;senior=0" in html
    html = client.get(f"/s/{large.tokens[0]}?senior=0").get_data(as_text=True)
    assert '<body class="standard">' in html


def test_page_is_small_and_works_without_scripts(client, run):
    html = client.get(f"/s/{run.tokens[0]}").get_data()
    with client.get("/static/css/attendee.css") as response:
        css = response.get_data()
    assert len(html) + len(css) < 50 * 1024
    assert b"<script" not in html and b"bootstrap" not in html
    assert b' style="' not in html  # the CSP forbids inline styles


def test_scam_help_shows_what_to_do_and_the_branch(client, run):
    html = client.get(f"/s/{run.tokens[0]}/help?lang=en").get_data(as_text=True)
    assert "Hang up." in html and "Do not transfer any money." in html
    assert 'href="tel:96110"' in html
    assert "市南支行" in html


def test_host_header_never_appears_in_the_page(client, run):
    html = client.get(f"/s/{run.tokens[0]}", headers={"Host": "evil.com"}).get_data(as_text=True)
    assert "evil.com" not in html


# --- tokens that open nothing ----------------------------------------------------------------


def bad_tokens(app, run: Run) -> dict[str, str]:
    secret = app.config["SECRET_KEY"]
    return {
        "random": "QWERTYUIOPASDFGHJKLZXCVBNMQWERTYUIOPASDFGH",
        "flipped": flip(run.tokens[0]),
        "other-secret": make_token("another-secret", run.public_id, 1),
        "unknown-run": make_token(secret, run.public_id ^ 1, 1),
        "serial-0": make_token(secret, run.public_id, 0),
        "serial-too-high": make_token(secret, run.public_id, 4),
        "10kb": "A" * 10_240,
        "short": "ABC",
        "sql": "' OR 1=1--",
        "rtl": "\u202eABC\u200b",
    }


def test_bad_and_withdrawn_tokens_get_one_friendly_page(app, client, run):
    pages = {}
    for name, token in bad_tokens(app, run).items():
        response = client.get("/s/" + urllib.parse.quote(token))
        assert response.status_code == 404, name
        pages[name] = response.get_data(as_text=True)
    with app.app_context():
        db.session.get(PrintRun, run.id).revoked_at = db.func.now()
        db.session.commit()
    withdrawn = client.get(f"/s/{run.tokens[0]}")
    assert withdrawn.status_code == 410
    pages["withdrawn"] = withdrawn.get_data(as_text=True)
    assert len(set(pages.values())) == 1, "every code that opens nothing reads the same"
    page = pages["random"]
    assert GENERAL_TIPS["zh_CN"][0] in page
    assert 'href="tel:96110"' in page
    assert 'name="code"' in page  # a form to type the code again
    assert "Traceback" not in page
    assert withdrawn.headers["Cache-Control"] == "no-store"
    assert count(app, HandoutScan) == 0


def test_withdrawn_copy_accepts_nothing(app, client, run):
    with app.app_context():
        db.session.get(PrintRun, run.id).revoked_at = db.func.now()
        db.session.commit()
    token = run.tokens[0]
    assert client.post(f"/s/{token}/checkin", data={}).status_code == 410
    assert client.post(f"/s/{token}/feedback", data={"rating": "5"}).status_code == 410
    assert client.get(f"/s/{token}/quiz").status_code == 410
    assert client.get("/s", query_string={"code": token}).status_code == 410
    assert count(app, CheckIn) == count(app, Feedback) == 0


def test_guessed_and_real_unknown_tokens_run_the_same_query(app, client, run):
    tokens = bad_tokens(app, run)
    kinds = ["random", "flipped", "other-secret", "unknown-run", "10kb", "sql"]
    with sql_statements(app) as statements:
        seen = {}
        for kind in kinds:
            statements.clear()
            client.get("/s/" + tokens[kind])
            seen[kind] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # One and the same query for every code, forged or not.
    assert len({tuple(v) for v in seen.values()}) == 1 and len(seen["random"]) == 1, seen
    # How long each takes is measured by `make bench` (token_page_spread_pct), not here.


# --- check-in ------------------------------------------------------------------------------


def test_check_in_counts_once_per_copy(app, client, run):
    token = run.tokens[0]
    first = client.post(f"/s/{token}/checkin", data={"group": "seniors", "lang": "en"})
    assert first.status_code == 200
    assert 'data-testid="checkin-done"' in first.get_data(as_text=True)
    again = client.post(f"/s/{token}/checkin", data={"group": "youth", "lang": "en"})
    assert 'data-testid="checkin-already"' in again.get_data(as_text=True)
    client.post(f"/s/{run.tokens[1]}/checkin", data={"group": ""})
    with app.app_context():
        rows = db.session.execute(
            select(CheckIn.serial, TargetGroup.code)
            .outerjoin(TargetGroup, TargetGroup.id == CheckIn.target_group_id)
            .order_by(CheckIn.serial)
        ).all()
    assert [tuple(r) for r in rows] == [(1, "seniors"), (2, None)]


@pytest.mark.parametrize(
    "data",
    [
        {"group": "nobody"},
        {"group": "disabled"},  # a sensitive identity is not asked for
        {"group": ["seniors", "youth"]},
        {"group": "x" * 5000},
    ],
    ids=["unknown", "sensitive", "twice", "long"],
)
def test_check_in_refuses_other_groups(app, client, run, data):
    response = client.post(f"/s/{run.tokens[0]}/checkin", data=data)
    assert response.status_code == 400
    assert 'data-testid="checkin-problem"' in response.get_data(as_text=True)
    assert count(app, CheckIn) == 0


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """``app`` served on a free loopback port, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


# CSRF on: the production path, token and all.
def test_20_concurrent_check_ins_of_one_copy_make_one_row(app, csrf_app, run, live_server):
    url = f"{live_server}/s/{run.tokens[0]}"
    openers, forms = [], []
    for _ in range(20):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with opener.open(url, timeout=30) as response:
            page = response.read().decode()
        openers.append(opener)
        forms.append(
            urllib.parse.urlencode(
                {"csrf_token": csrf_token_from(page), "group": "seniors", "lang": "en"}
            ).encode()
        )
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def check_in(opener, form) -> None:
        start.wait()
        with opener.open(url + "/checkin", data=form, timeout=60) as response:
            body = response.read().decode()
        outcomes.append(re.search(r'data-testid="(checkin-\w+)"', body).group(1))

    threads = [threading.Thread(target=check_in, args=pair) for pair in zip(openers, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert sorted(outcomes) == ["checkin-already"] * 19 + ["checkin-done"]
    assert count(app, CheckIn, print_run_id=run.id, serial=1) == 1


# --- quiz ----------------------------------------------------------------------------------


def test_quiz_explains_each_answer_and_stores_once(app, client, run):
    token = run.tokens[0]
    client.post(f"/s/{token}/checkin", data={"group": "seniors"})
    page = client.get(f"/s/{token}/quiz?lang=en").get_data(as_text=True)
    assert page.count('type="radio"') >= 9
    answers = quiz_answers()
    first_code = next(iter(answers))
    answers[first_code] = str((int(answers[first_code]) + 1) % 3)
    response = client.post(f"/s/{token}/quiz", data={**answers, "lang": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 of 3 right" in html
    assert html.count('data-testid="explanation"') == 3
    for q in quiz_for("fraud_pension", "en"):
        assert q.explanation.replace('"', "&#34;") in html
    again = client.post(f"/s/{token}/quiz", data={**quiz_answers(), "lang": "en"})
    assert 'data-testid="quiz-already"' in again.get_data(as_text=True)
    assert "2 of 3 right" in again.get_data(as_text=True)
    with app.app_context():
        rows = db.session.execute(
            select(QuizSubmission.correct, QuizSubmission.total, TargetGroup.code).join(
                TargetGroup, TargetGroup.id == QuizSubmission.target_group_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [(2, 3, "seniors")]
    # Coming back shows the stored answers, explained, instead of the questions.
    later = client.get(f"/s/{token}/quiz?lang=en").get_data(as_text=True)
    assert "2 of 3 right" in later and 'type="radio"' not in later


@pytest.mark.parametrize("case", ["missing", "out-of-range", "negative", "twice", "text"])
def test_quiz_refuses_bad_answers(app, client, run, case):
    answers: dict[str, object] = dict(quiz_answers())
    code = next(iter(answers))
    if case == "missing":
        del answers[code]
    elif case == "out-of-range":
        answers[code] = "3"
    elif case == "negative":
        answers[code] = "-1"
    elif case == "twice":
        answers[code] = ["0", "1"]
    else:
        answers[code] = "0x10"
    response = client.post(f"/s/{run.tokens[0]}/quiz", data=answers)
    assert response.status_code == 400
    assert 'data-testid="quiz-problem"' in response.get_data(as_text=True)
    assert count(app, QuizSubmission) == 0


# --- feedback ------------------------------------------------------------------------------


def test_feedback_once_and_escaped_for_staff(app, client, auth, run):
    token = run.tokens[0]
    comment = '<script>alert("x")</script> <img src=x onerror=alert(1)>\u202e好'
    response = client.post(f"/s/{token}/feedback", data={"rating": "4", "comment": comment})
    assert 'data-testid="feedback-done"' in response.get_data(as_text=True)
    again = client.post(f"/s/{token}/feedback", data={"rating": "1"})
    assert 'data-testid="feedback-already"' in again.get_data(as_text=True)
    client.post(f"/s/{run.tokens[1]}/feedback", data={"rating": "5"})
    with app.app_context():
        stored = db.session.execute(select(Feedback.rating, Feedback.comment)).all()
    assert sorted(tuple(r) for r in stored) == [
        (4, '<script>alert("x")</script> <img src=x onerror=alert(1)>好'),
        (5, ""),
    ]
    auth.login("staff_a")
    client.set_cookie("outreach_lang", "en")
    html = client.get(f"/events/{run.event_id}/responses").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Average 4.5 of 5 from 2 ratings" in html


@pytest.mark.parametrize(
    "data",
    [
        {"rating": "6"},
        {"rating": "0"},
        {"rating": ""},
        {"rating": ["4", "5"]},
        {"rating": "4", "comment": "x" * 501},
        {"rating": "4", "comment": "好" * 600},
    ],
    ids=["6", "0", "none", "twice", "501-chars", "600-cjk"],
)
def test_feedback_refuses_bad_input(app, client, run, data):
    response = client.post(f"/s/{run.tokens[0]}/feedback", data=data)
    assert response.status_code == 400
    assert 'data-testid="feedback-problem"' in response.get_data(as_text=True)
    assert count(app, Feedback) == 0


def test_10000_character_feedback_is_refused(app, client, run):
    response = client.post(
        f"/s/{run.tokens[0]}/feedback", data={"rating": "5", "comment": "a" * 10_000}
    )
    assert response.status_code == 400
    assert count(app, Feedback) == 0


# --- abuse: CSRF, rate limits, sizes, methods ----------------------------------------------


@pytest.fixture
def strict_app(csrf_app, world):
    """The app with CSRF on and low attendee limits, as production has them."""
    csrf_app.config["ATTENDEE_PAGE_LIMIT"] = "5 per minute"
    csrf_app.config["ATTENDEE_POST_LIMIT"] = "3 per minute"
    return csrf_app


def test_csrf_missing_foreign_or_expired_is_400(app, strict_app, run, monkeypatch):
    client = strict_app.test_client()
    token = run.tokens[0]
    page = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    csrf = csrf_token_from(page)
    missing = client.post(f"/s/{token}/checkin", data={"lang": "en"})
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert 'data-testid="attendee-error"' in html and "Back to the handout" in html
    assert missing.headers["Cache-Control"] == "no-store"
    foreign = strict_app.test_client().post(f"/s/{token}/checkin", data={"csrf_token": csrf})
    assert foreign.status_code == 400
    # A slow reader: the token still works hours later, but not after the limit.
    assert strict_app.config["WTF_CSRF_TIME_LIMIT"] >= 4 * 3600
    real_time = time.time
    monkeypatch.setattr(
        "itsdangerous.timed.time.time",
        lambda: real_time() + strict_app.config["WTF_CSRF_TIME_LIMIT"] + 60,
    )
    expired = client.post(f"/s/{token}/checkin", data={"csrf_token": csrf})
    assert expired.status_code == 400
    monkeypatch.undo()
    assert count(app, CheckIn) == 0
    ok = client.post(f"/s/{token}/checkin", data={"csrf_token": csrf, "lang": "en"})
    assert ok.status_code == 200
    assert count(app, CheckIn) == 1


def test_rate_limits_give_a_friendly_429_that_spoofing_does_not_escape(strict_app, run):
    client = strict_app.test_client()
    url = f"/s/{run.tokens[0]}?lang=en"
    first = client.get(url)
    csrf = csrf_token_from(first.get_data(as_text=True))
    assert [first.status_code] + [client.get(url).status_code for _ in range(4)] == [200] * 5
    limited = client.get(url)
    assert limited.status_code == 429
    html = limited.get_data(as_text=True)
    assert "Please wait a moment" in html and 'href="tel:96110"' in html
    assert limited.headers["Cache-Control"] == "no-store"
    spoofed = client.get(url, headers={"X-Forwarded-For": "203.0.113.7"})
    assert spoofed.status_code == 429
    # Posts have their own, smaller bucket.
    statuses = [
        client.post(f"/s/{run.tokens[1]}/checkin", data={"csrf_token": csrf}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_trusted_proxy_addresses_are_limited_apart(database_url, world, app):
    run = print_run(app, world.event_a_id)
    proxied = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ATTENDEE_PAGE_LIMIT": "2 per minute",
            "TRUSTED_PROXIES": 1,
        },
    )
    client = proxied.test_client()
    url = f"/s/{run.tokens[0]}"

    def status(address: str) -> int:
        return client.get(url, headers={"X-Forwarded-For": address}).status_code

    try:
        assert [status("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert status("198.51.100.2") == 200
        # Only the last hop is trusted: a forged first entry changes nothing.
        assert status("10.0.0.1, 198.51.100.1") == 429
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_request_size_is_capped(app, client, run):
    url = f"/s/{run.tokens[0]}/feedback"
    big = client.post(url, data=b"x" * (20 * 1024 * 1024), content_type="application/octet-stream")
    assert big.status_code == 413
    assert 'data-testid="attendee-error"' in big.get_data(as_text=True)
    fields = "&".join(f"f{i}=v" for i in range(2000))
    assert (
        client.post(url, data=fields, content_type="application/x-www-form-urlencoded").status_code
        == 413
    )
    assert client.post(url, data={"rating": "5", "comment": "a" * 20_000}).status_code == 413
    assert count(app, Feedback) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_other_methods_are_405(client, run, method):
    for path in ("", "/checkin", "/quiz", "/feedback", "/help"):
        assert client.open(f"/s/{run.tokens[0]}{path}", method=method).status_code == 405


def test_get_never_changes_anything_but_the_scan_count(app, client, run):
    token = run.tokens[0]
    assert client.get(f"/s/{token}/checkin?group=seniors").status_code == 405
    assert client.get(f"/s/{token}/feedback?rating=5").status_code == 405
    client.get(f"/s/{token}/quiz", query_string=quiz_answers())
    client.get(f"/s/{token}?group=seniors&rating=5&done=checkin")
    assert count(app, CheckIn) == count(app, QuizSubmission) == count(app, Feedback) == 0
    assert count(app, HandoutScan) == 1


# --- what staff see ------------------------------------------------------------------------


def test_staff_see_check_ins_by_group_and_quiz_results(app, client, auth, world, run):
    for token, group in zip(run.tokens, ["seniors", "seniors", ""]):
        client.post(f"/s/{token}/checkin", data={"group": group})
    client.post(f"/s/{run.tokens[0]}/quiz", data=quiz_answers())
    client.post(f"/s/{run.tokens[2]}/quiz", data=quiz_answers(right=False))
    other = print_run(app, world.event_b_id)
    client.post(f"/s/{other.tokens[0]}/checkin", data={"group": "youth"})

    auth.login("staff_a")
    client.set_cookie("outreach_lang", "en")
    event_page = client.get(f"/events/{run.event_id}").get_data(as_text=True)
    seniors = re.search(
        r'data-group="seniors">.*?data-testid="check-ins">([^<]*)<', event_page, re.S
    )
    assert seniors and seniors.group(1) == "2"
    assert re.search(r'data-testid="check-ins-total">3<', event_page)
    assert 'data-group="youth"' not in event_page  # another event's check-in

    html = client.get(f"/events/{run.event_id}/responses").get_data(as_text=True)
    assert re.search(r'data-testid="check-ins">3<', html)
    assert "Pension and elderly-care scams" in html
    assert "2 answered, 50% right" in html
    assert client.get(f"/events/{other.event_id}/responses").status_code == 404


def test_typed_and_refused_input_is_shown_escaped(client, run):
    typed = client.get("/s", query_string={"code": '"><script>alert(1)</script>'})
    assert typed.status_code == 404
    html = typed.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    refused = client.post(
        f"/s/{run.tokens[0]}/feedback", data={"rating": "9", "comment": "<b>bold</b>"}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_each_copy_of_a_run_gets_its_own_token_and_csrf_token(app, csrf_app, world, run):
    """The page is rendered once per run and mode: every copy still gets its own links and
    forms, and every reader their own CSRF token that the forms accept."""
    pages = {}
    for token in run.tokens[:2]:
        client = csrf_app.test_client()
        html = client.get(f"/s/{token}").get_data(as_text=True)
        other = next(t for t in run.tokens[:2] if t != token)
        assert f"/s/{token}/checkin" in html and f"/s/{token}/feedback" in html
        assert f"/s/{token}/quiz" in html and f"/s/{token}/help" in html
        assert other not in html
        pages[token] = (client, csrf_token_from(html))
    assert pages[run.tokens[0]][1] != pages[run.tokens[1]][1]
    for token, (client, csrf) in pages.items():
        done = client.post(f"/s/{token}/checkin", data={"csrf_token": csrf, "group": "youth"})
        html = done.get_data(as_text=True)
        assert done.status_code == 200 and 'data-testid="checkin-done"' in html
        assert f"/s/{token}/feedback" in html
    assert count(app, CheckIn, print_run_id=run.id) == 2
    # A refused comment is put back for its writer only, never kept for the next reader.
    client, csrf = pages[run.tokens[0]]
    refused = client.post(
        f"/s/{run.tokens[0]}/feedback", data={"csrf_token": csrf, "comment": "mine"}
    )
    assert refused.status_code == 400 and ">mine</textarea>" in refused.get_data(as_text=True)
    client, csrf = pages[run.tokens[1]]
    again = client.post(f"/s/{run.tokens[1]}/feedback", data={"csrf_token": csrf})
    assert again.status_code == 400 and "mine" not in again.get_data(as_text=True)


def test_printed_codes_survive_a_new_secret_key_with_their_own_secret(database_url, world):
    """With HANDOUT_TOKEN_SECRET set, rotating SECRET_KEY leaves printed codes working."""

    def make(secret_key: str, token_secret: str | None):
        overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key}
        if token_secret:
            overrides["HANDOUT_TOKEN_SECRET"] = token_secret
        return create_app("testing", overrides)

    before = make("old-secret-key-" + "x" * 40, "handout-codes-" + "y" * 40)
    run = print_run(before, world.event_a_id, copies=1)
    after = make("new-secret-key-" + "z" * 40, "handout-codes-" + "y" * 40)
    without = make("new-secret-key-" + "z" * 40, None)
    try:
        assert after.test_client().get(f"/s/{run.tokens[0]}").status_code == 200
        assert without.test_client().get(f"/s/{run.tokens[0]}").status_code == 404
    finally:
        for application in (before, after, without):
            with application.app_context():
                db.engine.dispose()


# --- coming back to a copy -----------------------------------------------------------------


def test_returning_reader_sees_what_the_copy_already_did_without_the_forms(app, client, run):
    token = run.tokens[0]
    fresh = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert 'data-testid="checkin-form"' in fresh and 'data-testid="feedback-form"' in fresh
    assert "Start the quiz" in fresh

    client.post(f"/s/{token}/checkin", data={"group": "", "lang": "en"})
    client.post(f"/s/{token}/feedback", data={"rating": "4", "comment": "", "lang": "en"})
    client.post(f"/s/{token}/quiz", data={**quiz_answers(), "lang": "en"})

    for senior in ("0", "1"):
        html = client.get(f"/s/{token}?lang=en&senior={senior}").get_data(as_text=True)
        assert 'data-testid="checkin-already"' in html
        assert 'data-testid="feedback-already"' in html
        assert 'data-testid="checkin-form"' not in html
        assert 'data-testid="feedback-form"' not in html
        assert "See your quiz answers" in html and "Start the quiz" not in html
    # The cached page of the done copy is not shown to another copy of the same run.
    other = client.get(f"/s/{run.tokens[1]}?lang=en").get_data(as_text=True)
    assert 'data-testid="checkin-form"' in other and 'data-testid="feedback-form"' in other
    assert "Start the quiz" in other
    # A form posted on another section still shows the earlier ones as done.
    after = client.post(f"/s/{token}/checkin", data={"group": "", "lang": "en"})
    html = after.get_data(as_text=True)
    assert 'data-testid="checkin-already"' in html and 'data-testid="feedback-already"' in html


def test_copy_state_is_one_query(app, run):
    from outreach_app.attendee.services import copy_state, find_copy

    with app.app_context():
        copy = find_copy(run.tokens[0])
        assert copy is not None
        with sql_statements(app) as statements:
            assert copy_state(copy) == (False, False, False)
        assert len(statements) == 1


def test_scan_adds_at_most_one_query_for_the_state(app, client, run):
    token = run.tokens[0]
    client.get(f"/s/{token}")  # warm the caches
    with sql_statements(app) as statements:
        client.get(f"/s/{token}")
    state = [s for s in statements if "quiz_submission" in s and "feedback" in s]
    assert len(state) == 1


# --- help, quiz wording, topics without a quiz -------------------------------------------


def test_help_names_a_branch_even_without_address_and_says_call_110(app, client, run):
    html = client.get(f"/s/{run.tokens[0]}/help?lang=en").get_data(as_text=True)
    assert "Call the police on 110 at once" in html
    with app.app_context():
        print_run_row = db.session.get(PrintRun, run.id)
        print_run_row.page = {**print_run_row.page, "branch_address": ""}
        db.session.commit()
    html = client.get(f"/s/{run.tokens[0]}/help?lang=en").get_data(as_text=True)
    assert re.search(r'data-testid="branch">\s*市南支行\s*<', html)
    with app.app_context():
        print_run_row = db.session.get(PrintRun, run.id)
        print_run_row.page = {**print_run_row.page, "branch_name": "", "branch_address": ""}
        db.session.commit()
    html = client.get(f"/s/{run.tokens[0]}/help?lang=en").get_data(as_text=True)
    assert "Any branch of our bank can help you." in html


def test_quiz_intro_shows_the_title_apart_without_doubled_quotes(app, client, world):
    police = print_run(app, world.event_a_id, code="impersonating-police")
    html = client.get(f"/s/{police.tokens[0]}/quiz").get_data(as_text=True)
    assert "““" not in html and "””" not in html
    assert re.search(r'data-testid="quiz-topic">“公检法”要您转账？是诈骗<', html)
    english = client.get(f"/s/{police.tokens[0]}/quiz?lang=en").get_data(as_text=True)
    assert "Three short questions. Choose one answer for each." in english
    assert "questions about" not in english


def test_quiz_results_are_numbered(client, run):
    token = run.tokens[0]
    html = client.post(f"/s/{token}/quiz", data={**quiz_answers(), "lang": "en"}).get_data(
        as_text=True
    )
    for n, q in enumerate(quiz_for("fraud_pension", "en"), start=1):
        assert f"{n}. {q.question}".replace('"', "&#34;") in html


def test_topic_without_questions_has_no_quiz_page_and_stores_nothing(app, client, run, monkeypatch):
    from outreach_app.attendee import routes

    monkeypatch.setattr(routes, "quiz_questions", lambda topic_code, language: ())
    token = run.tokens[0]
    assert client.get(f"/s/{token}/quiz").status_code == 404
    response = client.post(f"/s/{token}/quiz", data={"lang": "en"})
    assert response.status_code == 404
    assert count(app, QuizSubmission) == 0
    assert 'data-testid="quiz-link"' not in client.get(f"/s/{token}").get_data(as_text=True)
