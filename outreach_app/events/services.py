"""Reading events within a user's scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from outreach_app.auth.models import User
from outreach_app.auth.scope import scope_clause, scope_of
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db


def upcoming_events(user: User, now: datetime, limit: int = 10) -> list[Event]:
    """The next events in ``user``'s scope that are not cancelled, soonest first."""
    stmt = (
        select(Event)
        .where(scope_clause(Event, scope_of(user)))
        .where(Event.starts_at >= now, Event.status != EventStatus.CANCELLED)
        .order_by(Event.starts_at)
        .limit(limit)
        .options(selectinload(Event.partner), selectinload(Event.region))
    )
    return list(db.session.execute(stmt).scalars())


def count_events_by_status(user: User, since: datetime) -> dict[str, int]:
    """How many events in ``user``'s scope start after ``since``, per status."""
    stmt = (
        select(Event.status, func.count())
        .where(scope_clause(Event, scope_of(user)), Event.starts_at >= since)
        .group_by(Event.status)
    )
    counts = {status.value: 0 for status in EventStatus}
    for status, n in db.session.execute(stmt):
        counts[EventStatus(status).value] = n
    return counts
