"""A known coverage data set, and the coverage figures computed from its raw rows in Python.

``build_coverage_world`` extends the default world with more regions (areas without a branch
and hard to reach, reached and not), a second branch in district A, partners, and events of
every kind and status over the last year and a half, with staff head counts, print runs and
what attendees did. Attendee rows are inserted directly and the rollups recounted once, as a
bulk import would; later structural changes reach them through the session listener.

``raw_counts`` is the tests' one independent computation of the rollups: it reads which
counts exist, and what each raw row adds, from ``coverage.figures`` and adds them up in Python
over the ORM objects (no SQL aggregation). ``expected_rollups`` groups it into the rollup rows
(``assert_consistent`` holds the stored rollups against them); ``expected_report`` turns it
into the figures a user should see (regions walked by their parents, never by path prefix), in
the shape of the JSON endpoint, so the page, the exports and the JSON can all be held against
it; ``shown_figures`` evaluates each figure's formula on exact fractions, rounded half up
(``shown``).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.core.types import utcnow
from outreach_app.coverage import rollups
from outreach_app.coverage.figures import (
    DIM_ALL,
    DIM_GROUP,
    DIM_TOPIC,
    EVENTLESS_KIND,
    FIGURES,
    METRICS,
    SOURCES,
    Difference,
    Total,
    counts_of,
)
from outreach_app.events.models import Event, EventAttendance, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.kinds import HandoutMaterial
from outreach_app.handouts.models import HandoutLedgerLine, PrintRun
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.reach.models import ReachItem, ReachKind
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.regions.models import Branch, BranchAccess, Region
from tests.factories import (
    World,
    make_branch,
    make_event,
    make_partner,
    make_print_run,
    make_region,
    make_user,
)

GAP_ACCESS = (BranchAccess.NONE, BranchAccess.HARD_TO_REACH)


def local_today() -> date:
    """Today where the app's events happen (Asia/Shanghai in the test configuration)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def shift(month: int, count: int) -> int:
    """The YYYYMM month ``count`` months after ``month`` (computed with dates, not arithmetic)."""
    day = date(month // 100, month % 100, 15)
    total = day.year * 12 + day.month - 1 + count
    return (total // 12) * 100 + total % 12 + 1


def month_of(moment: date | datetime) -> int:
    """YYYYMM of a date."""
    return moment.year * 100 + moment.month


def month_text(month: int) -> str:
    """YYYY-MM."""
    return f"{month // 100:04d}-{month % 100:02d}"


@dataclass(frozen=True)
class CoverageWorld:
    """Ids of the coverage data set (the default world's, and more)."""

    base: World
    street_a_id: int
    street_a2_id: int
    community_a2_id: int
    village_a3_id: int
    community_a4_id: int
    village_b2_id: int
    branch_a2_id: int
    staff_a2_id: int
    head_b_id: int
    this_month: int
    cancelled_ids: tuple[int, ...]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


# (month offset, day, kind, status, groups, topics, head counts, copies, scanned, where)
# ``where``: a, a2 (street A2's hard-to-reach community), a3 (village A3, no branch),
# b (community B, no branch), a_branch2 (branch A2's events in village A3)
EVENTS = [
    (
        0,
        3,
        "community",
        EventStatus.COMPLETED,
        ("seniors", "general"),
        ("fraud_pension", "fraud_telecom"),
        {"seniors": 31, "general": 9},
        40,
        12,
        "a",
    ),
    (
        0,
        20,
        "campus",
        EventStatus.CONFIRMED,
        ("youth",),
        ("fraud_campus_loan",),
        {},
        0,
        0,
        "a",
    ),
    (
        -1,
        8,
        "village",
        EventStatus.COMPLETED,
        ("rural", "seniors"),
        ("fraud_illegal_fundraising",),
        {"rural": 55, "seniors": 20},
        60,
        25,
        "a3",
    ),
    (
        -1,
        15,
        "enterprise",
        EventStatus.COMPLETED,
        ("new_urban",),
        ("fraud_click_farming", "rules_aml"),
        {"new_urban": 80},
        90,
        30,
        "a",
    ),
    (
        -2,
        4,
        "branch",
        EventStatus.COMPLETED,
        ("general",),
        ("digital_atm",),
        {"general": 18},
        20,
        8,
        "a",
    ),
    (
        -2,
        11,
        "community",
        EventStatus.COMPLETED,
        ("seniors", "disabled"),
        ("fraud_pension",),
        {"seniors": 44, "disabled": 6},
        50,
        20,
        "a2",
    ),
    (
        -4,
        9,
        "campus",
        EventStatus.COMPLETED,
        ("youth", "ethnic_minority"),
        ("fraud_campus_loan", "right_data"),
        {"youth": 120, "ethnic_minority": 15},
        150,
        35,
        "a",
    ),
    (
        -7,
        21,
        "village",
        EventStatus.COMPLETED,
        ("rural",),
        ("fraud_telecom",),
        {"rural": 37},
        0,
        0,
        "a_branch2",
    ),
    (
        -11,
        2,
        "community",
        EventStatus.COMPLETED,
        ("seniors",),
        ("fraud_fake_service",),
        {"seniors": 25},
        30,
        9,
        "a",
    ),
    (
        -13,
        6,
        "enterprise",
        EventStatus.COMPLETED,
        ("new_urban",),
        ("rules_risk_account",),
        {"new_urban": 60},
        60,
        20,
        "a_branch2",
    ),
    (
        -16,
        14,
        "village",
        EventStatus.COMPLETED,
        ("rural",),
        ("fraud_illegal_fundraising",),
        {"rural": 22},
        0,
        0,
        "a3",
    ),
    (
        1,
        5,
        "community",
        EventStatus.PLANNED,
        ("seniors",),
        ("fraud_pension",),
        {},
        0,
        0,
        "a",
    ),
    # District B: big numbers, so any leak into district A's figures would show.
    (
        0,
        6,
        "village",
        EventStatus.COMPLETED,
        ("rural", "seniors"),
        ("fraud_telecom",),
        {"rural": 4000, "seniors": 3000},
        900,
        60,
        "b",
    ),
    (
        -3,
        18,
        "community",
        EventStatus.COMPLETED,
        ("seniors",),
        ("fraud_pension", "right_property"),
        {"seniors": 5000},
        700,
        40,
        "b",
    ),
    (
        -9,
        12,
        "branch",
        EventStatus.COMPLETED,
        ("general",),
        ("complaint_channels",),
        {"general": 2500},
        0,
        0,
        "b_street",
    ),
]
# Events that get cancelled after everything happened: they must count nowhere.
CANCELLED = [
    (
        -1,
        22,
        "community",
        EventStatus.COMPLETED,
        ("seniors",),
        ("fraud_pension",),
        {"seniors": 777},
        100,
        50,
        "a",
    ),
    (
        -2,
        25,
        "village",
        EventStatus.COMPLETED,
        ("rural",),
        ("fraud_telecom",),
        {"rural": 888},
        80,
        40,
        "a2",
    ),
]


def _attendee_rows(event: Event, run: PrintRun, scanned: int, rng: random.Random) -> None:
    """What the attendee pages store for ``scanned`` copies of ``run`` (rollups not touched)."""
    groups = [g.id for g in event.target_groups]
    topic_id = run.version.handout.topic_id
    for serial in range(1, scanned + 1):
        repeat = serial % 3 == 0
        db.session.add(
            HandoutScan(print_run_id=run.id, serial=serial, event_id=event.id, is_first=True)
        )
        if repeat:
            db.session.add(
                HandoutScan(print_run_id=run.id, serial=serial, event_id=event.id, is_first=False)
            )
        if serial % 4 == 0:
            continue  # scanned, never checked in
        group_id = None if serial % 5 == 0 else groups[serial % len(groups)]
        db.session.add(
            CheckIn(print_run_id=run.id, serial=serial, event_id=event.id, target_group_id=group_id)
        )
        if serial % 2 == 0:
            correct = rng.randint(0, 3)
            db.session.add(
                QuizSubmission(
                    print_run_id=run.id,
                    serial=serial,
                    event_id=event.id,
                    topic_id=topic_id,
                    target_group_id=group_id,
                    correct=correct,
                    total=3,
                    answers={},
                )
            )
        if serial % 3 != 1:
            rating = rng.randint(1, 5)
            db.session.add(
                Feedback(print_run_id=run.id, serial=serial, event_id=event.id, rating=rating)
            )


def _ledger(event: Event, run: PrintRun | None, people: int, day: int) -> None:
    """What a completed event's report says it handed out: most of its coded copies, a
    booklet for about half the people, and on odd days a gift."""
    if run is not None:
        db.session.add(HandoutLedgerLine(event=event, print_run=run, quantity=run.copies * 3 // 4))
    db.session.add(
        HandoutLedgerLine(event=event, material=HandoutMaterial.BOOKLET, quantity=people // 2 + 1)
    )
    if day % 2:
        db.session.add(
            HandoutLedgerLine(
                event=event, material=HandoutMaterial.GIFT, label="环保袋", quantity=day * 3
            )
        )


def build_coverage_world(world: World, password: str) -> CoverageWorld:
    """Add the coverage data set to the default world; call inside an app context."""
    rng = random.Random(42)
    today = local_today()
    this_month = month_of(today)
    district_a = db.session.get(Region, world.district_a_id)
    district_b = db.session.get(Region, world.district_b_id)
    community_a = db.session.get(Region, world.community_a_id)
    community_b = db.session.get(Region, world.community_b_id)
    street_a = community_a.parent
    street_b = community_b.parent
    street_a2 = make_region("湛山街道", district_a, code="370202002")
    community_a2 = make_region(
        "太平角社区", street_a2, code="370202002001", access=BranchAccess.HARD_TO_REACH
    )
    village_a3 = make_region(
        "浮山村", street_a2, code="370202002201", access=BranchAccess.NONE, is_rural=True
    )
    community_a4 = make_region(
        "八大关社区", street_a, code="370202001002", access=BranchAccess.NONE
    )
    village_b2 = make_region(
        "仰口村", street_b, code="370212002201", access=BranchAccess.HARD_TO_REACH, is_rural=True
    )
    branch_a = db.session.get(Branch, world.branch_a_id)
    branch_b = db.session.get(Branch, world.branch_b_id)
    branch_a2 = make_branch("湛山支行", street_a2)
    staff_a2 = make_user("staff_a2", Role.STAFF, password, branch=branch_a2)
    head_b = make_user("head_b", Role.HEAD, password, region=district_b)
    partner_a = db.session.get(Partner, world.partner_a_id)
    partner_b = db.session.get(Partner, world.partner_b_id)
    partner_a3 = make_partner("浮山村委会", branch_a2, village_a3, PartnerKind.VILLAGE_COMMITTEE)
    make_partner("太平角老年大学", branch_a, community_a2, PartnerKind.SENIOR_UNIVERSITY)
    places = {
        "a": (branch_a, community_a, partner_a),
        "a2": (branch_a, community_a2, None),
        "a3": (branch_a, village_a3, None),
        "a_branch2": (branch_a2, village_a3, partner_a3),
        "b": (branch_b, community_b, partner_b),
        "b_street": (branch_b, street_b, None),
    }
    groups = {g.code: g for g in db.session.scalars(select(TargetGroup))}

    def add(spec: tuple, title: str) -> tuple[Event, PrintRun | None, int]:
        offset, day, kind, status, group_codes, topic_codes, counts, copies, scanned, where = spec
        branch, region, partner = places[where]
        month = shift(this_month, offset)
        event = make_event(
            title,
            branch,
            region,
            partner,
            starts_at=datetime(month // 100, month % 100, day, 9, 30),
            kind=kind,
            status=status,
            groups=group_codes,
            topics=topic_codes,
        )
        if status is EventStatus.COMPLETED:
            event.completed_at = utcnow()
            event.attendance = [
                EventAttendance(target_group_id=groups[code].id, headcount=n)
                for code, n in counts.items()
            ]
        run = None
        if copies:
            code = "pension-scams" if "fraud_pension" in topic_codes else "click-farming"
            run = make_print_run(event, code=code, copies=copies)
        if status is EventStatus.COMPLETED:
            _ledger(event, run, sum(counts.values()), day)
        return event, run, scanned

    made = [add(spec, f"活动{i}") for i, spec in enumerate(EVENTS)]
    cancelled = [add(spec, f"取消活动{i}") for i, spec in enumerate(CANCELLED)]
    db.session.commit()
    for event, run, scanned in made + cancelled:
        if run is not None:
            _attendee_rows(event, run, scanned, rng)
    # Rows inserted directly, as a bulk import would: recount the rollups once.
    rollups.rebuild_all(db.session)
    db.session.commit()
    # A withdrawn print run: its copies no longer count (its scans still do).
    extra = make_print_run(made[0][0], code="click-farming", copies=25)
    db.session.add(HandoutLedgerLine(event=made[0][0], print_run=extra, quantity=20))
    db.session.commit()
    extra.revoked_at = utcnow()
    _reach_items(made, cancelled, branch_a, branch_a2, branch_b, this_month)
    for event, _run, _scanned in cancelled:
        event.status = EventStatus.CANCELLED
        event.cancel_reason = "台风预警"
    db.session.commit()
    return CoverageWorld(
        base=world,
        street_a_id=street_a.id,
        street_a2_id=street_a2.id,
        community_a2_id=community_a2.id,
        village_a3_id=village_a3.id,
        community_a4_id=community_a4.id,
        village_b2_id=village_b2.id,
        branch_a2_id=branch_a2.id,
        staff_a2_id=staff_a2.id,
        head_b_id=head_b.id,
        this_month=this_month,
        cancelled_ids=tuple(e.id for e, _r, _s in cancelled),
    )


def _reach_items(
    made: list, cancelled: list, branch_a: Branch, branch_a2: Branch, branch_b: Branch, month: int
) -> None:
    """Online and media reach: at events (a cancelled one's counts nowhere) and without one."""

    def day(offset: int, on: int) -> date:
        at = shift(month, offset)
        return date(at // 100, at % 100, on)

    items = [
        (ReachKind.WECHAT_ARTICLE, "青岛银行公众号", day(0, 4), made[0][0], branch_a, 1200, 85),
        (ReachKind.SHORT_VIDEO, "抖音 青岛银行", day(-1, 16), made[3][0], branch_a, 5300, None),
        (ReachKind.NEWSPAPER, "青岛日报", day(0, 2), None, branch_a, None, None),
        (ReachKind.WEBSITE, "市南区政府网", day(-2, 9), None, branch_a, 310, 12),
        (ReachKind.BROADCAST, "青岛交通广播", day(-7, 25), None, branch_a2, None, None),
        (ReachKind.WECHAT_ARTICLE, "崂山发布", day(0, 7), None, branch_b, 40000, 3000),
        (ReachKind.VIDEO_CHANNEL, "视频号", day(-1, 23), cancelled[0][0], branch_a, 999, 99),
    ]
    for kind, outlet, published_on, event, branch, reads, forwards in items:
        db.session.add(
            ReachItem(
                kind=kind,
                outlet=outlet,
                published_on=published_on,
                event=event,
                branch=branch,
                region_id=branch.region_id,
                reads=reads,
                forwards=forwards,
            )
        )
    db.session.commit()


# The independent computation ---------------------------------------------------------------------


def _within(region: Region, ancestor: Region) -> bool:
    node: Region | None = region
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = node.parent
    return False


def _blank() -> dict[str, int]:
    return dict.fromkeys(METRICS, 0)


def shown(numerator: int, denominator: int, places: int) -> float | None:
    """The exact fraction rounded half up to ``places`` decimals, as a number (None for 0/0)."""
    if not denominator:
        return None
    scale = 10**places
    return math.floor(Fraction(numerator, denominator) * scale + Fraction(1, 2)) / scale


def shown_figures(values: dict[str, int]) -> dict[str, Any]:
    """The counts and every registered figure, each formula evaluated here on exact fractions."""
    result: dict[str, Any] = dict(values)
    for key, figure in FIGURES.items():
        formula = figure.formula
        if isinstance(formula, Total):
            result[key] = values[formula.count]
        elif isinstance(formula, Difference):
            result[key] = values[formula.minuend] - values[formula.subtrahend]
        else:
            result[key] = shown(
                values[formula.numerator], values[formula.denominator], formula.places
            )
    return result


def raw_counts() -> dict[tuple[int, str, int], dict[str, int]]:
    """Every count per (event, breakdown, dim id) for the events not cancelled: for each
    source of ``coverage.figures``, its raw rows that count, each adding what its counts say
    one row adds, for everything and for each breakdown it has."""
    live = {
        e.id for e in db.session.scalars(select(Event)) if e.status is not EventStatus.CANCELLED
    }
    rows: dict[tuple[int, str, int], dict[str, int]] = defaultdict(_blank)
    for source in SOURCES:
        counts = counts_of(source)
        for row in db.session.scalars(select(source.model)):
            event_id = source.event_id(row)
            if event_id not in live or not source.keeps(row):  # event-less rows too
                continue
            parts = [(DIM_ALL, 0)]
            parts += [(b.dim, dim_id) for b in source.breakdowns for dim_id in b.ids_of(row)]
            for dim, dim_id in parts:
                for count in counts:
                    rows[(event_id, dim, dim_id)][count.name] += count.per_row(row)
    return rows


def eventless_counts() -> dict[tuple[int, int, int, str, int], dict[str, int]]:
    """Every count of the rows that belong to no event (sources with ``alone``), per (region,
    branch, month of the row's day, breakdown, dim id), read from the rows' own columns."""
    rows: dict[tuple[int, int, int, str, int], dict[str, int]] = defaultdict(_blank)
    for source in SOURCES:
        alone = source.alone
        if alone is None:
            continue
        counts = counts_of(source)
        for row in db.session.scalars(select(source.model)):
            if source.event_id(row) is not None or not source.keeps(row):
                continue
            place = (
                getattr(row, alone.region.key),
                getattr(row, alone.branch.key),
                month_of(getattr(row, alone.day.key)),
            )
            parts = [(DIM_ALL, 0)]
            parts += [
                (b.dim, dim_id)
                for b in source.breakdowns
                if b.table is None
                for dim_id in b.ids_of(row)
            ]
            for dim, dim_id in parts:
                for count in counts:
                    rows[(*place, dim, dim_id)][count.name] += count.per_row(row)
    return rows


def expected_rollups() -> dict:
    """Every rollup row computed in Python from the raw rows (``raw_counts``, and
    ``eventless_counts`` as kind ``EVENTLESS_KIND``)."""
    rows: dict = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    events = {e.id: e for e in db.session.scalars(select(Event))}
    for (event_id, dim, dim_id), values in raw_counts().items():
        event = events[event_id]
        month = month_of(event.starts_at)
        key = (event.region_id, event.branch_id, month, str(event.kind), dim, dim_id)
        for name, value in values.items():
            rows[key][name] += value
    for (region_id, branch_id, month, dim, dim_id), values in eventless_counts().items():
        key = (region_id, branch_id, month, EVENTLESS_KIND, dim, dim_id)
        for name, value in values.items():
            rows[key][name] += value
    return {k: v for k, v in rows.items() if any(v.values())}


def expected_subtree_rollups(own: dict) -> dict:
    """Own rows summed up the region tree, walking parents one by one (not by path)."""
    rows: dict = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for (region_id, *rest), values in own.items():
        region = db.session.get(Region, region_id)
        while region is not None:
            for name, value in values.items():
                rows[(region.id, *rest)][name] += value
            region = region.parent
    return {k: v for k, v in rows.items() if any(v.values())}


def assert_consistent() -> None:
    """The stored rollups, own and summed up the tree, and a recount all equal the raw rows."""
    db.session.expire_all()
    truth = expected_rollups()
    have = rollups.stored(db.session)
    for key in set(have) | set(truth):
        assert have.get(key) == truth.get(key), key
    assert rollups.recount(db.session) == truth
    assert rollups.stored(db.session, subtree=True) == expected_subtree_rollups(truth)


def expected_report(
    user_id: int,
    region_id: int,
    first: int,
    last: int,
    today: date,
    stale_months: int = 6,
) -> dict[str, Any]:
    """The coverage figures ``user`` should see for ``region`` and months ``first``…``last``."""
    db.session.expire_all()
    user = db.session.get(User, user_id)
    region = db.session.get(Region, region_id)

    def event_visible(event: Event) -> bool:
        if user.role is Role.STAFF:
            return event.branch_id == user.branch_id
        if user.role is Role.HEAD:
            return _within(event.region, user.region)
        return True

    def partner_visible(partner: Partner) -> bool:
        if user.role is Role.STAFF:
            return partner.branch_id == user.branch_id
        if user.role is Role.HEAD:
            return _within(partner.region, user.region)
        return True

    all_events = list(db.session.scalars(select(Event)))
    live = [e for e in all_events if e.status is not EventStatus.CANCELLED and event_visible(e)]
    below = [e for e in live if _within(e.region, region)]
    in_period = [e for e in below if first <= month_of(e.starts_at) <= last]
    ids = {e.id for e in in_period}
    by_id = {e.id: e for e in in_period}
    # Per event: every count, and the group and topic parts.
    per_event: dict[int, dict[str, int]] = {e.id: _blank() for e in in_period}
    per_group: dict[tuple[int, int], dict[str, int]] = defaultdict(_blank)
    per_topic: dict[tuple[int, int], dict[str, int]] = defaultdict(_blank)
    parts = {DIM_ALL: None, DIM_GROUP: per_group, DIM_TOPIC: per_topic}
    for (event_id, dim, dim_id), values in raw_counts().items():
        if event_id not in ids:
            continue
        if dim == DIM_ALL:
            per_event[event_id] = values
        else:
            parts[dim][(event_id, dim_id)] = values

    # What was counted without an event, in the user's scope, below the region, in the period.
    regions_by_id = {r.id: r for r in db.session.scalars(select(Region))}
    eventless = [
        (regions_by_id[region_id], month, values)
        for (region_id, branch_id, month, dim, _dim_id), values in eventless_counts().items()
        if dim == DIM_ALL
        and first <= month <= last
        and _within(regions_by_id[region_id], region)
        and (user.role is not Role.STAFF or branch_id == user.branch_id)
        and (user.role is not Role.HEAD or _within(regions_by_id[region_id], user.region))
    ]

    def total_of(events: list[Event], alone: Any = lambda place, month: False) -> dict[str, int]:
        """The events' counts, and those of the event-less rows ``alone`` keeps."""
        values = _blank()
        for e in events:
            for name in METRICS:
                values[name] += per_event[e.id][name]
        for place, month, counts in eventless:
            if alone(place, month):
                for name in METRICS:
                    values[name] += counts[name]
        return values

    months = []
    month = first
    while month <= last:
        months.append(month)
        month = shift(month, 1)

    # Every active kind and group is listed, retired ones only when they have figures.
    by_kind = []
    for kind in db.session.scalars(select(EventKind).order_by(EventKind.sort_order, EventKind.id)):
        values = total_of([e for e in in_period if e.kind == kind.code])
        if not kind.is_retired or any(values.values()):
            by_kind.append({"kind": kind.code, **shown_figures(values)})
    groups = sorted(db.session.scalars(select(TargetGroup)), key=lambda g: (g.sort_order, g.id))
    by_group = []
    for g in groups:
        values = _blank()
        for (event_id, group_id), part in per_group.items():
            if group_id == g.id and event_id in ids:
                for name in METRICS:
                    values[name] += part[name]
        if not g.is_retired or any(values.values()):
            by_group.append({"group": g.code, **shown_figures(values)})
    topics = list(db.session.scalars(select(Topic)))
    by_topic = []
    for t in topics:
        values = _blank()
        for (event_id, topic_id), part in per_topic.items():
            if topic_id == t.id and event_id in ids:
                for name in METRICS:
                    values[name] += part[name]
        if values["events"] or values["quiz_total"]:
            by_topic.append(({"topic": t.code, **shown_figures(values)}, t.sort_order))
    by_topic.sort(key=lambda item: (-item[0]["events"], item[1]))

    children_regions = sorted(
        (r for r in db.session.scalars(select(Region)) if r.parent_id == region.id),
        key=lambda r: (r.name, r.id),
    )

    def by_month(events: list[Event], held: bool | None = None) -> list[int]:
        return [
            sum(
                1
                for e in events
                if month_of(e.starts_at) == m
                and (held is None or (e.status is EventStatus.COMPLETED) is held)
            )
            for m in months
        ]

    children = []
    own_events = [e for e in in_period if e.region_id == region.id]
    own = total_of(own_events, lambda place, _m: place.id == region.id)
    if any(own.values()):
        children.append(
            {
                "region_id": region.id,
                "is_own": True,
                "events_by_month": by_month(own_events),
                "held_by_month": by_month(own_events, held=True),
                "planned_by_month": by_month(own_events, held=False),
                **shown_figures(own),
            }
        )
    for child in children_regions:
        child_events = [e for e in in_period if _within(e.region, child)]
        children.append(
            {
                "region_id": child.id,
                "is_own": False,
                "events_by_month": by_month(child_events),
                "held_by_month": by_month(child_events, held=True),
                "planned_by_month": by_month(child_events, held=False),
                **shown_figures(
                    total_of(child_events, lambda place, _m, child=child: _within(place, child))
                ),
            }
        )

    # Areas without a branch or hard to reach, below the region (the region itself included),
    # reached once an event was held (completed) there.
    this_month = month_of(today)
    horizon = max(this_month, last)
    areas = [
        r
        for r in db.session.scalars(select(Region))
        if r.branch_access in GAP_ACCESS and _within(r, region)
    ]
    branches = [b for b in db.session.scalars(select(Branch)) if b.is_active]
    gap_rows = []
    for area in areas:
        months_seen = {
            month_of(e.starts_at)
            for e in live
            if e.status is EventStatus.COMPLETED
            and _within(e.region, area)
            and month_of(e.starts_at) <= horizon
        }
        reached = any(first <= m <= last for m in months_seen)
        past = [m for m in months_seen if m <= this_month]
        nearest = None
        node: Region | None = area
        while node is not None and nearest is None:
            candidates = [b for b in branches if _within(b.region, node)]
            if candidates:
                nearest = min(candidates, key=lambda b: (b.name, b.id))
            node = node.parent
        gap_rows.append((area, reached, max(past) if past else None, nearest))
    waiting = [row for row in gap_rows if not row[1]]
    waiting.sort(key=lambda row: (row[2] is not None, row[2] or 0, _path(row[0])))
    gaps = {
        "total": len(gap_rows),
        "reached": sum(1 for row in gap_rows if row[1]),
        "none_total": sum(1 for row in gap_rows if row[0].branch_access is BranchAccess.NONE),
        "none_reached": sum(
            1 for row in gap_rows if row[1] and row[0].branch_access is BranchAccess.NONE
        ),
        "hard_to_reach_total": sum(
            1 for row in gap_rows if row[0].branch_access is BranchAccess.HARD_TO_REACH
        ),
        "hard_to_reach_reached": sum(
            1 for row in gap_rows if row[1] and row[0].branch_access is BranchAccess.HARD_TO_REACH
        ),
        "not_reached": [
            {
                "region_id": area.id,
                "last_event_month": month_text(last_month) if last_month else None,
                "nearest_branch_id": nearest.id if nearest else None,
            }
            for area, _reached, last_month, nearest in waiting
        ],
    }

    # Partners not visited (no completed event the user may see) for more than stale_months.
    cutoff_month = shift(this_month, -stale_months)
    cutoff = date(cutoff_month // 100, cutoff_month % 100, min(today.day, 28))
    partners = sorted(
        (
            p
            for p in db.session.scalars(select(Partner))
            if not p.is_archived and partner_visible(p) and _within(p.region, region)
        ),
        key=lambda p: (p.name, p.id),
    )
    stale = []
    for partner in partners:
        visits = [
            e.starts_at
            for e in all_events
            if e.partner_id == partner.id and e.status is EventStatus.COMPLETED and event_visible(e)
        ]
        last_visit = max(visits).date() if visits else None
        if last_visit is None or last_visit < cutoff:
            stale.append((partner, last_visit))
    stale.sort(key=lambda item: (item[1] is not None, item[1] or date.min))

    return {
        "total": shown_figures(total_of(in_period, lambda _p, _m: True)),
        "by_kind": by_kind
        + (
            [{"kind": EVENTLESS_KIND, **shown_figures(total_of([], lambda _p, _m: True))}]
            if eventless
            else []
        ),
        "by_group": by_group,
        "by_topic": [item for item, _order in by_topic],
        "trend": [
            {
                "month": month_text(m),
                **shown_figures(
                    total_of(
                        [e for e in in_period if month_of(e.starts_at) == m],
                        lambda _p, month, m=m: month == m,
                    )
                ),
            }
            for m in months
        ],
        "children": children,
        "gaps": gaps,
        "stale_partners": [
            {"id": p.id, "last_visit": v.isoformat() if v else None} for p, v in stale
        ],
        "event_ids": sorted(by_id),
    }


def _path(region: Region) -> str:
    ids = []
    node: Region | None = region
    while node is not None:
        ids.append(node.id)
        node = node.parent
    return "/" + "/".join(str(i) for i in reversed(ids)) + "/"


def slim_json(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON endpoint's answer in ``expected_report``'s shape (ids instead of names)."""
    return {
        "total": data["total"],
        "by_kind": [
            {k: v for k, v in row.items() if k not in ("name_zh", "name_en")}
            for row in data["by_kind"]
        ],
        "by_group": [
            {k: v for k, v in row.items() if k not in ("name_zh", "name_en")}
            for row in data["by_group"]
        ],
        "by_topic": [
            {k: v for k, v in row.items() if k not in ("name_zh", "name_en")}
            for row in data["by_topic"]
        ],
        "trend": data["trend"],
        "children": [
            {
                "region_id": row["region"]["id"],
                **{k: v for k, v in row.items() if k != "region"},
            }
            for row in data["children"]
        ],
        "gaps": {
            **{
                k: v
                for k, v in data["gaps"].items()
                if k not in ("not_reached", "not_reached_more")
            },
            "not_reached": [
                {
                    "region_id": row["region"]["id"],
                    "last_event_month": row["last_event_month"],
                    "nearest_branch_id": (
                        row["nearest_branch"]["id"] if row["nearest_branch"] else None
                    ),
                }
                for row in data["gaps"]["not_reached"]
            ],
        },
        "stale_partners": [
            {"id": row["id"], "last_visit": row["last_visit"]} for row in data["stale_partners"]
        ],
    }


def period_args(first: int, last: int) -> dict[str, str]:
    """Query arguments for a custom period."""
    return {"period": "custom", "from": month_text(first), "to": month_text(last)}


def twelve_months(today: date) -> tuple[int, int]:
    """The default period: the last 12 months up to this one."""
    this_month = month_of(today)
    return shift(this_month, -11), this_month


def days_ago(today: date, days: int) -> date:
    """A day in the past (helper for stale-partner cut-offs)."""
    return today - timedelta(days=days)
