"""Reading events and the choices of the event form, within a user's scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.core.scope import scope_clause, scope_of, scoped_select
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import Topic
from outreach_app.regions.models import Branch


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


def load_event_details(event: Event) -> Event:
    """``event`` with everything its page shows loaded in a few queries, not one per row."""
    stmt = (
        select(Event)
        .where(Event.id == event.id)
        .options(
            selectinload(Event.branch),
            selectinload(Event.region),
            selectinload(Event.partner),
            selectinload(Event.created_by),
            selectinload(Event.target_groups),
            selectinload(Event.topics),
            selectinload(Event.staff),
        )
        .execution_options(populate_existing=True)
    )
    return db.session.execute(stmt).scalar_one()


def series_size(event: Event) -> int:
    """How many events share ``event``'s series (1 when it is not part of one)."""
    if event.series_key is None:
        return 1
    stmt = select(func.count(Event.id)).where(Event.series_key == event.series_key)
    return db.session.execute(stmt).scalar_one()


def all_topics() -> list[Topic]:
    """Every topic, in the agreed order (which keeps each category together)."""
    return list(db.session.execute(select(Topic).order_by(Topic.sort_order, Topic.id)).scalars())


def partners_for_choice(user: User, current: Partner | None = None) -> list[Partner]:
    """The partners ``user`` may pick: not archived, in scope, by name; ``current`` stays."""
    stmt = (
        scoped_select(Partner, user)
        .where(Partner.is_archived.is_(False))
        .order_by(Partner.name, Partner.id)
    )
    partners = list(db.session.execute(stmt).scalars())
    if current is not None and current not in partners:
        partners.insert(0, current)
    return partners


def staff_for_choice(user: User, current: Event | None = None) -> list[User]:
    """Active staff of the branches ``user`` may plan for, by branch and name.

    Staff already assigned to ``current`` are kept even if inactive now, so that editing an
    event never silently drops them.
    """
    branches = scoped_select(Branch, user).where(Branch.is_active.is_(True))
    stmt = (
        select(User)
        .where(
            User.role == Role.STAFF,
            User.is_active.is_(True),
            User.branch_id.in_(branches.with_only_columns(Branch.id)),
        )
        .options(selectinload(User.branch))
    )
    people = list(db.session.execute(stmt).scalars())
    if current is not None:
        people += [person for person in current.staff if person not in people]
    return sorted(people, key=lambda p: (p.branch.name if p.branch else "", p.label, p.id))
