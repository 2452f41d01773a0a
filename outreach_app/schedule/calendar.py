"""The month and week calendars: which days are shown, and their first events in one query.

A busy region has thousands of events a month, so the database numbers each day's events and
returns only the first few of every day together with the day's total (window functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from outreach_app.auth.models import User
from outreach_app.core.months import Month
from outreach_app.core.scope import scope_clause, scope_of
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.schedule.services import MAX_YEAR, MIN_YEAR, EventFilters, filter_conditions

# Events shown in a day cell before "+N more": a month cell is small, a week column is not.
MONTH_PER_DAY = 3
WEEK_PER_DAY = 12


def parse_month(value: Any, today: date) -> date:
    """The first day of the ``YYYY-MM`` month in ``value``; this month for anything else."""
    month = Month.parse(value)
    if month is None or not MIN_YEAR <= month.year <= MAX_YEAR:
        month = Month.of(today)
    return month.first_day


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class CalendarEntry:
    """What a calendar cell shows of an event."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: EventStatus


@dataclass
class CalendarDay:
    """One day of the grid with its first events and how many it has in all."""

    day: date
    in_period: bool
    is_today: bool
    total: int = 0
    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many events the cell does not show."""
        return self.total - len(self.entries)


@dataclass
class CalendarPeriod:
    """A month (whole weeks around it) or a week: its days, week by week."""

    view: str
    first: date  # the month's first day, or the week's Monday
    today: date
    weeks: list[list[CalendarDay]]
    previous: date
    next: date

    @property
    def total(self) -> int:
        """Events in the days shown that belong to the period."""
        return sum(d.total for week in self.weeks for d in week if d.in_period)

    @property
    def contains_today(self) -> bool:
        """True when today is one of the period's days."""
        return any(d.is_today and d.in_period for week in self.weeks for d in week)


def _day_events(
    user: User, filters: EventFilters, first: date, last: date, per_day: int
) -> dict[date, tuple[int, list[CalendarEntry]]]:
    """For each day from ``first`` to ``last`` with events: its total and first ``per_day``.

    One query: each event is numbered within its day and counted with it, and only the first
    ``per_day + 1`` of a day come back (one more than shown, so a full cell needs no "+1 more").
    The numbering reads ids and times only, which the (branch|region)_starts indexes hold;
    titles are read for the few rows returned.
    """
    day = func.date(Event.starts_at)
    in_day = {"partition_by": day, "order_by": (Event.starts_at, Event.id)}
    ranked = (
        select(
            Event.id.label("event_id"),
            day.label("day"),
            func.row_number().over(**in_day).label("position"),
            func.count().over(**in_day, rows=(None, None)).label("day_total"),
        )
        .where(
            scope_clause(Event, scope_of(user)),
            Event.starts_at >= datetime.combine(first, time()),
            Event.starts_at < datetime.combine(last + timedelta(days=1), time()),
            *filter_conditions(filters, dates=False),
        )
        .subquery()
    )
    stmt = (
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.ends_at,
            Event.status,
            ranked.c.day,
            ranked.c.day_total,
        )
        .join(ranked, ranked.c.event_id == Event.id)
        .where(ranked.c.position <= per_day + 1)
        .order_by(Event.starts_at, Event.id)
    )
    days: dict[date, tuple[int, list[CalendarEntry]]] = {}
    for row in db.session.execute(stmt):
        key = date.fromisoformat(str(row.day)[:10])
        entry = CalendarEntry(row.id, row.title, row.starts_at, row.ends_at, row.status)
        total, entries = days.setdefault(key, (row.day_total, []))
        entries.append(entry)
    return days


def _fill(
    user: User,
    filters: EventFilters,
    start: date,
    n_weeks: int,
    in_period: Any,
    today: date,
    per_day: int,
) -> list[list[CalendarDay]]:
    last = start + timedelta(days=7 * n_weeks - 1)
    found = _day_events(user, filters, start, last, per_day)
    weeks = []
    for w in range(n_weeks):
        week = []
        for d in range(7):
            day = start + timedelta(days=7 * w + d)
            total, entries = found.get(day, (0, []))
            # A full cell shows every event; an overfull one leaves a line for "+N more".
            shown = entries if total <= per_day + 1 else entries[:per_day]
            week.append(CalendarDay(day, in_period(day), day == today, total, shown))
        weeks.append(week)
    return weeks


def month_period(user: User, filters: EventFilters, first: date, today: date) -> CalendarPeriod:
    """The month of ``first`` as whole weeks, Monday first (at most six)."""
    start = week_start(first)
    month = Month.of(first)
    following = (month + 1).first_day
    n_weeks = ((following - start).days + 6) // 7
    weeks = _fill(
        user,
        filters,
        start,
        n_weeks,
        lambda day: day.month == first.month,
        today,
        MONTH_PER_DAY,
    )
    return CalendarPeriod("month", first, today, weeks, (month - 1).first_day, following)


def week_period(user: User, filters: EventFilters, day: date, today: date) -> CalendarPeriod:
    """The week (Monday to Sunday) that contains ``day``."""
    monday = week_start(day)
    weeks = _fill(user, filters, monday, 1, lambda _day: True, today, WEEK_PER_DAY)
    return CalendarPeriod(
        "week", monday, today, weeks, monday - timedelta(days=7), monday + timedelta(days=7)
    )
