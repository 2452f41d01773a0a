"""Planning events: every value checked against the rules and the user's scope, nothing written.

Saving is two steps so that the view can warn about clashes before anything is written:
``plan_new_events`` / ``plan_event_update`` return an ``EventPlan`` (or raise ``ServiceError``
with a message for each field at fault); ``services.create_events`` / ``services.update_event``
then write the plan. The rules live here once: the event form keeps only what WTForms checks
on its own (a value of the right type, a required field) and shows these messages.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.core.months import Month
from outreach_app.core.roles import Role
from outreach_app.core.scope import scope_of, scoped_select
from outreach_app.core.validation import ServiceError
from outreach_app.events.lifecycle import check_change
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.reference.queries import IN_BRANCH_KIND, kind_by_code
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

# Messages of the checks the event form also makes before a value reaches the service (a
# required field): written once, here.
ENTER_TITLE = _l("Enter a title.")
CHOOSE_BRANCH = _l("Choose a branch in your area.")
ENTER_START = _l("Enter when the event starts.")
ENTER_END = _l("Enter when the event ends.")
CHOOSE_KIND_FROM_LIST = _l("Choose a kind from the list.")


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
    """Every rule, each adding its message to ``problems`` so that all of them show at once."""
    problems: dict[str, str] = {}
    reason = _checked_change(user, current, change_reason, problems)
    title = _checked_title(data.title, problems)
    kind = _checked_kind(data.kind, current, problems)
    branch = _checked_branch(user, data, current, problems)
    partner = _checked_partner(user, data, current, kind, problems)
    region = _checked_region(user, data, current, partner, branch, kind, problems)
    venue = _checked_venue(data.venue, partner, branch, kind, problems)
    occurrences, frequency = _checked_schedule(data.starts_at, data.ends_at, repeat, problems)
    target_groups, topics, staff = _checked_lists(data, branch, current, problems)
    _check_staff_count(kind, staff, problems)
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


def _checked_lists(
    data: EventInput, branch: Branch | None, current: Event | None, problems: dict[str, str]
) -> tuple[list[TargetGroup], list[Topic], list[User]]:
    """The chosen target groups and topics (at least one of each) and the assigned staff."""
    target_groups = _checked_rows(
        TargetGroup,
        data.target_group_ids,
        "target_group_ids",
        _("Choose at least one target group."),
        _("Choose target groups from the list."),
        problems,
    )
    kept = {group.id for group in current.target_groups} if current is not None else set()
    retired = [g for g in target_groups if g.is_retired and g.id not in kept]
    if retired and "target_group_ids" not in problems:
        problems["target_group_ids"] = _(
            "No longer offered for new events: %(groups)s. Choose other groups.",
            groups=_(", ").join(g.name for g in retired),
        )
    topics = _checked_rows(
        Topic,
        data.topic_ids,
        "topic_ids",
        _("Choose at least one topic."),
        _("Choose topics from the list."),
        problems,
    )
    return target_groups, topics, _checked_staff(data.staff_ids, branch, current, problems)


def _check_staff_count(kind: EventKind | None, staff: list[User], problems: dict[str, str]) -> None:
    """A kind done by several people (a home visit: two) needs that many assigned staff; with
    one, staff may still be assigned later, as for every other kind."""
    if kind is None or kind.min_staff <= 1 or "staff_ids" in problems:
        return
    if len(staff) < kind.min_staff:
        problems["staff_ids"] = _(
            "%(kind)s: assign at least %(n)d staff.", kind=kind.name, n=kind.min_staff
        )


def _checked_change(
    user: User, current: Event | None, change_reason: str, problems: dict[str, str]
) -> str:
    """The reason to record for changing ``current`` (empty unless it is completed)."""
    if current is None:
        return ""
    try:
        return check_change(current, user, change_reason) or ""
    except ServiceError as error:
        problems.update(error.problems)
        return ""


def _checked_kind(value: str, current: Event | None, problems: dict[str, str]) -> EventKind | None:
    """The kind: an active one, or the event's own even if it has been retired since."""
    kind = kind_by_code(value)
    if kind is None:
        problems["kind"] = str(CHOOSE_KIND_FROM_LIST)
    elif kind.is_retired and (current is None or current.kind != kind.code):
        problems["kind"] = _(
            "%(kind)s is no longer used for new events; choose another kind.", kind=kind.name
        )
    return kind


def _is_in_branch(kind: EventKind | None) -> bool:
    return kind is not None and kind.code == IN_BRANCH_KIND


def _checked_title(value: str, problems: dict[str, str]) -> str:
    title = (value or "").strip()
    if not title:
        problems["title"] = str(ENTER_TITLE)
    elif len(title) > TITLE_MAX:
        problems["title"] = _("Keep the title to 200 characters or fewer.")
    return title


def _checked_venue(
    value: str,
    partner: Partner | None,
    branch: Branch | None,
    kind: EventKind | None,
    problems: dict[str, str],
) -> str:
    """The venue as typed, else the partner's address (or the branch, for in-branch events)."""
    venue = (value or "").strip()
    if not venue and partner is not None:
        venue = (partner.address or partner.name)[:VENUE_MAX]
    elif not venue and _is_in_branch(kind) and branch is not None:
        venue = branch.name[:VENUE_MAX]
    if len(venue) > VENUE_MAX:
        problems["venue"] = _("Keep the venue to 200 characters or fewer.")
    return venue


def _checked_schedule(
    starts_at: datetime | None,
    ends_at: datetime | None,
    repeat: RepeatInput,
    problems: dict[str, str],
) -> tuple[list[tuple[datetime, datetime]], Frequency | None]:
    """The start and end of every event, once the times and the repeat are sound."""
    times_ok = _check_times(starts_at, ends_at, problems)
    frequency = _checked_repeat(repeat, problems)
    if not times_ok:
        return [], None
    assert starts_at is not None and ends_at is not None
    return _occurrences(starts_at, ends_at, repeat, frequency, problems)


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
        problems["branch_id"] = str(CHOOSE_BRANCH)
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
        if kind is not None and not _is_in_branch(kind):
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
    if _is_in_branch(kind) and branch is not None:
        return branch.region
    # Otherwise the kind, the branch or the partner is missing, and its message says what to do.
    if not problems.keys() & {"kind", "branch_id", "partner_id"}:
        problems["region_id"] = _("Choose a region in your area.")
    return None


def _check_times(
    starts_at: datetime | None, ends_at: datetime | None, problems: dict[str, str]
) -> bool:
    """True when both times are given, local, in the allowed years and in order."""
    found: dict[str, str] = {}
    if starts_at is None:
        found["starts_at"] = str(ENTER_START)
    elif not FIRST_YEAR <= starts_at.year <= LAST_YEAR:
        found["starts_at"] = _(
            "Use a date between the years %(first)d and %(last)d.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    if ends_at is None:
        found["ends_at"] = str(ENTER_END)
    elif not FIRST_YEAR <= ends_at.year <= LAST_YEAR:
        found["ends_at"] = _(
            "Use a date between the years %(first)d and %(last)d.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    if not found:
        assert starts_at is not None and ends_at is not None
        if starts_at.tzinfo is not None or ends_at.tzinfo is not None:
            found["starts_at"] = _("Enter a local date and time.")
        elif ends_at <= starts_at:
            found["ends_at"] = _("The end must be after the start.")
        elif ends_at - starts_at > MAX_DURATION:
            found["ends_at"] = _("An event can last at most %(n)d days.", n=MAX_DURATION.days)
    problems.update(found)
    return not found


def _checked_repeat(repeat: RepeatInput, problems: dict[str, str]) -> Frequency | None:
    """The frequency of the repeat, if one is chosen and known; the number of events is checked
    here too, as both can be judged before the times are known."""
    frequency = None
    if repeat.frequency:
        frequency = _parse_enum(Frequency, repeat.frequency)
        if frequency is None:
            problems["repeat_frequency"] = _("Choose how often the event repeats from the list.")
    if repeat.count is not None and not SERIES_MIN <= repeat.count <= SERIES_MAX:
        problems["repeat_count"] = _("A series has from 2 to 52 events.")
    return frequency


def _occurrences(
    starts_at: datetime,
    ends_at: datetime,
    repeat: RepeatInput,
    frequency: Frequency | None,
    problems: dict[str, str],
) -> tuple[list[tuple[datetime, datetime]], Frequency | None]:
    """Start and end of each event: one, or a weekly or monthly series."""
    if not repeat.frequency:
        if repeat.until is not None or repeat.count is not None:
            problems["repeat_frequency"] = _("Choose how often the event repeats.")
        return [(starts_at, ends_at)], None
    if frequency is None or "repeat_count" in problems:
        return [], frequency  # ``_checked_repeat`` has said what is wrong
    if (repeat.until is None) == (repeat.count is None):
        message = _("Give either an end date or a number of events.")
        problems["repeat_until" if repeat.until is None else "repeat_count"] = message
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
    month = Month.of(first) + months
    if first.day > month.last_day.day:
        return None
    return first.replace(year=month.year, month=month.month)


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
