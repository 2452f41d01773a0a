"""Requests at the same time: concurrent post-event reports, a request that lost a deadlock
run again, and photo uploads that decode before they lock the event."""

from __future__ import annotations

import io
import logging
import sqlite3
import threading
from datetime import datetime, timedelta

import psycopg
import pytest
from flask import flash, g, request, session
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from outreach_app import create_app
from outreach_app.core.transactions import lost_conflict
from outreach_app.coverage import rollups
from outreach_app.event_reports import services as report_services
from outreach_app.events.models import Event, EventPhoto, EventStatus
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region
from tests.coverage_data import assert_consistent
from tests.factories import confirm, jpeg, make_event, make_region
from tests.helpers import login, report_form, stored_files, upload_photo
from tests.locking import HANG_GUARD_SECONDS, backend_pid, postgres_only, wait_until_blocked

NO_ROW_LOCKS = (
    "SQLite has no row locks and no deadlocks or serialization failures: a second writer "
    "waits for the whole database (or gets 'database is locked', which is not retried)"
)


# --- the retry mechanism --------------------------------------------------------------------


def test_only_deadlocks_and_serialization_failures_count_as_lost_conflicts():
    def wrapped(error: Exception, kind=OperationalError) -> Exception:
        return kind("UPDATE coverage_rollup SET …", {}, error)

    deadlock = wrapped(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert lost_conflict(deadlock) == "40P01"
    serialization = wrapped(psycopg.errors.SerializationFailure("could not serialize access"))
    assert lost_conflict(serialization) == "40001"
    try:
        raise RuntimeError("the report could not be saved") from deadlock
    except RuntimeError as error:
        assert lost_conflict(error) == "40P01"
    assert lost_conflict(wrapped(sqlite3.OperationalError("database is locked"))) is None
    unique = wrapped(psycopg.errors.UniqueViolation("duplicate key"), IntegrityError)
    assert lost_conflict(unique) is None
    assert lost_conflict(ValueError("40P01")) is None


def _lock_region(region_id: int, connection=None) -> None:
    stmt = select(Region.id).where(Region.id == region_id).with_for_update()
    (connection or db.session).execute(stmt)


def deadlocking_app(database_url: str, world, losing_attempts: int):
    """An app of its own (the shared one takes no new routes once it has served a request)
    with ``POST /test/two-locks``, whose first ``losing_attempts`` attempts each lose a real
    deadlock against a transaction in another thread; the others commit. Returns the app,
    what each attempt found, and the other thread (not started).

    Each attempt changes the session, flashes a message, sets ``g`` and reads the uploaded
    ``note``, and records what it found of those first. An attempt to lose locks region A and
    meets the other thread, which has locked region B and then asks for A; once that one
    waits, the attempt asks for B. Its deadlock_timeout is far shorter than the other's, so
    PostgreSQL ends this attempt; the other thread then gets A and commits."""
    seen: list[dict] = []
    met = threading.Barrier(2, timeout=HANG_GUARD_SECONDS)
    rival_pid: list[int] = []
    rival_waits = threading.Event()
    a, b = world.district_a_id, world.district_b_id

    def view():
        seen.append(
            {
                "visits": session.get("visits", 0),
                "flashes": len(session.get("_flashes", [])),
                "g": getattr(g, "attempt", None),
                "note": request.files["note"].read().decode(),
            }
        )
        session["visits"] = session.get("visits", 0) + 1
        flash("attempted", "info")
        g.attempt = len(seen)
        db.session.execute(text("SET LOCAL deadlock_timeout = '20ms'"))
        _lock_region(a)
        if len(seen) <= losing_attempts:
            met.wait()
            wait_until_blocked(db.engine, rival_pid[0], rival_waits)
        _lock_region(b)
        db.session.commit()
        return {"attempts": len(seen)}

    def rival() -> None:
        with app.app_context():
            for _ in range(losing_attempts):
                with db.engine.connect() as connection:
                    connection.execute(text("SET LOCAL deadlock_timeout = '60s'"))
                    rival_pid[:] = [backend_pid(connection)]
                    _lock_region(b, connection)
                    met.wait()
                    _lock_region(a, connection)  # waits until the request's attempt has lost
                    connection.commit()
        rival_waits.set()

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    app.add_url_rule("/test/two-locks", "test_two_locks", view, methods=["POST"])
    return app, seen, threading.Thread(target=rival)


def post_note(client):
    data = {"note": (io.BytesIO("会议纪要".encode()), "note.txt")}
    return client.post("/test/two-locks", data=data, content_type="multipart/form-data")


@postgres_only(NO_ROW_LOCKS)
def test_a_request_that_lost_a_deadlock_runs_again_as_it_came(database_url, world, caplog):
    app, seen, rival = deadlocking_app(database_url, world, losing_attempts=1)
    client = app.test_client()
    rival.start()
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = post_note(client)
    rival.join(HANG_GUARD_SECONDS)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"attempts": 2}
    # The second attempt found the request as the first did: the session, the flashes and
    # g undone, the upload rewound.
    assert seen == [{"visits": 0, "flashes": 0, "g": None, "note": "会议纪要"}] * 2
    with client.session_transaction() as saved:
        assert saved["visits"] == 1
        assert saved["_flashes"] == [("info", "attempted")]
    retries = [r for r in caplog.records if "lost a conflict" in r.getMessage()]
    assert len(retries) == 1
    assert retries[0].levelno == logging.WARNING
    assert "40P01" in retries[0].getMessage() and "attempt 1 of 3" in retries[0].getMessage()


@postgres_only(NO_ROW_LOCKS)
def test_a_request_that_keeps_losing_gets_the_error_page(database_url, world, caplog):
    app, seen, rival = deadlocking_app(database_url, world, losing_attempts=3)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the page a user would see
    english = app.test_client()
    english.set_cookie("outreach_lang", "en")
    rival.start()
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = post_note(english)
    rival.join(HANG_GUARD_SECONDS)
    assert not rival.is_alive()
    assert len(seen) == 3
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "Nothing was saved" in html
    assert "DeadlockDetected" not in html and "40P01" not in html
    retries = [r for r in caplog.records if "lost a conflict" in r.getMessage()]
    assert [r.getMessage().split("attempt ")[1][:6] for r in retries] == ["1 of 3", "2 of 3"]


# --- post-event reports of sibling events ----------------------------------------------------


@pytest.fixture
def sibling_events(app, world) -> list[int]:
    """Twenty confirmed events of branch A in one month and kind, two in each of ten sibling
    communities (the world's community A and nine more under its street)."""
    with app.app_context():
        community = db.session.get(Region, world.community_a_id)
        branch = db.session.get(Branch, world.branch_a_id)
        regions = [community] + [
            make_region(f"社区{i}", community.parent, code=f"37020200101{i}") for i in range(9)
        ]
        start = datetime(2026, 10, 1, 9, 0)
        events = [
            make_event(
                f"讲座{i}",
                branch,
                regions[i % 10],
                starts_at=start + timedelta(days=i),
                kind="community",
                status=EventStatus.CONFIRMED,
                groups=("seniors", "youth"),
                topics=("fraud_telecom", "fraud_pension"),
            )
            for i in range(20)
        ]
        db.session.commit()
        rollups.rebuild_all(db.session)
        db.session.commit()
        return [event.id for event in events]


@postgres_only(
    "SQLite has no row locks to order: its writers queue for one database lock, and on a busy "
    "machine the last of twenty would test SQLite's 5-second busy timeout, not this"
)
def test_20_concurrent_reports_of_sibling_events_all_succeed(app, world, sibling_events):
    clients = []
    for _ in sibling_events:
        client = app.test_client()
        assert login(client, "admin").status_code == 302
        clients.append(client)
    forms = [
        report_form(
            app,
            seniors=10 + i,
            youth=i + 1,
            material_0="booklet",
            material_quantity_0=str(5 * i),
        )
        for i in range(len(sibling_events))
    ]
    start = threading.Barrier(len(sibling_events), timeout=HANG_GUARD_SECONDS)
    statuses: dict[int, int] = {}
    errors: list[BaseException] = []

    def save(client, event_id: int, form: dict) -> None:
        try:
            start.wait()
            statuses[event_id] = client.post(f"/events/{event_id}/report", data=form).status_code
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [
        threading.Thread(target=save, args=args)
        for args in zip(clients, sibling_events, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD_SECONDS)
    assert errors == []
    assert statuses == dict.fromkeys(sibling_events, 302)
    with app.app_context():
        completed = db.session.scalar(
            select(func.count(Event.id)).where(
                Event.id.in_(sibling_events), Event.status == EventStatus.COMPLETED
            )
        )
        assert completed == 20
        assert_consistent()


@postgres_only(NO_ROW_LOCKS)
def test_two_events_created_at_once_in_one_region_and_month_both_count(app, world):
    """Neither transaction sees the other's new event, so locking events cannot order their
    recounts; both would insert the key's own rows (a duplicate key) but for the key's lock."""
    with app.app_context():
        engine = db.engine
        region = db.session.get(Region, world.community_a_id)
        key = (region.id, 202610)
    first, second = Session(engine), Session(engine)
    done = threading.Event()
    errors: list[BaseException] = []

    def add_event(session: Session, title: str, day: int) -> None:
        start = datetime(2026, 10, day, 9, 0)
        event = Event(
            title=title,
            kind="community",
            status=EventStatus.CONFIRMED,
            branch_id=world.branch_a_id,
            region_id=world.community_a_id,
            venue="活动室",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            expected_attendance=40,
        )
        session.add(event)
        session.flush()
        rollups.refresh(session, [key])

    def second_commits() -> None:
        try:
            add_event(second, "讲座乙", 12)
            second.commit()
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            done.set()

    with app.app_context():
        add_event(first, "讲座甲", 11)
        pid_second = backend_pid(second)
        thread = threading.Thread(target=second_commits)
        thread.start()
        wait_until_blocked(engine, pid_second, done)
        first.commit()
        thread.join(HANG_GUARD_SECONDS)
        first.close()
        second.close()
        assert errors == []
        month_events = db.session.scalar(
            select(func.sum(rollups.CoverageRollup.events)).where(
                rollups.CoverageRollup.region_id == region.id,
                rollups.CoverageRollup.month == 202610,
                rollups.CoverageRollup.subtree.is_(False),
                rollups.CoverageRollup.dim == "all",
            )
        )
        assert month_events == 2
        assert_consistent()


# --- photo uploads ---------------------------------------------------------------------------


def _add_photo_rows(connection, event_id: int, count: int, first: int = 0) -> None:
    """Photo rows without files (numbered from ``first``): enough for the per-event limit."""
    rows = [
        {
            "event_id": event_id,
            "file_name": f"{first + i:032d}.jpg",
            "width": 640,
            "height": 480,
            "byte_size": 1000,
            "caption": "",
        }
        for i in range(count)
    ]
    connection.execute(EventPhoto.__table__.insert(), rows)


@postgres_only(
    "SQLite has no row locks: the upload holds no lock on the event while it decodes, "
    "before or after the change"
)
def test_a_photo_is_decoded_before_the_event_is_locked(
    app, client, auth, world, uploads, monkeypatch
):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    found: list[str] = []
    decode = report_services.process_photo

    def decode_while_another_transaction_locks_the_event(data: bytes):
        with db.engine.connect() as other:
            stmt = select(Event.id).where(Event.id == world.event_a_id)
            try:
                other.execute(stmt.with_for_update(key_share=True, nowait=True))
                found.append("free")
            except OperationalError as error:
                found.append(error.orig.sqlstate)
        return decode(data)

    monkeypatch.setattr(
        report_services, "process_photo", decode_while_another_transaction_locks_the_event
    )
    response = upload_photo(client, world.event_a_id, jpeg((2400, 1800)))
    assert response.status_code == 302
    assert found == ["free"]  # not 55P03, lock not available


def test_the_photo_limit_is_checked_again_once_the_event_is_locked(
    app, english, auth, world, uploads, monkeypatch
):
    """While one upload is decoded another takes the 20th place; the first is then refused,
    and its files are removed."""
    confirm(app, world.event_a_id)
    with app.app_context():
        _add_photo_rows(db.session, world.event_a_id, 19)
        db.session.commit()
    auth.login("staff_a")
    decode = report_services.process_photo

    def decode_while_another_upload_commits(data: bytes):
        with db.engine.connect() as other:
            if other.dialect.name == "postgresql":  # a lock held here would make it wait
                other.execute(text("SET LOCAL lock_timeout = '10s'"))
            _add_photo_rows(other, world.event_a_id, 1, first=19)
            other.commit()
        return decode(data)

    monkeypatch.setattr(report_services, "process_photo", decode_while_another_upload_commits)
    response = upload_photo(english, world.event_a_id, jpeg())
    assert response.status_code == 200
    assert "An event can have at most 20 photos." in response.get_data(as_text=True)
    with app.app_context():
        stmt = select(func.count(EventPhoto.id)).where(EventPhoto.event_id == world.event_a_id)
        assert db.session.scalar(stmt) == 20
    assert stored_files(uploads) == []
