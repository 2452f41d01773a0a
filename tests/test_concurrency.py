"""Requests at the same time: a request that lost a deadlock is run again."""

from __future__ import annotations

import io
import logging
import sqlite3
import threading

import psycopg
from flask import flash, g, request, session
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from outreach_app.core.transactions import lost_conflict
from outreach_app.extensions import db
from outreach_app.regions.models import Region
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


def deadlocking_route(app, world, losing_attempts: int) -> tuple[list[dict], threading.Thread]:
    """``POST /test/two-locks``: its first ``losing_attempts`` attempts each lose a real
    deadlock against a transaction in another thread; the others commit.

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

    app.add_url_rule("/test/two-locks", "test_two_locks", view, methods=["POST"])
    return seen, threading.Thread(target=rival)


def post_note(client):
    data = {"note": (io.BytesIO("会议纪要".encode()), "note.txt")}
    return client.post("/test/two-locks", data=data, content_type="multipart/form-data")


@postgres_only(NO_ROW_LOCKS)
def test_a_request_that_lost_a_deadlock_runs_again_as_it_came(app, client, world, caplog):
    seen, rival = deadlocking_route(app, world, losing_attempts=1)
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
def test_a_request_that_keeps_losing_gets_the_error_page(app, english, world, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the page a user would see
    seen, rival = deadlocking_route(app, world, losing_attempts=3)
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
