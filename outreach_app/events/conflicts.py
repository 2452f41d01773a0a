"""Clashes to warn about before saving: busy staff, and partners visited twice on one day.

At most two queries, however many staff or events a plan has. Each is narrowed by an index
(``event_staff`` by user, ``event`` by partner) and by a range on ``event.starts_at``: events
last at most ``MAX_DURATION``, so one that overlaps a window starts less than that before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from outreach_app.auth.models import User
from outreach_app.core.scope import scope_clause, scope_of
from outreach_app.events.models import Event, EventStatus, event_staff
from outreach_app.events.planning import MAX_DURATION, EventPlan
from outreach_app.extensions import db

# Enough to make the point; a longer list would bury the form.
CONFLICT_LIMIT = 30


@dataclass
class Conflict:
    """Another event that clashes with the plan: who is busy then, or the same partner that day."""

    event: Event
    busy_staff: list[User] = field(default_factory=list)
    same_partner_day: bool = False


def find_conflicts(user: User, plan: EventPlan, editing: Event | None = None) -> list[Conflict]:
    """Events in ``user``'s scope, not cancelled, that clash with any event of ``plan``."""
    if not plan.occurrences:
        return []
    common: list[ColumnElement[bool]] = [
        Event.status != EventStatus.CANCELLED,
        scope_clause(Event, scope_of(user)),
    ]
    if editing is not None:
        common.append(Event.id != editing.id)
    found: dict[int, Conflict] = {}

    staff = {person.id: person for person in plan.staff}
    if staff:
        overlapping = or_(
            *(
                and_(
                    Event.starts_at > start - MAX_DURATION,
                    Event.starts_at < end,
                    Event.ends_at > start,
                )
                for start, end in plan.occurrences
            )
        )
        rows = db.session.execute(
            select(event_staff.c.user_id, Event)
            .join(Event, Event.id == event_staff.c.event_id)
            .where(event_staff.c.user_id.in_(list(staff)), overlapping, *common)
            .order_by(Event.starts_at, Event.id)
            .limit(CONFLICT_LIMIT * len(staff))
        ).all()
        for user_id, event in rows:
            found.setdefault(event.id, Conflict(event)).busy_staff.append(staff[user_id])

    if plan.partner is not None:
        same_days = or_(
            *(
                and_(
                    Event.starts_at > _midnight(start) - MAX_DURATION,
                    Event.starts_at < _next_midnight(end),
                    Event.ends_at > _midnight(start),
                )
                for start, end in plan.occurrences
            )
        )
        events = db.session.execute(
            select(Event)
            .where(Event.partner_id == plan.partner.id, same_days, *common)
            .order_by(Event.starts_at, Event.id)
            .limit(CONFLICT_LIMIT)
        ).scalars()
        for event in events:
            found.setdefault(event.id, Conflict(event)).same_partner_day = True

    conflicts = sorted(found.values(), key=lambda c: (c.event.starts_at, c.event.id))
    for conflict in conflicts:
        conflict.busy_staff.sort(key=lambda person: (person.label, person.id))
    return conflicts[:CONFLICT_LIMIT]


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time())


def _next_midnight(end: datetime) -> datetime:
    """The end of the day an event ends on (an end at midnight belongs to the day before)."""
    return _midnight(end - timedelta(microseconds=1)) + timedelta(days=1)
