"""``flask demo-data``: a realistic, deterministic demo city, its branches, partners, users, events.

The same seed and the same ``today`` give the same rows (password hashes aside: they are salted).
Every row is inserted with explicit ids, so the region paths and the event links are known
without reading anything back; small tables go through SQLAlchemy's insert with its column
types, events and their links through the driver's executemany (see ``demo.bulk``).
"""

from __future__ import annotations

import dataclasses
import time as timer
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table, func, insert, select

from outreach_app.auth.models import User
from outreach_app.auth.passwords import hash_password
from outreach_app.core.roles import Role
from outreach_app.coverage import rollups
from outreach_app.demo import names
from outreach_app.demo.activities import (
    ACTIVITIES,
    IN_BRANCH,
    PARTNER_CONTACT_TITLES,
    VILLAGE,
)
from outreach_app.demo.activity import ActivityCounts, generate_activity
from outreach_app.demo.bulk import bulk_load_settings, reset_sequences
from outreach_app.demo.events import CompletedEvent, EventCounts, EventSlot, generate_events
from outreach_app.demo.kinds import kind_slots
from outreach_app.demo.ledger import LedgerCounts, generate_ledger
from outreach_app.demo.paper import PaperCounts, generate_paper_sign_in
from outreach_app.demo.places import (
    CITY_CODE,
    CITY_NAME,
    CITY_NAME_EN,
    DISTRICTS,
    HEAD_DISTRICT_CODE,
    TOWN_ROADS,
    DistrictSpec,
    StreetSpec,
)
from outreach_app.demo.problems import generate_problems
from outreach_app.demo.reach import DemoBranch, ReachCounts, generate_reach
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, BranchAccess, Region, RegionLevel

DEMO_PASSWORDS = {
    "admin": "outreach-admin-2024",
    "head": "outreach-head-2024",
    "staff": "outreach-staff-2024",
    "team": "outreach-team-2024",  # every other member of staff
}

# Share of communities and villages that are hard to reach or have no branch.
COMMUNITY_ACCESS = {"hard_to_reach": 0.08, "none": 0.07}
VILLAGE_ACCESS = {"hard_to_reach": 0.25, "none": 0.25}
# Districts with a Korean (朝鲜族) community, so community events there may reach it.
MINORITY_DISTRICTS = {"370212", "370214"}


class DemoDataError(RuntimeError):
    """The demo data cannot be loaded into this database; the message says why."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and its password, printed at the end."""

    role: str
    username: str
    password: str
    scope: str


@dataclass
class DemoSummary:
    """What ``generate_demo_data`` wrote, and how to log in."""

    seed: int
    today: date
    regions_by_level: dict[int, int]
    access_counts: dict[str, int]
    branches: int
    partners_by_kind: dict[str, int]
    users: int
    events: EventCounts
    logins: list[DemoLogin]
    team_password: str
    activity: ActivityCounts = field(default_factory=ActivityCounts)
    ledger: LedgerCounts = field(default_factory=LedgerCounts)
    problems: int = 0
    reach: ReachCounts = field(default_factory=ReachCounts)
    paper: PaperCounts = field(default_factory=PaperCounts)
    rollup_rows: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """A plain-text report: counts of every kind of row, then the demo logins."""
        level_names = {1: "city", 2: "districts", 3: "streets/towns", 4: "communities/villages"}
        levels = ", ".join(
            f"{count} {level_names.get(level, level)}"
            for level, count in sorted(self.regions_by_level.items())
        )
        access = ", ".join(f"{k} {v}" for k, v in sorted(self.access_counts.items()))
        partners = ", ".join(f"{k} {v}" for k, v in sorted(self.partners_by_kind.items()))
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.events.by_status.items()))
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.events.by_kind.items()))
        lines = [
            f"Demo data loaded (seed {self.seed}, today {self.today.isoformat()}) "
            f"in {self.seconds:.1f} s:",
            f"  regions:  {sum(self.regions_by_level.values())} ({levels})",
            f"  communities/villages by branch access: {access}",
            f"  branches: {self.branches}",
            f"  partners: {sum(self.partners_by_kind.values())} ({partners})",
            f"  users:    {self.users}",
            f"  events:   {self.events.events} ({statuses})",
            f"            by kind: {kinds}",
            f"  links:    {self.events.group_links} target groups, "
            f"{self.events.topic_links} topics, {self.events.staff_links} staff",
            f"  activity: {self.activity.attendance} head counts, "
            f"{self.activity.print_runs} print runs ({self.activity.copies} copies), "
            f"{self.activity.scans} scans, {self.activity.check_ins} check-ins, "
            f"{self.activity.quizzes} quizzes, {self.activity.feedback} feedback",
            f"  handouts: {self.ledger.lines} ledger lines, {self.ledger.coded} coded copies, "
            f"{self.ledger.materials} other material and {self.ledger.gifts} gifts handed out",
            f"  problems: {self.problems} raised at events",
            f"  reach:    {self.reach.at_events} articles and reports about events, "
            f"{self.reach.without_event} of branches without an event",
            f"  paper sign-in: {self.paper.people} people at {self.paper.events} events",
            f"  coverage: {self.rollup_rows} rollup rows",
            "",
            "Demo logins (user name: password):",
        ]
        lines += [f"  {x.username}: {x.password}  ({x.role}, {x.scope})" for x in self.logins]
        lines.append(f"  other staff (staff01a, …): {self.team_password}")
        return "\n".join(lines)


@dataclass
class _Node:
    """A region as it will be inserted, with what the generator needs to know about it."""

    id: int
    parent: _Node | None
    name: str
    name_en: str | None
    level: int
    is_rural: bool
    division_code: str | None
    branch_access: BranchAccess = BranchAccess.BRANCH
    district: DistrictSpec | None = None
    street: StreetSpec | None = None
    children: list[_Node] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Ids from the root down to this node: "/1/7/42/"."""
        return (self.parent.path if self.parent else "/") + f"{self.id}/"

    @property
    def short(self) -> str:
        """The name without its 村 or 社区 suffix."""
        for suffix in ("社区", "村"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name

    def row(self) -> dict[str, Any]:
        """The values of the region row."""
        return {
            "id": self.id,
            "parent_id": self.parent.id if self.parent else None,
            "name": self.name,
            "name_en": self.name_en,
            "level": self.level,
            "is_rural": self.is_rural,
            "division_code": self.division_code,
            "branch_access": self.branch_access,
            "path": self.path,
        }


@dataclass
class _BranchPlan:
    id: int
    name: str
    street: _Node
    address: str
    phone: str
    staff_ids: list[int] = field(default_factory=list)


@dataclass
class _PartnerPlan:
    id: int
    name: str
    kind: PartnerKind
    region: _Node
    branch: _BranchPlan
    address: str
    contact_name: str
    contact_phone: str


class _Ids:
    """Hands out ids after the largest already in each table."""

    def __init__(self, tables: list[Table]) -> None:
        self._next = {
            table.name: (db.session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
            for table in tables
        }

    def take(self, table: Table) -> int:
        """The next id for ``table``."""
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


def _table(model: Any) -> Table:
    return model.__table__


def generate_demo_data(
    n_events: int = 3000,
    seed: int = 2024,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Load the demo city and ``n_events`` events into an empty database; flushes, never commits."""
    started = timer.perf_counter()
    if n_events < 0:
        raise DemoDataError("The number of events cannot be negative.")
    if db.session.execute(select(func.count(Region.id))).scalar_one():
        raise DemoDataError("The database already has regions; demo data needs an empty one.")
    timezone = ZoneInfo(current_app.config["TIMEZONE"])
    today = today or datetime.now(timezone).date()
    taken = set(
        db.session.execute(
            select(User.username).where(User.username.in_(["admin", "head", "staff"]))
        ).scalars()
    )
    if taken:
        raise DemoDataError(f"User names already taken: {', '.join(sorted(taken))}.")

    rng = Random(seed)
    tables = [_table(m) for m in (Region, Branch, Partner, User, Event)]
    ids = _Ids(tables)
    regions = _build_regions(rng, ids)
    branches = _plan_branches(rng, ids, regions)
    _set_access(rng, regions, branches)
    partners = _plan_partners(rng, ids, branches)
    moment = datetime.combine(today, time(9, 0), timezone).astimezone(UTC)
    user_rows, logins = _plan_users(rng, ids, regions, branches, moment)

    session = db.session
    session.execute(insert(_table(Region)), [node.row() for node in regions])
    session.execute(
        insert(_table(Branch)),
        [
            {
                "id": b.id,
                "name": b.name,
                "region_id": b.street.id,
                "address": b.address,
                "phone": b.phone,
                "is_active": True,
            }
            for b in branches
        ],
    )
    session.execute(
        insert(_table(Partner)),
        [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "region_id": p.region.id,
                "branch_id": p.branch.id,
                "address": p.address,
                "contact_name": p.contact_name,
                "contact_phone": p.contact_phone,
                "notes": "",
                "is_archived": False,
                "created_at": moment - timedelta(days=400 + p.id % 300),
            }
            for p in partners
        ],
    )
    session.execute(insert(_table(User)), user_rows)

    group_ids = dict(session.execute(select(TargetGroup.code, TargetGroup.id)).all())
    topic_ids = dict(session.execute(select(Topic.code, Topic.id)).all())
    slots = _event_slots(rng, branches, partners)
    conn = session.connection()
    completed: list[CompletedEvent] = []
    with bulk_load_settings(conn):
        counts = generate_events(
            conn,
            rng,
            n_events=n_events,
            first_id=ids.take(_table(Event)),
            today=today,
            timezone=timezone,
            slots=slots,
            staff_by_branch={b.id: b.staff_ids for b in branches},
            group_ids=group_ids,
            topic_ids=topic_ids,
            progress=progress,
            completed=completed,
        )
        activity = generate_activity(
            conn,
            rng,
            completed,
            today=today,
            timezone=timezone,
            bank_name=current_app.config["BANK_NAME"],
        )
        problems = generate_problems(
            conn,
            Random(f"{seed}-problems"),
            completed,
            today=today,
            timezone=timezone,
            staff_by_branch={b.id: b.staff_ids for b in branches},
            days_to_close=int(current_app.config["PROBLEM_DAYS_TO_CLOSE"]),
            callback_days=int(current_app.config["PROBLEM_CALLBACK_RETENTION_DAYS"]),
        )
        reach = generate_reach(
            conn,
            Random(f"{seed}-reach"),
            completed,
            [DemoBranch(b.id, b.street.id) for b in branches],
            today=today,
            timezone=timezone,
            bank_name=current_app.config["BANK_NAME"],
        )
        paper = generate_paper_sign_in(conn, Random(f"{seed}-paper"), completed)
        del completed
        ledger = generate_ledger(conn, rng)
        reset_sequences(conn, tables)
        rollup_rows = rollups.rebuild_all(session)

    level4 = [node for node in regions if node.level == RegionLevel.COMMUNITY]
    return DemoSummary(
        seed=seed,
        today=today,
        regions_by_level=dict(sorted(Counter(node.level for node in regions).items())),
        access_counts=dict(Counter(node.branch_access.value for node in level4)),
        branches=len(branches),
        partners_by_kind=dict(Counter(p.kind.value for p in partners)),
        users=len(user_rows),
        events=counts,
        logins=logins,
        team_password=DEMO_PASSWORDS["team"],
        activity=activity,
        ledger=ledger,
        problems=problems,
        reach=reach,
        paper=paper,
        rollup_rows=rollup_rows,
        seconds=timer.perf_counter() - started,
    )


def _build_regions(rng: Random, ids: _Ids) -> list[_Node]:
    """City → the ten districts → their streets and towns → generated communities and villages."""
    table = _table(Region)
    city = _Node(ids.take(table), None, CITY_NAME, CITY_NAME_EN, 1, False, CITY_CODE)
    nodes = [city]
    for spec in DISTRICTS:
        district = _Node(
            ids.take(table),
            city,
            spec.name,
            spec.name_en,
            RegionLevel.DISTRICT,
            spec.is_county_city,
            spec.code,
            district=spec,
        )
        city.children.append(district)
        nodes.append(district)
        street_numbers = {False: 0, True: 100}  # streets 001…, towns 101…, as official codes do
        for street_spec in spec.streets:
            street_numbers[street_spec.is_town] += 1
            street = _Node(
                ids.take(table),
                district,
                street_spec.name,
                street_spec.name_en,
                RegionLevel.STREET,
                street_spec.is_rural,
                f"{spec.code}{street_numbers[street_spec.is_town]:03d}",
                district=spec,
                street=street_spec,
            )
            district.children.append(street)
            nodes.append(street)
            nodes += _build_communities(rng, ids, street)
    return nodes


def _build_communities(rng: Random, ids: _Ids, street: _Node) -> list[_Node]:
    """Communities (codes 001…) and villages (codes 201…) under one street or town."""
    district = street.district
    assert district is not None
    if street.is_rural:
        n_communities, n_villages = rng.randint(1, 2), rng.randint(5, 10)
    elif district.is_city_core:
        n_communities, n_villages = rng.randint(6, 10), 0
    else:  # now and then a village the city has grown around (城中村)
        n_communities, n_villages = rng.randint(6, 10), rng.choice((0, 0, 0, 1))
    seen: set[str] = set()
    result = []
    for index, is_village in enumerate([False] * n_communities + [True] * n_villages):
        while True:
            name, name_en = names.village_name(rng) if is_village else names.community_name(rng)
            if name not in seen:
                seen.add(name)
                break
        number = 201 + index - n_communities if is_village else 1 + index
        node = _Node(
            ids.take(_table(Region)),
            street,
            name,
            name_en,
            RegionLevel.COMMUNITY,
            is_village or street.is_rural,
            f"{street.division_code}{number:03d}",
            district=street.district,
            street=street.street,
        )
        street.children.append(node)
        result.append(node)
    return result


def _plan_branches(rng: Random, ids: _Ids, regions: list[_Node]) -> list[_BranchPlan]:
    """About thirty branches: each district's main office in its first street, others spread."""
    branches = []
    for district in (node for node in regions if node.level == RegionLevel.DISTRICT):
        spec = district.district
        assert spec is not None
        streets = district.children
        hosts = [streets[0], *rng.sample(streets[1:], spec.branches - 1)]
        for number, street in enumerate(sorted(hosts, key=lambda node: node.id)):
            street_spec = street.street
            assert street_spec is not None
            if number == 0:
                name = f"{spec.short}支行营业部"
            elif spec.is_county_city:
                name = f"{spec.short}{street_spec.short}支行"
            else:
                name = f"青岛{street_spec.short}支行"
            branch_id = ids.take(_table(Branch))
            branches.append(
                _BranchPlan(
                    id=branch_id,
                    name=name,
                    street=street,
                    address=_address(rng, street),
                    phone=f"0532-8000 9{branch_id % 1000:03d}",
                )
            )
    return branches


def _address(rng: Random, node: _Node) -> str:
    """A real-looking street address in the district of ``node``."""
    spec = node.district
    assert spec is not None
    number = rng.randint(1, 400)
    street = node.street
    if node.is_rural and street is not None:
        if node.level == RegionLevel.COMMUNITY and node.name.endswith("村"):
            return f"{spec.name}{street.name}{node.name}{rng.randint(1, 200)}号"
        return f"{spec.name}{street.name}{rng.choice(TOWN_ROADS)}{number}号"
    road = rng.choice(spec.roads)
    if street is not None and street.short.endswith("路") and rng.random() < 0.6:
        road = street.short  # 金门路街道: most addresses are on 金门路 itself
    return f"青岛市{spec.name}{road}{number}号"


def _set_access(rng: Random, regions: list[_Node], branches: list[_BranchPlan]) -> None:
    """Streets with a branch: ``branch``; rural ones without: hard to reach; and communities."""
    hosts = {b.street.id for b in branches}
    for node in regions:
        if node.level == RegionLevel.STREET and node.id not in hosts and node.is_rural:
            node.branch_access = BranchAccess.HARD_TO_REACH
        elif node.level == RegionLevel.COMMUNITY:
            shares = VILLAGE_ACCESS if node.name.endswith("村") else COMMUNITY_ACCESS
            roll = rng.random()
            if roll < shares["none"]:
                node.branch_access = BranchAccess.NONE
            elif roll < shares["none"] + shares["hard_to_reach"]:
                node.branch_access = BranchAccess.HARD_TO_REACH


def _plan_partners(rng: Random, ids: _Ids, branches: list[_BranchPlan]) -> list[_PartnerPlan]:
    """A few partners of every kind for each branch, inside the branch's street or town."""
    partners: list[_PartnerPlan] = []
    used: set[str] = set()

    def add(name: str, kind: PartnerKind, region: _Node, branch: _BranchPlan) -> None:
        if name in used:
            return
        used.add(name)
        partner_id = ids.take(_table(Partner))
        title = rng.choice(PARTNER_CONTACT_TITLES[kind])
        partners.append(
            _PartnerPlan(
                id=partner_id,
                name=name,
                kind=kind,
                region=region,
                branch=branch,
                address=_address(rng, region),
                contact_name=rng.choice(names.SURNAMES)[0] + title,
                contact_phone=f"0532-8000 {partner_id % 10000:04d}",
            )
        )

    first_branch_of: dict[str, _BranchPlan] = {}
    for branch in branches:
        street = branch.street
        district = street.district
        street_spec = street.street
        assert district is not None and street_spec is not None
        first_branch_of.setdefault(district.code, branch)
        places = street.children
        communities = [n for n in places if not n.name.endswith("村")] or places
        villages = [n for n in places if n.name.endswith("村")]

        committees = [n for n in places if rng.random() < 0.5][:8] or places[:2]
        for node in committees:
            if node.name.endswith("村"):
                add(f"{node.short}村委会", PartnerKind.VILLAGE_COMMITTEE, node, branch)
            else:
                add(f"{node.name}居委会", PartnerKind.RESIDENTS_COMMITTEE, node, branch)

        if street.is_rural:
            add(f"{street.name}中心小学", PartnerKind.SCHOOL, communities[0], branch)
            if villages and rng.random() < 0.6:
                village = rng.choice(villages)
                add(f"{village.short}小学", PartnerKind.SCHOOL, village, branch)
            add(f"{street.name}中心敬老院", PartnerKind.SENIOR_HOME, rng.choice(places), branch)
            if rng.random() < 0.3:
                name = f"{street.name}老年学校"
                add(name, PartnerKind.SENIOR_UNIVERSITY, communities[0], branch)
        else:
            for suffix in rng.sample(("小学", "中学", "实验学校", "第二小学"), rng.randint(1, 2)):
                add(f"{street_spec.short}{suffix}", PartnerKind.SCHOOL, rng.choice(places), branch)
            home = rng.choice(communities)
            suffix = rng.choice(("颐养中心", "老年公寓", "养老服务中心"))
            add(f"{home.short}{suffix}", PartnerKind.SENIOR_HOME, home, branch)
            if rng.random() < 0.7:
                name = f"{street.name}老年大学"
                add(name, PartnerKind.SENIOR_UNIVERSITY, rng.choice(communities), branch)

        for _ in range(rng.randint(1, 2)):
            add(names.enterprise_name(rng), PartnerKind.ENTERPRISE, rng.choice(places), branch)
        if rng.random() < 0.6:
            suffix = rng.choice(("新时代文明实践所", "综合文化站", "社区卫生服务中心"))
            add(f"{street.name}{suffix}", PartnerKind.OTHER, street, branch)

    for district in DISTRICTS:
        own = [b for b in branches if b.street.district is district]
        for index, university in enumerate(district.universities):
            branch = own[index % len(own)]
            places = [n for n in branch.street.children if not n.name.endswith("村")]
            region = rng.choice(places or branch.street.children)
            add(university, PartnerKind.UNIVERSITY, region, branch)
        main = first_branch_of[district.code]
        add(f"{district.name}特殊教育中心", PartnerKind.SPECIAL_EDUCATION, main.street, main)
    return partners


def _plan_users(
    rng: Random,
    ids: _Ids,
    regions: list[_Node],
    branches: list[_BranchPlan],
    moment: datetime,
) -> tuple[list[dict[str, Any]], list[DemoLogin]]:
    """One admin, one head (崂山区), one demo staff member and two to four staff per branch."""
    table = _table(User)
    hashes = {key: hash_password(password) for key, password in DEMO_PASSWORDS.items()}
    head_region = next(n for n in regions if n.division_code == HEAD_DISTRICT_CODE)
    staff_branch = next(b for b in branches if b.street.district is head_region.district)
    rows: list[dict[str, Any]] = []

    def add(username: str, role: Role, hash_key: str, display_name: str, **scope: Any) -> int:
        user_id = ids.take(table)
        rows.append(
            {
                "id": user_id,
                "username": username,
                "display_name": display_name,
                "role": role,
                "region_id": scope.get("region_id"),
                "branch_id": scope.get("branch_id"),
                "password_hash": hashes[hash_key],
                "is_active": True,
                "session_version": 1,
                "created_at": moment - timedelta(days=500 - len(rows)),
            }
        )
        return user_id

    add("admin", Role.ADMIN, "admin", "系统管理员")
    add("head", Role.HEAD, "head", f"{head_region.name}负责人", region_id=head_region.id)
    staff_id = add("staff", Role.STAFF, "staff", "张宣教", branch_id=staff_branch.id)
    staff_branch.staff_ids.append(staff_id)
    for number, branch in enumerate(branches, start=1):
        for letter in "abcd"[: rng.randint(2, 4)]:
            user_id = add(
                f"staff{number:02d}{letter}",
                Role.STAFF,
                "team",
                names.person_name(rng),
                branch_id=branch.id,
            )
            branch.staff_ids.append(user_id)
    logins = [
        DemoLogin("admin", "admin", DEMO_PASSWORDS["admin"], "everything"),
        DemoLogin("head", "head", DEMO_PASSWORDS["head"], head_region.name),
        DemoLogin("staff", "staff", DEMO_PASSWORDS["staff"], staff_branch.name),
    ]
    return rows, logins


def _event_slots(
    rng: Random, branches: list[_BranchPlan], partners: list[_PartnerPlan]
) -> list[EventSlot]:
    """Where events happen: every partner, and each branch's own hall, with how busy each is."""
    activity_factor = {b.id: 0.6 + 0.8 * rng.random() for b in branches}
    slots = [
        EventSlot(
            branch_id=b.id,
            region_id=b.street.id,
            partner_id=None,
            activity=IN_BRANCH,
            place=b.name,
            place_short=b.name,
            weight=1.5 * activity_factor[b.id],
        )
        for b in branches
    ]
    slots += kind_slots(partners, activity_factor)
    kind_weight = {
        PartnerKind.UNIVERSITY: 1.5,
        PartnerKind.SCHOOL: 1.2,
        PartnerKind.SENIOR_HOME: 0.8,
        PartnerKind.ENTERPRISE: 0.8,
        PartnerKind.SPECIAL_EDUCATION: 0.6,
        PartnerKind.OTHER: 0.5,
    }
    for p in partners:
        activity = ACTIVITIES[p.kind]
        region = p.region
        if p.kind in (PartnerKind.SENIOR_HOME, PartnerKind.OTHER) and region.is_rural:
            activity = dataclasses.replace(
                activity, kind=VILLAGE.kind, groups=(*activity.groups, "rural")
            )
        district = region.district
        if (
            p.kind == PartnerKind.RESIDENTS_COMMITTEE
            and district is not None
            and district.code in MINORITY_DISTRICTS
        ):
            activity = dataclasses.replace(activity, groups=(*activity.groups, "ethnic_minority"))
        committee = p.kind in (PartnerKind.RESIDENTS_COMMITTEE, PartnerKind.VILLAGE_COMMITTEE)
        focus = 1.6 if region.branch_access != BranchAccess.BRANCH else 1.0
        slots.append(
            EventSlot(
                branch_id=p.branch.id,
                region_id=region.id,
                partner_id=p.id,
                activity=activity,
                place=region.name if committee else p.name,
                place_short=region.short if committee else p.name,
                weight=kind_weight.get(p.kind, 1.0) * focus * activity_factor[p.branch.id],
            )
        )
    return slots
