"""Helpers for tests that interleave two transactions on PostgreSQL: which backend a session
runs on, and waiting (for a condition, not for a time) until that backend waits for a lock."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")

# Only a guard against a test that would otherwise hang: nothing is asserted about time.
HANG_GUARD_SECONDS = 60


def postgres_only(reason: str):
    """Skip a test on SQLite, saying why it means nothing there."""
    return pytest.mark.skipif(not ON_POSTGRES, reason=reason)


def backend_pid(session: Session) -> int:
    """The PostgreSQL backend serving ``session``'s transaction (which this begins)."""
    return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def wait_until_blocked(engine: Engine, pid: int, done: threading.Event) -> None:
    """Return once backend ``pid`` waits for a lock another transaction holds, or once
    ``done`` is set (the other side finished without waiting)."""
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    with engine.connect() as monitor:
        while not done.wait(0.005):
            blockers = monitor.execute(
                text("SELECT cardinality(pg_blocking_pids(:pid))"), {"pid": pid}
            ).scalar_one()
            monitor.rollback()
            if blockers:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"backend {pid} neither finished nor waited for a lock")
