"""Running a request again when its transaction lost a deadlock or a serialization conflict.

PostgreSQL ends one of two transactions that wait for each other (SQLSTATE 40P01, deadlock
detected), and under REPEATABLE READ or SERIALIZABLE a transaction whose view of the data a
concurrent commit made stale (40001, serialization failure). Neither is the request's fault,
and the same request run again a moment later normally succeeds. ``register_transaction_retry``
wraps the view dispatch of the app, so every view gets this, whatever commits in it:

* a view that raises such an error (or an error raised from one) is run again, at most
  ``TRANSACTION_ATTEMPTS`` times in all (3), after a random pause of up to
  ``TRANSACTION_RETRY_DELAY`` seconds (0.05) that doubles with each attempt, so that the two
  losers of a conflict do not meet again at once; each retry is logged as a warning;
* after the last attempt the error goes on as any other, to the normal error page;
* every other error, and SQLite's "database is locked" (a writer that waited too long for
  another, not a conflict one of them had to lose), goes on at once.

What an attempt that lost leaves behind for the next one:

* in the database, nothing: the session is rolled back, which undoes every row the attempt
  wrote, and the objects it had loaded are read again. Views commit once, at their end; a view
  that committed part of its work and then lost would do that part again;
* in the request, nothing: the Flask session (the login, flashed messages), ``g`` and the
  flashed messages already read are put back as they were before the first attempt, and
  uploaded files are rewound to their start, so every attempt sees the request as it came;
* outside the database and the request, whatever the view did: files it wrote, rate-limit
  counts, log lines. A view that writes files removes them when its transaction fails (photo
  uploads do), which covers a lost attempt too.

Only requests are covered; ``flask`` commands are not wrapped.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session
from flask.globals import request_ctx
from sqlalchemy.exc import DBAPIError

from outreach_app.extensions import db

# deadlock_detected, serialization_failure
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
DEFAULT_ATTEMPTS = 3
DEFAULT_RETRY_DELAY = 0.05


def lost_conflict(error: BaseException) -> str | None:
    """The SQLSTATE if ``error``, or an error it was raised from, is a deadlock or a
    serialization failure; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        driver_error = current.orig if isinstance(current, DBAPIError) else current
        state = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
        if state in RETRYABLE_SQLSTATES:
            return state
        current = current.__cause__
    return None


@dataclass
class _RequestState:
    """What a view may change in the request that a new attempt must find as it was."""

    session: dict[str, Any]
    session_modified: bool
    flashes: Any
    g: dict[str, Any]

    @classmethod
    def capture(cls) -> _RequestState:
        return cls(
            session=copy.deepcopy(dict(session)),
            session_modified=session.modified,
            flashes=copy.copy(request_ctx.flashes),
            g=dict(vars(g)),
        )

    def restore(self) -> None:
        session.clear()
        session.update(copy.deepcopy(self.session))
        session.modified = self.session_modified
        request_ctx.flashes = copy.copy(self.flashes)
        vars(g).clear()
        vars(g).update(self.g)
        if request.mimetype == "multipart/form-data":
            for upload in request.files.values():
                upload.stream.seek(0)


def run_with_retry(view: Callable[[], Any]) -> Any:
    """Call ``view`` (the request's dispatch); run it again as the module docstring says when
    its transaction lost a deadlock or a serialization conflict."""
    attempts = max(1, int(current_app.config.get("TRANSACTION_ATTEMPTS", DEFAULT_ATTEMPTS)))
    delay = float(current_app.config.get("TRANSACTION_RETRY_DELAY", DEFAULT_RETRY_DELAY))
    before = _RequestState.capture()
    attempt = 1
    while True:
        try:
            return view()
        except Exception as error:
            state = lost_conflict(error)
            if state is None or attempt >= attempts:
                raise
            db.session.rollback()
            before.restore()
            current_app.logger.warning(
                "%s %s: the transaction lost a conflict (SQLSTATE %s) on attempt %d of %d; "
                "running it again",
                request.method,
                request.endpoint,
                state,
                attempt,
                attempts,
            )
        time.sleep(random.uniform(0, delay * 2 ** (attempt - 1)))
        attempt += 1


def register_transaction_retry(app: Flask) -> None:
    """Run every view of ``app`` through ``run_with_retry``."""
    dispatch = app.dispatch_request

    def dispatch_request() -> Any:
        return run_with_retry(dispatch)

    app.dispatch_request = dispatch_request  # type: ignore[method-assign]
