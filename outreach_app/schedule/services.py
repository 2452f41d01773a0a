"""Finding events in a user's scope: the filters shared by the list, calendar and exports.

Counting every match is what makes a list slow on a million rows, so the list counts at most
``COUNT_CAP`` rows past the current page: an exact total when fewer match, "more than …"
otherwise (see ``event_page``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from outreach_app.auth.models import User
from outreach_app.core.ids import parse_id
from outreach_app.core.scope import scope_clause, scope_of, scoped_select
from outreach_app.core.validation import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from outreach_app.events.models import (
    Event,
    EventStatus,
    event_target_group,
    event_topic,
)
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.reference.queries import (
    event_kinds,
    kind_by_code,
    private_venue_codes,
    target_groups,
)
from outreach_app.regions.models import Region
from outreach_app.regions.queries import region_in_scope, regions_in_scope

SEARCH_MAX_LENGTH = 100
# Pages past this one would make the database skip more rows than anyone reads.
MAX_PAGE = 4000
# The list counts at most this many matches beyond the current page's first row.
COUNT_CAP = 1000
# Dates outside these years are refused: nobody plans events there, and date arithmetic at the
# ends of Python's range would overflow.
MIN_YEAR, MAX_YEAR = 2000, 2100

SORTS = ("date_desc", "date_asc", "title", "status")
DEFAULT_SORT = "date_desc"
STATUS_ORDER = (
    EventStatus.PLANNED,
    EventStatus.CONFIRMED,
    EventStatus.COMPLETED,
    EventStatus.CANCELLED,
)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF], None
)


def parse_date(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` date between MIN_YEAR and MAX_YEAR, or None."""
    text = str(value).strip() if value is not None else ""
    if not _DATE_RE.match(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def clean_search(value: Any) -> str:
    """Search text without control or invisible characters, trimmed to SEARCH_MAX_LENGTH."""
    if not isinstance(value, str):
        return ""
    value = value.translate(_INVISIBLE)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")
    return value.strip()[:SEARCH_MAX_LENGTH].strip()


def _enum_value(enum_cls: Any, value: Any) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class EventFilters:
    """What narrows a list of events, already checked: unknown or out-of-scope values are None.

    Plain values only (a region is its id and path), so the filters outlive the request's
    database session, as a streamed export needs.
    """

    kind: str | None = None  # a known kind's code
    status: EventStatus | None = None
    group_id: int | None = None
    topic_id: int | None = None
    region_id: int | None = None
    region_path: str | None = None
    partner_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    # The message for a search that held control characters (searched for without them).
    q_problem: str = ""

    @property
    def is_active(self) -> bool:
        """True when anything but the sort order narrows the list."""
        return any(
            value not in (None, "")
            for value in (
                self.kind,
                self.status,
                self.group_id,
                self.topic_id,
                self.region_id,
                self.partner_id,
                self.date_from,
                self.date_to,
                self.q,
            )
        )

    def to_args(self, *, dates: bool = True, sort: bool = True) -> dict[str, str]:
        """The filters as query arguments, for links that keep them (without empty ones)."""
        args = {
            "kind": self.kind or "",
            "status": self.status.value if self.status else "",
            "group": str(self.group_id or ""),
            "topic": str(self.topic_id or ""),
            "region": str(self.region_id or ""),
            "partner": str(self.partner_id or ""),
            "q": self.q,
        }
        if dates:
            args["from"] = self.date_from.isoformat() if self.date_from else ""
            args["to"] = self.date_to.isoformat() if self.date_to else ""
        if sort and self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class FilterChoices:
    """What the filter bar offers ``user``: kinds, groups, topics, regions and partners in
    scope. Kinds and groups are the active ones, and the chosen one if it has been retired."""

    kinds: list[EventKind]
    groups: list[TargetGroup]
    topics: list[Topic]
    regions: list[tuple[Region, int]]
    partners: list[Partner]


def filter_choices(user: User, filters: EventFilters | None = None) -> FilterChoices:
    """The options of the filter bar; regions in tree order with their depth."""
    partners = scoped_select(Partner, user).where(Partner.is_archived.is_(False))
    chosen = filters or EventFilters()
    return FilterChoices(
        kinds=event_kinds(keep=chosen.kind),
        groups=target_groups(keep=[chosen.group_id] if chosen.group_id else ()),
        topics=list(db.session.execute(select(Topic).order_by(Topic.sort_order)).scalars()),
        regions=regions_in_scope(user),
        partners=list(db.session.execute(partners.order_by(Partner.name, Partner.id)).scalars()),
    )


def _existing_id(model: Any, value: Any) -> int | None:
    key = parse_id(value)
    if key is None:
        return None
    return db.session.execute(select(model.id).where(model.id == key)).scalar_one_or_none()


def _partner_in_scope(user: User, value: Any) -> int | None:
    key = parse_id(value)
    if key is None:
        return None
    stmt = scoped_select(Partner, user).where(Partner.id == key).with_only_columns(Partner.id)
    return db.session.execute(stmt).scalar_one_or_none()


def parse_filters(user: User, args: Mapping[str, Any]) -> EventFilters:
    """Filters from query arguments; anything unknown, malformed or out of scope is ignored."""
    date_from = parse_date(args.get("from"))
    date_to = parse_date(args.get("to"))
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    sort = args.get("sort")
    region = region_in_scope(user, args.get("region"))
    region_id, region_path = (region.id, region.path) if region is not None else (None, None)
    return EventFilters(
        kind=_known_kind(args.get("kind")),
        status=_enum_value(EventStatus, args.get("status")),
        group_id=_existing_id(TargetGroup, args.get("group")),
        topic_id=_existing_id(Topic, args.get("topic")),
        region_id=region_id,
        region_path=region_path,
        partner_id=_partner_in_scope(user, args.get("partner")),
        date_from=date_from,
        date_to=date_to,
        q=clean_search(args.get("q")),
        sort=sort if sort in SORTS else DEFAULT_SORT,
        q_problem=_search_problem(args.get("q")),
    )


def _known_kind(value: Any) -> str | None:
    """The code of a known kind (retired ones too: old events keep them), else None."""
    kind = kind_by_code(value)
    return kind.code if kind is not None else None


def _search_problem(value: Any) -> str:
    if isinstance(value, str) and has_control_characters(value):
        return str(CONTROL_CHARACTERS_MESSAGE)
    return ""


def filter_conditions(filters: EventFilters, *, dates: bool = True) -> list[ColumnElement[bool]]:
    """The SQL conditions for ``filters``; the calendar leaves out the date range (``dates``)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kind is not None:
        conditions.append(Event.kind == filters.kind)
    if filters.status is not None:
        conditions.append(Event.status == filters.status)
    # EXISTS, not IN: the database checks each candidate event's links by their primary key
    # instead of first collecting every event of a common group.
    if filters.group_id is not None:
        conditions.append(
            exists().where(
                event_target_group.c.event_id == Event.id,
                event_target_group.c.target_group_id == filters.group_id,
            )
        )
    if filters.topic_id is not None:
        conditions.append(
            exists().where(
                event_topic.c.event_id == Event.id,
                event_topic.c.topic_id == filters.topic_id,
            )
        )
    if filters.region_path is not None:
        subtree = select(Region.id).where(
            Region.path.startswith(filters.region_path, autoescape=True)
        )
        conditions.append(Event.region_id.in_(subtree))
    if filters.partner_id is not None:
        conditions.append(Event.partner_id == filters.partner_id)
    if dates and filters.date_from is not None:
        conditions.append(Event.starts_at >= datetime.combine(filters.date_from, time()))
    if dates and filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time())
        conditions.append(Event.starts_at < end)
    if filters.q:
        partners = select(Partner.id).where(contains_text(Partner.name, filters.q))
        conditions.append(
            or_(
                contains_text(Event.title, filters.q),
                # A private venue (someone's home) must not be found by typing its address.
                and_(
                    contains_text(Event.venue, filters.q),
                    Event.kind.not_in(private_venue_codes()),
                ),
                Event.partner_id.in_(partners),
            )
        )
    return conditions


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case.

    SQLite's LIKE ignores ASCII case by itself and its lower() knows only ASCII, so the lower()
    calls of ``icontains`` would only make a scan of a million titles slower there (about 40%).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


def ordering(sort: str) -> list[Any]:
    """The ORDER BY of a sort choice; ties end in the id, so pages never overlap."""
    if sort == "date_asc":
        return [Event.starts_at.asc(), Event.id.asc()]
    if sort == "title":
        return [Event.title.asc(), Event.starts_at.desc(), Event.id.desc()]
    if sort == "status":
        rank = case({status: n for n, status in enumerate(STATUS_ORDER)}, value=Event.status)
        return [rank, Event.starts_at.desc(), Event.id.desc()]
    return [Event.starts_at.desc(), Event.id.desc()]


def event_conditions(user: User, filters: EventFilters) -> list[ColumnElement[bool]]:
    """The user's scope and the filters, as SQL conditions on ``Event``."""
    return [scope_clause(Event, scope_of(user)), *filter_conditions(filters)]


def filtered_events(user: User, filters: EventFilters) -> Select[tuple[Event]]:
    """The events ``user`` may see that match ``filters``, in the chosen order.

    Partner, region, branch and target groups are loaded with the page (a query each), so a
    template never queries row by row.
    """
    stmt = (
        select(Event)
        .where(*event_conditions(user, filters))
        .order_by(*ordering(filters.sort))
        .options(
            selectinload(Event.partner),
            selectinload(Event.region),
            selectinload(Event.branch),
            selectinload(Event.target_groups),
        )
    )
    return stmt


def capped_count(stmt: Select[Any], limit: int) -> int:
    """How many rows ``stmt`` gives, counting no further than ``limit``.

    The rows are counted in ``stmt``'s order: a date order reads the same end of the
    (branch|region)_starts index as the page, where the matching rows of a status like
    "planned" (all in the future) are, instead of walking the whole past first.
    """
    inner = stmt.with_only_columns(Event.id).limit(limit).subquery()
    return db.session.execute(select(func.count()).select_from(inner)).scalar_one()


@dataclass
class EventPage:
    """One page of the list and what is known of the total.

    ``pagination`` is Flask-SQLAlchemy's object with ``total`` filled in when it is exact; when
    more than the cap's rows follow this page's start, ``total`` stays None and ``is_capped``
    says the list only knows "more than ``at_least``".
    """

    pagination: Pagination
    is_capped: bool
    at_least: int
    items: list[Event] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        """True when another page follows (always when the count was capped)."""
        return self.is_capped or self.pagination.has_next


def event_page(
    user: User, filters: EventFilters, page: int, per_page: int, count_cap: int = COUNT_CAP
) -> EventPage:
    """The ``page``-th page of ``filtered_events`` and a count capped ``count_cap`` past it.

    A page that is not full is the last one, so its total needs no count at all.
    """
    stmt = filtered_events(user, filters)
    pagination = db.paginate(
        stmt, page=page, per_page=per_page, max_per_page=per_page, error_out=False, count=False
    )
    offset = (pagination.page - 1) * per_page
    items = list(pagination.items)
    if 0 < len(items) < per_page or (offset == 0 and not items):
        # The last page is in hand, so the total is known without counting.
        pagination.total = offset + len(items)
        return EventPage(pagination, is_capped=False, at_least=pagination.total, items=items)
    limit = offset + count_cap + 1
    # Sorting all matches by title or status only to count them would be wasted work.
    in_index_order = filters.sort in ("date_desc", "date_asc")
    counted = capped_count(stmt if in_index_order else stmt.order_by(None), limit)
    is_capped = counted >= limit
    if not is_capped:
        pagination.total = counted
    return EventPage(pagination, is_capped=is_capped, at_least=offset + count_cap, items=items)
