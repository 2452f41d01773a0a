"""Reading, planning and saving events within a user's scope; these flush, the caller commits.

Saving is two steps so that the view can warn about clashes before anything is written:
``plan_new_events`` / ``plan_event_update`` check every value against the rules and the user's
scope and return an ``EventPlan`` (or raise ``ServiceError``); ``create_events`` / ``update_event``
then write the plan.
"""

from __future__ import annotations

import calendar
import enum
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from outreach_app.audit.models import AuditLog
from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.core.scope import scope_clause, scope_of, scoped_select
from outreach_app.core.validation import ServiceError
from outreach_app.events.lifecycle import check_change
from outreach_app.events.models import Event, EventKind, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, Region
from outreach_app.regions.queries import branch_in_scope, region_in_scope

# The messages spell these numbers out, so that each rule has one message to translate.
TITLE_MAX = 200
VENUE_MAX = 200
NOTES_MAX = 2000
ATTENDANCE_MAX = 100_000
MAX_DURATION = timedelta(days=7)
FIRST_YEAR, LAST_YEAR = 2000, 2100
SERIES_MIN, SERIES_MAX = 2, 52


class Frequency(enum.StrEnum):
    """How often a series repeats."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class EventInput:
    """What a user enters about an event; every id is checked against the scope when planning.

    Ids that could not be read (junk, out of range) arrive as None and count as invalid.
    """

    title: str
    kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    branch_id: int | None = None
    partner_id: int | None = None
    region_id: int | None = None
    venue: str = ""
    target_group_ids: Sequence[int | None] = ()
    topic_ids: Sequence[int | None] = ()
    staff_ids: Sequence[int | None] = ()
    expected_attendance: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class RepeatInput:
    """An optional repeat: weekly or monthly, until a date or for a number of events."""

    frequency: str = ""
    until: date | None = None
    count: int | None = None


@dataclass
class EventPlan:
    """Checked values, resolved to rows, and the start and end of every event to save."""

    title: str
    kind: EventKind
    branch: Branch
    region: Region
    partner: Partner | None
    venue: str
    target_groups: list[TargetGroup]
    topics: list[Topic]
    staff: list[User]
    expected_attendance: int | None
    notes: str
    occurrences: list[tuple[datetime, datetime]] = field(default_factory=list)
    frequency: Frequency | None = None
    # Why a completed event is changed (heads and admins must say); empty otherwise.
    change_reason: str = ""

    @property
    def is_series(self) -> bool:
        """True when the plan makes more than one event."""
        return len(self.occurrences) > 1


# --- reading -------------------------------------------------------------------------------


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


def all_target_groups() -> list[TargetGroup]:
    """Every target group, in the agreed order."""
    stmt = select(TargetGroup).order_by(TargetGroup.sort_order, TargetGroup.id)
    return list(db.session.execute(stmt).scalars())


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


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an event's history, read from the audit log."""

    created_at: datetime
    actor: User | None
    action: str
    previous_status: str | None = None
    status: str | None = None
    reason: str | None = None
    fields: tuple[str, ...] = ()
    title_change: tuple[str, str] | None = None
    series_size: int | None = None
    # What a change to a completed event's print runs did (``record_completed_change``).
    change: str | None = None


def event_history(event: Event, limit: int = 50) -> list[HistoryEntry]:
    """The latest audit entries about ``event``, newest first, with their details decoded."""
    stmt = (
        select(AuditLog)
        .options(selectinload(AuditLog.user))
        .where(AuditLog.object_type == Event.__tablename__, AuditLog.object_id == event.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    entries = []
    for row in db.session.execute(stmt).scalars():
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        changes = detail.get("changes")
        if row.action != "event_updated" or not isinstance(changes, dict):
            changes = {}
        title = changes.get("title")
        series = detail.get("series_size")
        entries.append(
            HistoryEntry(
                created_at=row.created_at,
                actor=row.user,
                action=row.action,
                previous_status=_text_or_none(detail.get("previous")),
                status=_text_or_none(detail.get("status")),
                reason=_text_or_none(detail.get("reason")),
                fields=tuple(sorted(map(str, changes), key=_field_order)),
                title_change=(str(title[0]), str(title[1]))
                if isinstance(title, list) and len(title) == 2
                else None,
                series_size=series if isinstance(series, int) else None,
                change=_text_or_none(detail.get("change")),
            )
        )
    return entries


# The order of the form, for listing changed fields (the audit log stores them sorted).
FIELD_ORDER = (
    "title",
    "kind",
    "branch_id",
    "partner_id",
    "region_id",
    "venue",
    "starts_at",
    "ends_at",
    "target_groups",
    "topics",
    "staff",
    "expected_attendance",
    "notes",
)


def _field_order(name: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- planning ------------------------------------------------------------------------------


def plan_new_events(user: User, data: EventInput, repeat: RepeatInput | None = None) -> EventPlan:
    """Check a new event (or series) against the rules and ``user``'s scope."""
    return _plan(user, data, None, repeat or RepeatInput())


def plan_event_update(
    user: User, event: Event, data: EventInput, change_reason: str = ""
) -> EventPlan:
    """Check changes to ``event``: new values must be in scope, present ones may stay; a
    completed event only by a head or an administrator, who says why (``change_reason``)."""
    return _plan(user, data, event, RepeatInput(), change_reason)


def _plan(
    user: User,
    data: EventInput,
    current: Event | None,
    repeat: RepeatInput,
    change_reason: str = "",
) -> EventPlan:
    problems: dict[str, str] = {}
    reason = ""
    if current is not None:
        try:
            reason = check_change(current, user, change_reason) or ""
        except ServiceError as error:
            problems.update(error.problems)

    title = (data.title or "").strip()
    if not title:
        problems["title"] = _("Enter a title.")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("Keep the title to 200 characters or fewer.")

    kind = _parse_enum(EventKind, data.kind)
    if kind is None:
        problems["kind"] = _("Choose a kind from the list.")

    branch = _checked_branch(user, data, current, problems)
    partner = _checked_partner(user, data, current, kind, problems)
    region = _checked_region(user, data, current, partner, branch, kind, problems)

    venue = (data.venue or "").strip()
    if not venue and partner is not None:
        venue = (partner.address or partner.name)[:VENUE_MAX]
    elif not venue and kind is EventKind.BRANCH and branch is not None:
        venue = branch.name[:VENUE_MAX]
    if len(venue) > VENUE_MAX:
        problems["venue"] = _("Keep the venue to 200 characters or fewer.")

    _check_times(data.starts_at, data.ends_at, problems)
    occurrences: list[tuple[datetime, datetime]] = []
    frequency = None
    if "starts_at" not in problems and "ends_at" not in problems:
        assert data.starts_at is not None and data.ends_at is not None
        occurrences, frequency = _occurrences(data.starts_at, data.ends_at, repeat, problems)

    target_groups = _checked_rows(
        TargetGroup,
        data.target_group_ids,
        "target_group_ids",
        _("Choose at least one target group."),
        _("Choose target groups from the list."),
        problems,
    )
    topics = _checked_rows(
        Topic,
        data.topic_ids,
        "topic_ids",
        _("Choose at least one topic."),
        _("Choose topics from the list."),
        problems,
    )
    staff = _checked_staff(data.staff_ids, branch, current, problems)

    attendance = data.expected_attendance
    if attendance is not None and not 0 <= attendance <= ATTENDANCE_MAX:
        problems["expected_attendance"] = _("Enter a number from 0 to 100,000.")

    notes = (data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        problems["notes"] = _("Keep the notes to 2000 characters or fewer.")

    if problems:
        raise ServiceError(problems)
    assert kind is not None and branch is not None and region is not None
    return EventPlan(
        title=title,
        kind=kind,
        branch=branch,
        region=region,
        partner=partner,
        venue=venue,
        target_groups=target_groups,
        topics=topics,
        staff=staff,
        expected_attendance=attendance,
        notes=notes,
        occurrences=occurrences,
        frequency=frequency,
        change_reason=reason,
    )


def _parse_enum(enum_cls: type[enum.StrEnum], value: Any) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        return None


def _checked_branch(
    user: User, data: EventInput, current: Event | None, problems: dict[str, str]
) -> Branch | None:
    """Staff always plan for their own branch; others pick an active branch in their scope."""
    if scope_of(user).branch_id is not None:
        return user.branch
    if current is not None and data.branch_id == current.branch_id:
        return current.branch
    branch = branch_in_scope(user, data.branch_id)
    if branch is None:
        problems["branch_id"] = _("Choose a branch in your area.")
    return branch


def _checked_partner(
    user: User,
    data: EventInput,
    current: Event | None,
    kind: EventKind | None,
    problems: dict[str, str],
) -> Partner | None:
    """The partner, which must be in scope and not archived; only in-branch events need none."""
    if data.partner_id is None:
        if kind is not None and kind is not EventKind.BRANCH:
            problems["partner_id"] = _("Choose the partner the event is held with.")
        return None
    if current is not None and data.partner_id == current.partner_id:
        return current.partner
    stmt = scoped_select(Partner, user).where(
        Partner.id == data.partner_id, Partner.is_archived.is_(False)
    )
    partner = db.session.execute(stmt).scalar_one_or_none()
    if partner is None:
        problems["partner_id"] = _("Choose a partner in your area from the list.")
    return partner


def _checked_region(
    user: User,
    data: EventInput,
    current: Event | None,
    partner: Partner | None,
    branch: Branch | None,
    kind: EventKind | None,
    problems: dict[str, str],
) -> Region | None:
    """The region: chosen in scope, or the present one, or the partner's (or branch's) region."""
    if data.region_id is not None:
        if current is not None and data.region_id == current.region_id:
            return current.region
        if partner is not None and data.region_id == partner.region_id:
            return partner.region
        region = region_in_scope(user, data.region_id)
        if region is None:
            problems["region_id"] = _("Choose a region in your area.")
        return region
    if partner is not None:
        return partner.region
    if kind is EventKind.BRANCH and branch is not None:
        return branch.region
    # Otherwise the kind, the branch or the partner is missing, and its message says what to do.
    if not problems.keys() & {"kind", "branch_id", "partner_id"}:
        problems["region_id"] = _("Choose a region in your area.")
    return None


def _check_times(
    starts_at: datetime | None, ends_at: datetime | None, problems: dict[str, str]
) -> None:
    if starts_at is None:
        problems["starts_at"] = _("Enter when the event starts.")
    elif not FIRST_YEAR <= starts_at.year <= LAST_YEAR:
        problems["starts_at"] = _(
            "Use a date between the years %(first)d and %(last)d.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    if ends_at is None:
        problems["ends_at"] = _("Enter when the event ends.")
    elif not FIRST_YEAR <= ends_at.year <= LAST_YEAR:
        problems["ends_at"] = _(
            "Use a date between the years %(first)d and %(last)d.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    if problems.keys() & {"starts_at", "ends_at"}:
        return
    assert starts_at is not None and ends_at is not None
    if starts_at.tzinfo is not None or ends_at.tzinfo is not None:
        problems["starts_at"] = _("Enter a local date and time.")
    elif ends_at <= starts_at:
        problems["ends_at"] = _("The end must be after the start.")
    elif ends_at - starts_at > MAX_DURATION:
        problems["ends_at"] = _("An event can last at most %(n)d days.", n=MAX_DURATION.days)


def _occurrences(
    starts_at: datetime, ends_at: datetime, repeat: RepeatInput, problems: dict[str, str]
) -> tuple[list[tuple[datetime, datetime]], Frequency | None]:
    """Start and end of each event: one, or a weekly or monthly series."""
    if not repeat.frequency:
        if repeat.until is not None or repeat.count is not None:
            problems["repeat_frequency"] = _("Choose how often the event repeats.")
        return [(starts_at, ends_at)], None
    frequency = _parse_enum(Frequency, repeat.frequency)
    if frequency is None:
        problems["repeat_frequency"] = _("Choose how often the event repeats from the list.")
        return [], None
    if (repeat.until is None) == (repeat.count is None):
        message = _("Give either an end date or a number of events.")
        problems["repeat_until" if repeat.until is None else "repeat_count"] = message
        return [], frequency
    if repeat.count is not None and not SERIES_MIN <= repeat.count <= SERIES_MAX:
        problems["repeat_count"] = _("A series has from 2 to 52 events.")
        return [], frequency
    if repeat.until is not None and repeat.until <= starts_at.date():
        problems["repeat_until"] = _("The series must end after the first event's day.")
        return [], frequency
    try:
        starts = series_starts(starts_at, frequency, until=repeat.until, count=repeat.count)
    except ServiceError as error:
        problems.update(error.problems)
        return [], frequency
    if len(starts) < SERIES_MIN:
        problems["repeat_until"] = _("This end date leaves only one event; choose a later one.")
        return [], frequency
    duration = ends_at - starts_at
    if (starts[-1] + duration).year > LAST_YEAR:
        problems["repeat_until"] = _("The series would run past the year %(last)d.", last=LAST_YEAR)
        return [], frequency
    return [(start, start + duration) for start in starts], frequency


def series_starts(
    first: datetime, frequency: Frequency, until: date | None = None, count: int | None = None
) -> list[datetime]:
    """Start times of a series from ``first``: every week, or the same day of every month.

    Months without that day (the 31st, 29 February) are skipped. Raises ServiceError when the
    series would have more than SERIES_MAX events or run past the last allowed year.
    """
    starts: list[datetime] = []
    step = 0
    # A monthly series on the 31st skips five months a year, so this bound is never reached
    # by a series of SERIES_MAX events; it only guards the loop.
    while step < SERIES_MAX * 3:
        if frequency is Frequency.WEEKLY:
            start: datetime | None = first + timedelta(weeks=step)
        else:
            start = _same_day_months_later(first, step)
        step += 1
        if start is None:
            continue
        if until is not None and start.date() > until:
            break
        if start.year > LAST_YEAR:
            raise ServiceError(
                {"repeat_until": _("The series would run past the year %(last)d.", last=LAST_YEAR)}
            )
        starts.append(start)
        if count is not None and len(starts) >= count:
            break
        if len(starts) > SERIES_MAX:
            raise ServiceError(
                {"repeat_until": _("A series can have at most %(n)d events.", n=SERIES_MAX)}
            )
    return starts


def _same_day_months_later(first: datetime, months: int) -> datetime | None:
    """``first`` moved ``months`` months on, or None if that month has no such day."""
    year, month_index = divmod(first.month - 1 + months, 12)
    year += first.year
    month = month_index + 1
    if first.day > calendar.monthrange(year, month)[1]:
        return None
    return first.replace(year=year, month=month)


def _unique(ids: Iterable[int | None]) -> tuple[list[int], bool]:
    """The distinct ids in order, and whether any value could not be read."""
    seen: list[int] = []
    unreadable = False
    for value in ids:
        if value is None:
            unreadable = True
        elif value not in seen:
            seen.append(value)
    return seen, unreadable


def _checked_rows(
    model: type[TargetGroup] | type[Topic],
    ids: Sequence[int | None],
    field_name: str,
    missing: str,
    unknown: str,
    problems: dict[str, str],
) -> list[Any]:
    wanted, unreadable = _unique(ids)
    if not wanted and not unreadable:
        problems[field_name] = missing
        return []
    rows = list(
        db.session.execute(
            select(model).where(model.id.in_(wanted)).order_by(model.sort_order)
        ).scalars()
    )
    if unreadable or len(rows) != len(wanted):
        problems[field_name] = unknown
    return rows


def _checked_staff(
    ids: Sequence[int | None],
    branch: Branch | None,
    current: Event | None,
    problems: dict[str, str],
) -> list[User]:
    """Active staff of the event's branch; staff assigned already may stay if still there."""
    wanted, unreadable = _unique(ids)
    if unreadable:
        problems["staff_ids"] = _("Choose staff of the event's branch from the list.")
        return []
    if not wanted or branch is None:
        return []
    people = {
        person.id: person
        for person in db.session.execute(
            select(User).where(
                User.id.in_(wanted), User.role == Role.STAFF, User.branch_id == branch.id
            )
        ).scalars()
    }
    assigned = {person.id for person in current.staff} if current is not None else set()
    allowed = [people[i] for i in wanted if i in people and (people[i].is_active or i in assigned)]
    if len(allowed) != len(wanted):
        problems["staff_ids"] = _("Choose active staff of the event's branch from the list.")
    return allowed


# --- saving --------------------------------------------------------------------------------


def create_events(user: User, plan: EventPlan, copied_from: Event | None = None) -> list[Event]:
    """Add the planned event, or every event of a planned series under one series key."""
    series_key = secrets.token_hex(16) if plan.is_series else None
    events = []
    for starts_at, ends_at in plan.occurrences:
        event = Event(
            title=plan.title,
            kind=plan.kind,
            status=EventStatus.PLANNED,
            branch=plan.branch,
            region=plan.region,
            partner=plan.partner,
            venue=plan.venue,
            starts_at=starts_at,
            ends_at=ends_at,
            expected_attendance=plan.expected_attendance,
            notes=plan.notes,
            series_key=series_key,
            created_by=user,
        )
        event.target_groups = list(plan.target_groups)
        event.topics = list(plan.topics)
        event.staff = list(plan.staff)
        db.session.add(event)
        events.append(event)
    db.session.flush()
    extra: dict[str, Any] = {}
    if series_key is not None:
        extra.update(series_key=series_key, series_size=len(events), frequency=str(plan.frequency))
    if copied_from is not None:
        extra["copied_from"] = copied_from.id
    for event in events:
        record("event_created", event, actor=user, changes=_values(event), **extra)
    return events


def _values(event: Event) -> dict[str, Any]:
    """The event's short values as written to the audit log; long texts only say "set"."""
    return {
        "title": event.title,
        "kind": event.kind.value,
        "branch_id": event.branch.id,
        "partner_id": event.partner.id if event.partner is not None else None,
        "region_id": event.region.id,
        "venue": event.venue,
        "starts_at": event.starts_at.isoformat(timespec="minutes"),
        "ends_at": event.ends_at.isoformat(timespec="minutes"),
        "target_groups": sorted(group.id for group in event.target_groups),
        "topics": sorted(topic.id for topic in event.topics),
        "staff": sorted(person.id for person in event.staff),
        "expected_attendance": event.expected_attendance,
        "notes": bool(event.notes),
    }


def update_event(user: User, event: Event, plan: EventPlan) -> list[str]:
    """Change ``event`` as ``plan`` says; returns the names of the fields that changed.

    Raises ServiceError, changing nothing, when ``user`` may not change a completed event
    or the plan gives no reason; the reason is kept in the event's history.
    """
    reason = check_change(event, user, plan.change_reason)
    before = _values(event)
    old_notes = event.notes
    starts_at, ends_at = plan.occurrences[0]
    event.title = plan.title
    event.kind = plan.kind
    event.branch = plan.branch
    event.region = plan.region
    event.partner = plan.partner
    event.venue = plan.venue
    event.starts_at = starts_at
    event.ends_at = ends_at
    event.expected_attendance = plan.expected_attendance
    event.notes = plan.notes
    if {g.id for g in event.target_groups} != {g.id for g in plan.target_groups}:
        event.target_groups = list(plan.target_groups)
    if {t.id for t in event.topics} != {t.id for t in plan.topics}:
        event.topics = list(plan.topics)
    if {p.id for p in event.staff} != {p.id for p in plan.staff}:
        event.staff = list(plan.staff)
    after = _values(event)
    changes: dict[str, Any] = {
        name: [before[name], after[name]]
        for name in after
        if name != "notes" and before[name] != after[name]
    }
    if old_notes != event.notes:
        # Notes can be long; the entry says that they changed, not what they said.
        changes["notes"] = True
    if not changes:
        return []
    db.session.flush()
    extra = {"reason": reason} if reason else {}
    record("event_updated", event, actor=user, changes=changes, **extra)
    return list(changes)
