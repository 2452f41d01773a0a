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
from outreach_app.coverage.models import DIM_ALL, DIM_GROUP, DIM_TOPIC, METRICS, CoverageRollup
from outreach_app.events.models import EVENT_KIND_LABELS, Event, EventKind, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, BranchAccess, Region

PERIODS = ("month", "quarter", "year", "12m", "custom")
MAX_CUSTOM_MONTHS = 60
DEFAULT_STALE_MONTHS = 6
MAX_STALE_MONTHS = 36
GAP_LIST_LIMIT = 50
# Rates are shown as a percentage with one decimal (a share to 3 places), averages with two.
RATE_PLACES = 3
AVERAGE_PLACES = 2


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


def rounded_ratio(numerator: int, denominator: int, places: int) -> Decimal | None:
    """``numerator / denominator`` rounded half up to ``places`` decimals, None when the
    denominator is 0.

    The one rounding of every figure the page, the exports and the JSON show: it works on the
    exact fraction in integers, so 350/459 is 0.763 everywhere (never 0.7625 and then 76.2 %)
    and 1/16 is 0.063 (a float would round 0.0625 to even).
    """
    if not denominator:
        return None
    scale = 10**places
    quotient = (2 * numerator * scale + denominator) // (2 * denominator)
    return Decimal(quotient).scaleb(-places)


@dataclass
class Figures:
    """Summed rollup metrics with the rates derived from them.

    An event counts as held once it is completed (its report is in); every other event that
    is not cancelled, past-dated or not, is still planned.
    """

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def add(self, row: Any) -> None:
        """Add another set of metric values (a mapping or a row with metric attributes);
        metrics a mapping leaves out count as 0."""
        if isinstance(row, Mapping):
            for name in METRICS:
                if name in row:
                    self.values[name] += int(row[name] or 0)
            return
        for name in METRICS:
            self.values[name] += int(getattr(row, name) or 0)

    def __getattr__(self, name: str) -> int:
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def held(self) -> int:
        """Events that took place: completed ones."""
        return self.values["events_completed"]

    @property
    def planned(self) -> int:
        """Events planned or confirmed and not completed yet."""
        return self.values["events"] - self.values["events_completed"]

    @property
    def scan_rate(self) -> Decimal | None:
        """Share of printed copies whose code was opened at least once."""
        return rounded_ratio(self.values["copies_scanned"], self.values["copies"], RATE_PLACES)

    @property
    def quiz_rate(self) -> Decimal | None:
        """Share of quiz answers that were right."""
        return rounded_ratio(self.values["quiz_correct"], self.values["quiz_total"], RATE_PLACES)

    @property
    def feedback_average(self) -> Decimal | None:
        """Average feedback rating (1-5)."""
        return rounded_ratio(
            self.values["feedback_sum"], self.values["feedback_count"], AVERAGE_PLACES
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON: every metric, held and planned events, and the rates as
        shown (a share to 3 places, an average to 2; None when undefined)."""

        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            **self.values,
            "events_held": self.held,
            "events_planned": self.planned,
            "scan_rate": number(self.scan_rate),
            "quiz_rate": number(self.quiz_rate),
            "feedback_average": number(self.feedback_average),
        }


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
    by_kind: list[tuple[EventKind, str, Figures]]
    by_group: list[tuple[TargetGroup, Figures]]
    by_topic: list[tuple[Topic, Figures]]
    trend: list[tuple[Month, Figures]]
    children: list[ChildRow]
    gaps: GapReport
    stale_partners: list[StalePartner]
    stale_months: int
    breadcrumb: list[Region]


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
    in_period = CoverageRollup.month.between(period.first.number, period.last.number)
    in_scope = _rollup_scope(user)

    def grouped(
        region_ids: list[int],
        subtree: bool,
        dim: str,
        *columns: Any,
        metrics: tuple[str, ...] = METRICS,
    ) -> list[Any]:
        conditions = [
            CoverageRollup.region_id.in_(region_ids),
            CoverageRollup.subtree.is_(subtree),
            CoverageRollup.dim == dim,
            in_period,
            in_scope,
        ]
        if dim == DIM_ALL:
            # dim_id is always 0 here; naming it lets the index seek straight to the months.
            conditions.append(CoverageRollup.dim_id == 0)
        sums = [func.sum(getattr(CoverageRollup, name)).label(name) for name in metrics]
        stmt = select(*columns, *sums).where(*conditions).group_by(*columns)
        return list(db.session.execute(stmt))

    months = period.months
    month_index = {m: i for i, m in enumerate(months)}
    total = Figures()
    trend = {m: Figures() for m in months}
    kinds = {kind: Figures() for kind in EventKind}
    for row in grouped([region.id], True, DIM_ALL, CoverageRollup.month, CoverageRollup.kind):
        total.add(row._mapping)
        trend[Month.from_number(row.month)].add(row._mapping)
        kinds[EventKind(row.kind)].add(row._mapping)

    groups = {g.id: g for g in db.session.scalars(select(TargetGroup))}
    by_group = {gid: Figures() for gid in groups}
    group_metrics = (
        "events",
        "events_completed",
        "reached",
        "check_ins",
        "quiz_correct",
        "quiz_total",
    )
    for row in grouped([region.id], True, DIM_GROUP, CoverageRollup.dim_id, metrics=group_metrics):
        if row.dim_id in by_group:
            by_group[row.dim_id].add(row._mapping)
    topics = {t.id: t for t in db.session.scalars(select(Topic))}
    by_topic = {tid: Figures() for tid in topics}
    topic_metrics = ("events", "events_completed", "quiz_correct", "quiz_total")
    for row in grouped([region.id], True, DIM_TOPIC, CoverageRollup.dim_id, metrics=topic_metrics):
        if row.dim_id in by_topic:
            by_topic[row.dim_id].add(row._mapping)

    # Child regions (their whole subtrees) and the region's own events, month by month.
    def child_row(child: Region, is_own: bool = False) -> ChildRow:
        return ChildRow(child, Figures(), [0] * len(months), [0] * len(months), is_own)

    def add_month(child: ChildRow, row: Any) -> None:
        figures = Figures()
        figures.add(row._mapping)
        child.figures.add(row._mapping)
        index = month_index[Month.from_number(row.month)]
        child.held_by_month[index] += figures.held
        child.planned_by_month[index] += figures.planned

    children = _child_regions(region)
    child_rows = {c.id: child_row(c) for c in children}
    if children:
        columns = (CoverageRollup.region_id, CoverageRollup.month)
        for row in grouped(list(child_rows), True, DIM_ALL, *columns):
            add_month(child_rows[row.region_id], row)
    own = child_row(region, is_own=True)
    for row in grouped([region.id], False, DIM_ALL, CoverageRollup.month):
        add_month(own, row)
    rows = list(child_rows.values())
    if any(own.figures.values.values()):
        rows.insert(0, own)

    branch = user.branch if user.role is Role.STAFF else None
    return CoverageReport(
        region=region,
        period=period,
        branch=branch,
        total=total,
        by_kind=[(k, str(EVENT_KIND_LABELS[k]), f) for k, f in kinds.items()],
        by_group=sorted(
            ((groups[gid], f) for gid, f in by_group.items()),
            key=lambda item: item[0].sort_order,
        ),
        by_topic=sorted(
            ((topics[tid], f) for tid, f in by_topic.items() if f.events or f.quiz_total),
            key=lambda item: (-item[1].events, item[0].sort_order),
        ),
        trend=[(m, trend[m]) for m in months],
        children=rows,
        gaps=_gaps(user, region, period, today),
        stale_partners=_stale_partners(user, region, today, stale_months),
        stale_months=stale_months,
        breadcrumb=_breadcrumb(user, region),
    )


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
    # Events held per area and month, from its subtree rows, up to this month: an area is
    # reached once an event took place there, not when one is planned.
    this_month = Month.of(today)
    events_by_month: dict[int, dict[Month, int]] = defaultdict(dict)
    area_ids = [a.id for a in areas]
    for start in range(0, len(area_ids), 500):
        stmt = (
            select(
                CoverageRollup.region_id,
                CoverageRollup.month,
                func.sum(CoverageRollup.events_completed),
            )
            .where(
                CoverageRollup.region_id.in_(area_ids[start : start + 500]),
                CoverageRollup.subtree.is_(True),
                CoverageRollup.dim == DIM_ALL,
                CoverageRollup.month <= max(this_month, period.last).number,
                _rollup_scope(user),
            )
            .group_by(CoverageRollup.region_id, CoverageRollup.month)
        )
        for region_id, month, events in db.session.execute(stmt):
            if events:
                events_by_month[region_id][Month.from_number(month)] = int(events)
    branches = _branches_by_path()
    rows = []
    for area in areas:
        months = events_by_month.get(area.id, {})
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
    none_rows = [r for r in rows if r.region.branch_access is BranchAccess.NONE]
    hard_rows = [r for r in rows if r.region.branch_access is BranchAccess.HARD_TO_REACH]
    # The gap list: never reached first, then the longest without a visit.
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
