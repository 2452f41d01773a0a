"""Coverage figures for a region and a period, read from the monthly rollups.

Every figure is limited to the user's scope (an administrator sees all, a regional head their
region, staff their own branch's events) and to the chosen months; cancelled events never count
(the rollups leave them out). A region's figures are those of every region below it plus its
own, so a row per child region plus the region's own row add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, true

from outreach_app.auth.models import User
from outreach_app.core.months import Month
from outreach_app.core.roles import Role
from outreach_app.core.scope import scope_clause, scope_of
from outreach_app.core.validation import ServiceError
from outreach_app.coverage.figures import (
    DIM_ALL,
    DIM_GROUP,
    DIM_TOPIC,
    EVENTLESS_KIND,
    EVENTLESS_LABEL,
    FIGURES,
    METRICS,
    blank,
    counted_by,
)
from outreach_app.coverage.models import CoverageRollup
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.problems.services import RegionProblems, region_summary
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.reference.queries import all_event_kinds
from outreach_app.regions.models import Branch, BranchAccess, Region

PERIODS = ("month", "quarter", "year", "12m", "custom")
MAX_CUSTOM_MONTHS = 60
DEFAULT_STALE_MONTHS = 6
MAX_STALE_MONTHS = 36
GAP_LIST_LIMIT = 50


# Periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole months from ``first`` to ``last`` (both included)."""

    name: str
    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        """Every month of the period, oldest first."""
        return Month.range(self.first, self.last)

    @property
    def first_text(self) -> str:
        """The first month as YYYY-MM."""
        return self.first.label

    @property
    def last_text(self) -> str:
        """The last month as YYYY-MM."""
        return self.last.label


def parse_month(text: Any) -> Month | None:
    """YYYY-MM as a month of the years 2000 to 2100, or None if it is not one."""
    month = Month.parse(text)
    if month is None or not 2000 <= month.year <= 2100:
        return None
    return month


def resolve_period(name: Any, today: date, first: Any = None, last: Any = None) -> Period:
    """The period a user chose; unknown names fall back to the last 12 months.

    Raises ``ServiceError`` for a custom period that is malformed, reversed or too long.
    """
    this_month = Month.of(today)
    if name == "month":
        return Period("month", this_month, this_month)
    if name == "quarter":
        start = this_month.quarter_start
        return Period("quarter", start, start + 2)
    if name == "year":
        return Period("year", Month(today.year, 1), Month(today.year, 12))
    if name == "custom":
        start, end = parse_month(first), parse_month(last)
        if start is None:
            raise ServiceError(_("Enter the first month as YYYY-MM."), field="from")
        if end is None:
            raise ServiceError(_("Enter the last month as YYYY-MM."), field="to")
        if end < start:
            raise ServiceError(_("The last month must not be before the first."), field="to")
        if end - start + 1 > MAX_CUSTOM_MONTHS:
            raise ServiceError(
                _("Choose at most %(count)d months.", count=MAX_CUSTOM_MONTHS), field="to"
            )
        return Period("custom", start, end)
    return Period("12m", this_month - 11, this_month)


# Figures ----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Summed rollup counts; ``figures[key]`` is any figure of ``coverage.figures`` computed
    from them (events held, the scan rate, …).

    An event counts as held once it is completed (its report is in); every other event that
    is not cancelled, past-dated or not, is still planned.
    """

    values: dict[str, int] = field(default_factory=blank)

    def add(self, row: Mapping[str, Any]) -> None:
        """Add another set of counts; counts the mapping leaves out count as 0."""
        for name in METRICS:
            if name in row:
                self.values[name] += int(row[name] or 0)

    def __getitem__(self, key: str) -> Any:
        return FIGURES[key].value(self.values)

    def text(self, key: str) -> str:
        """Figure ``key`` as written on the page."""
        return FIGURES[key].text(self.values)

    def any(self) -> bool:
        """True when any count is not 0."""
        return any(self.values.values())

    @property
    def held(self) -> int:
        """Events that took place: completed ones."""
        return self["events_held"]

    @property
    def planned(self) -> int:
        """Events planned or confirmed and not completed yet."""
        return self["events_planned"]

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON: every count and every figure, rates and averages as shown
        (a share to 3 places, an average to 2; None when undefined)."""
        result: dict[str, Any] = dict(self.values)
        for key, figure in FIGURES.items():
            value = figure.value(self.values)
            result[key] = float(value) if isinstance(value, Decimal) else value
        return result


@dataclass
class ChildRow:
    """One child region (or the region itself, ``is_own``) with its figures and its events held
    and planned in each month of the period."""

    region: Region
    figures: Figures
    held_by_month: list[int]
    planned_by_month: list[int]
    is_own: bool = False

    @property
    def events_by_month(self) -> list[int]:
        """Events held or planned in each month."""
        return [h + p for h, p in zip(self.held_by_month, self.planned_by_month, strict=True)]


@dataclass
class GapRow:
    """An area without an easy branch: whether an event was held there in the period, the
    month of the last one, and the nearest branch."""

    region: Region
    reached_in_period: bool
    last_event_on: date | None
    nearest_branch: Branch | None


@dataclass
class GapReport:
    """Areas without a branch (or hard to reach) below the region, and which were reached (had
    an event held there) in the period."""

    total: int
    reached: int
    none_total: int
    none_reached: int
    hard_total: int
    hard_reached: int
    rows: list[GapRow]
    more: int
    # Every area not reached (``rows`` is its head, for the page): for the exports.
    all_rows: list[GapRow] = field(default_factory=list)


@dataclass
class StalePartner:
    """A partner not visited (no completed event) for longer than the chosen months."""

    partner: Partner
    last_visit: date | None


@dataclass
class CoverageReport:
    """Everything the coverage page, its exports and the JSON endpoint show."""

    region: Region
    period: Period
    branch: Branch | None
    total: Figures
    # (code, name, figures): every active kind, and retired ones that have figures; then what
    # was counted without an event (``EVENTLESS_KIND``), if anything was.
    by_kind: list[tuple[str, str, Figures]]
    by_group: list[tuple[TargetGroup, Figures]]
    by_topic: list[tuple[Topic, Figures]]
    trend: list[tuple[Month, Figures]]
    children: list[ChildRow]
    gaps: GapReport
    stale_partners: list[StalePartner]
    stale_months: int
    breadcrumb: list[Region]
    # Problems open and overdue today (not stored: they change with the date), live.
    follow_up: RegionProblems | None = None


# Scope ------------------------------------------------------------------------------------------


def default_region(user: User) -> Region | None:
    """The region a user's coverage page opens on: a head's own region, a staff member's
    branch area, the (first) top-level region for administrators."""
    if user.role is Role.HEAD:
        return user.region
    if user.role is Role.STAFF:
        return user.branch.region if user.branch is not None else None
    stmt = select(Region).where(Region.parent_id.is_(None)).order_by(Region.name, Region.id)
    return db.session.scalars(stmt.limit(1)).first()


def region_choices(user: User) -> list[Region]:
    """The regions offered in the region picker: the top of the user's scope and one level
    below it (for administrators every root region and its children), in tree order."""
    scope = scope_of(user)
    if scope.is_everything:
        roots = list(
            db.session.scalars(
                select(Region).where(Region.parent_id.is_(None)).order_by(Region.name, Region.id)
            )
        )
    else:
        top = default_region(user)
        roots = [top] if top is not None else []
    result: list[Region] = []
    for root in roots:
        result.append(root)
        result += _child_regions(root)
    return result


def _rollup_scope(user: User) -> Any:
    """Staff count only their branch's events. Heads and administrators need no filter: the
    region asked for is already inside their scope, and its rows hold only events below it."""
    scope = scope_of(user)
    if scope.branch_id is not None and not scope.is_everything:
        return CoverageRollup.branch_id == scope.branch_id
    return true()


def _subtree(region: Region) -> Any:
    return Region.path.startswith(region.path, autoescape=True)


# The report -------------------------------------------------------------------------------------


def build_report(
    user: User,
    region: Region,
    period: Period,
    today: date,
    stale_months: int = DEFAULT_STALE_MONTHS,
) -> CoverageReport:
    """All figures for ``region`` (already checked to be in the user's scope) and ``period``."""
    sums = _Sums(user, period)
    total, trend, kinds = _totals(sums, region, period)
    return CoverageReport(
        region=region,
        period=period,
        branch=user.branch if user.role is Role.STAFF else None,
        total=total,
        by_kind=kinds,
        by_group=sorted(
            (
                (g, f)
                for g, f in _by_dim(sums, region, DIM_GROUP, TargetGroup).items()
                if not g.is_retired or f.any()
            ),
            key=lambda item: (item[0].sort_order, item[0].id),
        ),
        by_topic=sorted(
            ((t, f) for t, f in _by_dim(sums, region, DIM_TOPIC, Topic).items() if f.any()),
            key=lambda item: (-item[1].values["events"], item[0].sort_order),
        ),
        trend=list(trend.items()),
        children=_children(sums, region, period),
        gaps=_gaps(user, region, period, today),
        stale_partners=_stale_partners(user, region, today, stale_months),
        stale_months=stale_months,
        breadcrumb=_breadcrumb(user, region),
        follow_up=region_summary(user, region, today),
    )


@dataclass(frozen=True)
class _Sums:
    """Sums of the rollup rows the user may see in the period, for some regions."""

    user: User
    period: Period

    def rows(self, region_ids: list[int], subtree: bool, dim: str, *columns: Any) -> list[Any]:
        """The counts of ``dim`` that have it, summed per ``columns``, as row mappings."""
        conditions = [
            CoverageRollup.region_id.in_(region_ids),
            CoverageRollup.subtree.is_(subtree),
            CoverageRollup.dim == dim,
            CoverageRollup.month.between(self.period.first.number, self.period.last.number),
            _rollup_scope(self.user),
        ]
        if dim == DIM_ALL:
            # dim_id is always 0 here; naming it lets the index seek straight to the months.
            conditions.append(CoverageRollup.dim_id == 0)
        table = CoverageRollup.__table__
        sums = [func.sum(table.c[name]).label(name) for name in counted_by(dim)]
        stmt = select(*columns, *sums).where(*conditions).group_by(*columns)
        return [row._mapping for row in db.session.execute(stmt)]


def _totals(
    sums: _Sums, region: Region, period: Period
) -> tuple[Figures, dict[Month, Figures], list[tuple[str, str, Figures]]]:
    """The region's figures: in all, per month of the period, and per kind of event as
    (code, name, figures), every active kind in its order and retired ones that have figures,
    then what was counted without an event if anything was."""
    total = Figures()
    trend = {m: Figures() for m in period.months}
    kinds = {kind.code: (kind, Figures()) for kind in all_event_kinds()}
    eventless = Figures()
    for row in sums.rows([region.id], True, DIM_ALL, CoverageRollup.month, CoverageRollup.kind):
        total.add(row)
        trend[Month.from_number(row["month"])].add(row)
        if row["kind"] == EVENTLESS_KIND:
            eventless.add(row)
        else:
            kinds[row["kind"]][1].add(row)
    by_kind = [
        (kind.code, kind.name, figures)
        for kind, figures in kinds.values()
        if not kind.is_retired or figures.any()
    ]
    if eventless.any():
        # What branches recorded without an event (their own reach items), after the kinds.
        by_kind.append((EVENTLESS_KIND, str(EVENTLESS_LABEL), eventless))
    return total, trend, by_kind


def _by_dim(sums: _Sums, region: Region, dim: str, model: type) -> dict[Any, Figures]:
    """The region's figures per target group or topic (``model``), every one of them listed."""
    items = {item.id: item for item in db.session.scalars(select(model))}
    figures = {item_id: Figures() for item_id in items}
    for row in sums.rows([region.id], True, dim, CoverageRollup.dim_id):
        if row["dim_id"] in figures:
            figures[row["dim_id"]].add(row)
    return {items[item_id]: f for item_id, f in figures.items()}


def _children(sums: _Sums, region: Region, period: Period) -> list[ChildRow]:
    """Each child region's figures (its whole subtree) and, first when it has any, those of the
    region's own events, with events held and planned month by month."""
    months = period.months
    index = {m: i for i, m in enumerate(months)}

    def child_row(child: Region, is_own: bool = False) -> ChildRow:
        return ChildRow(child, Figures(), [0] * len(months), [0] * len(months), is_own)

    def add_month(child: ChildRow, row: Any) -> None:
        figures = Figures()
        figures.add(row)
        child.figures.add(row)
        at = index[Month.from_number(row["month"])]
        child.held_by_month[at] += figures.held
        child.planned_by_month[at] += figures.planned

    child_rows = {c.id: child_row(c) for c in _child_regions(region)}
    if child_rows:
        columns = (CoverageRollup.region_id, CoverageRollup.month)
        for row in sums.rows(list(child_rows), True, DIM_ALL, *columns):
            add_month(child_rows[row["region_id"]], row)
    own = child_row(region, is_own=True)
    for row in sums.rows([region.id], False, DIM_ALL, CoverageRollup.month):
        add_month(own, row)
    rows = list(child_rows.values())
    if own.figures.any():
        rows.insert(0, own)
    return rows


def _child_regions(region: Region) -> list[Region]:
    stmt = select(Region).where(Region.parent_id == region.id).order_by(Region.name, Region.id)
    return list(db.session.scalars(stmt))


def _breadcrumb(user: User, region: Region) -> list[Region]:
    """The region's ancestors the user may open, then the region itself."""
    ids = [int(part) for part in region.path.strip("/").split("/") if part]
    visible = {
        r.id: r
        for r in db.session.scalars(
            select(Region).where(Region.id.in_(ids), scope_clause(Region, scope_of(user)))
        )
    }
    return [visible[i] for i in ids if i in visible]


def _gaps(user: User, region: Region, period: Period, today: date) -> GapReport:
    """The areas without a branch (or hard to reach) at or below ``region``: which were reached
    in the period, and the list of those that were not."""
    gap_access = (BranchAccess.NONE, BranchAccess.HARD_TO_REACH)
    areas = list(
        db.session.scalars(
            select(Region)
            .where(_subtree(region), Region.branch_access.in_(gap_access))
            .order_by(Region.path)
        )
    )
    if not areas:
        return GapReport(0, 0, 0, 0, 0, 0, [], 0)
    this_month = Month.of(today)
    held = _months_held(user, [a.id for a in areas], max(this_month, period.last))
    branches = _branches_by_path()
    rows = []
    for area in areas:
        months = held.get(area.id, set())
        past = [m for m in months if m <= this_month]
        last = max(past) if past else None
        rows.append(
            GapRow(
                region=area,
                reached_in_period=any(period.first <= m <= period.last for m in months),
                last_event_on=last.first_day if last else None,
                nearest_branch=_nearest_branch(area, branches),
            )
        )
    return _gap_report(rows)


def _months_held(user: User, area_ids: list[int], until: Month) -> dict[int, set[Month]]:
    """The months up to ``until`` in which an event the user may see was held in each area
    (its subtree rows): an area is reached once an event took place there, not when one is
    planned."""
    held: dict[int, set[Month]] = defaultdict(set)
    for start in range(0, len(area_ids), 500):
        stmt = (
            select(
                CoverageRollup.region_id,
                CoverageRollup.month,
                func.sum(CoverageRollup.__table__.c.events_completed),
            )
            .where(
                CoverageRollup.region_id.in_(area_ids[start : start + 500]),
                CoverageRollup.subtree.is_(True),
                CoverageRollup.dim == DIM_ALL,
                CoverageRollup.month <= until.number,
                _rollup_scope(user),
            )
            .group_by(CoverageRollup.region_id, CoverageRollup.month)
        )
        for region_id, month, events in db.session.execute(stmt):
            if events:
                held[region_id].add(Month.from_number(month))
    return held


def _gap_report(rows: list[GapRow]) -> GapReport:
    """The counts by kind of area, and the gap list: never reached first, then the longest
    without a visit."""
    none_rows = [r for r in rows if r.region.branch_access is BranchAccess.NONE]
    hard_rows = [r for r in rows if r.region.branch_access is BranchAccess.HARD_TO_REACH]
    waiting = sorted(
        (r for r in rows if not r.reached_in_period),
        key=lambda r: (r.last_event_on is not None, r.last_event_on or date.min, r.region.path),
    )
    return GapReport(
        total=len(rows),
        reached=sum(r.reached_in_period for r in rows),
        none_total=len(none_rows),
        none_reached=sum(r.reached_in_period for r in none_rows),
        hard_total=len(hard_rows),
        hard_reached=sum(r.reached_in_period for r in hard_rows),
        rows=waiting[:GAP_LIST_LIMIT],
        more=max(0, len(waiting) - GAP_LIST_LIMIT),
        all_rows=waiting,
    )


def _branches_by_path() -> dict[str, Branch]:
    """For every region path with an active branch at or below it, the first such branch by
    name."""
    stmt = (
        select(Region.path, Branch)
        .join(Branch, Branch.region_id == Region.id)
        .where(Branch.is_active.is_(True))
        .order_by(Branch.name, Branch.id)
    )
    first: dict[str, Branch] = {}
    for path, branch in db.session.execute(stmt):
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            first.setdefault("/" + "/".join(parts[:depth]) + "/", branch)
    return first


def _nearest_branch(area: Region, branches: dict[str, Branch]) -> Branch | None:
    """A branch in the smallest enclosing region that has one: the area itself, its street,
    its district, then the city (regions carry no coordinates, so the tree is the map)."""
    parts = area.path.strip("/").split("/")
    for depth in range(len(parts), 0, -1):
        branch = branches.get("/" + "/".join(parts[:depth]) + "/")
        if branch is not None:
            return branch
    return None


def _stale_partners(user: User, region: Region, today: date, months: int) -> list[StalePartner]:
    """Active partners in the region not visited for more than ``months`` months, oldest first."""
    cutoff_month = Month.of(today) - months
    cutoff = cutoff_month.first_day.replace(day=min(today.day, 28))
    last_visit = (
        select(func.max(Event.starts_at))
        .where(
            Event.partner_id == Partner.id,
            Event.status == EventStatus.COMPLETED,
            scope_clause(Event, scope_of(user)),
        )
        .correlate(Partner)
        .scalar_subquery()
    )
    stmt = (
        select(Partner, last_visit.label("last_visit"))
        .join(Region, Region.id == Partner.region_id)
        .where(
            _subtree(region),
            Partner.is_archived.is_(False),
            scope_clause(Partner, scope_of(user)),
        )
        .order_by(Partner.name, Partner.id)
    )
    result = []
    for partner, last in db.session.execute(stmt):
        if last is None or last.date() < cutoff:
            result.append(StalePartner(partner, last.date() if last is not None else None))
    result.sort(key=lambda s: (s.last_visit is not None, s.last_visit or date.min))
    return result
