"""``flask demo-data``: deterministic, well-formed, refuses a loaded database, leaves ids usable."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.events.models import (
    Event,
    EventPaperAttendance,
    EventStatus,
    event_target_group,
    event_topic,
)
from outreach_app.extensions import db
from outreach_app.handouts.kinds import HandoutMaterial
from outreach_app.handouts.models import HandoutLedgerLine, PrintRun
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.problems.models import Problem
from outreach_app.problems.services import looks_personal, normalise_phone
from outreach_app.reach.models import ReachItem, ReachKind
from outreach_app.reach.services import check_url
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.regions.models import Branch, BranchAccess, Region
from outreach_app.regions.tree import add_region
from tests.conftest import clean_database
from tests.coverage_data import assert_consistent

TODAY = date(2026, 11, 27)
ARGS = ["demo-data", "--events", "300", "--seed", "7", "--today", TODAY.isoformat()]

DISTRICT_CODES = {
    "370202": "市南区",
    "370203": "市北区",
    "370211": "黄岛区",
    "370212": "崂山区",
    "370213": "李沧区",
    "370214": "城阳区",
    "370215": "即墨区",
    "370281": "胶州市",
    "370283": "平度市",
    "370285": "莱西市",
}


def _load(runner, *extra: str):
    result = runner.invoke(args=[*ARGS, *extra])
    assert result.exit_code == 0, result.output
    return result


def _digest() -> str:
    """A hash of every non-reference row, in id order; password hashes are salted, so left out."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.info.get("reference"):
            continue
        columns = [c for c in table.columns if c.name != "password_hash"]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns))
        for row in rows:
            digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def _logins(output: str) -> dict[str, tuple[str, str]]:
    """The demo logins printed by the command: role → (user name, password)."""
    pattern = re.compile(r"^  (\S+): (\S+)  \((admin|head|staff),", re.MULTILINE)
    return {role: (username, password) for username, password, role in pattern.findall(output)}


def test_same_seed_and_day_give_the_same_rows(app, runner):
    _load(runner)
    with app.app_context():
        first = _digest()
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 300
        db.session.remove()
        clean_database()
    _load(runner)
    with app.app_context():
        assert _digest() == first
        db.session.remove()
        clean_database()
    result = runner.invoke(
        args=["demo-data", "--events", "300", "--seed", "8", "--today", "2026-11-27"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _digest() != first


def test_region_tree_is_qingdao_with_correct_paths(app, runner):
    _load(runner)
    with app.app_context():
        regions = {r.id: r for r in db.session.execute(select(Region)).scalars()}
        by_level = Counter(r.level for r in regions.values())
        assert set(by_level) == {1, 2, 3, 4}
        assert by_level[1] == 1 and by_level[2] == 10
        assert 40 <= by_level[3] <= 80
        assert 300 <= by_level[4] <= 900

        (city,) = [r for r in regions.values() if r.level == 1]
        assert (city.name, city.division_code, city.parent_id) == ("青岛市", "370200", None)
        districts = {r.division_code: r for r in regions.values() if r.level == 2}
        assert {code: r.name for code, r in districts.items()} == DISTRICT_CODES
        assert districts["370281"].name_en == "Jiaozhou City"
        assert districts["370202"].name_en == "Shinan District"

        for region in regions.values():
            parent = regions.get(region.parent_id) if region.parent_id else None
            expected = (parent.path if parent else "/") + f"{region.id}/"
            assert region.path == expected
            if parent is not None:
                assert region.level == parent.level + 1
                prefix = parent.division_code[:4] if parent.level == 1 else parent.division_code
                assert region.division_code.startswith(prefix)
            assert len(region.division_code) == {1: 6, 2: 6, 3: 9, 4: 12}[region.level]
        streets_per_district = Counter(
            r.parent_id for r in regions.values() if r.level == 3
        ).values()
        assert min(streets_per_district) >= 4 and max(streets_per_district) <= 8

        communities = [r for r in regions.values() if r.level == 4]
        access = Counter(r.branch_access for r in communities)
        for value in (BranchAccess.HARD_TO_REACH, BranchAccess.NONE):
            assert 0.05 < access[value] / len(communities) < 0.3
        villages = [r for r in communities if r.name.endswith("村")]
        assert villages and all(r.is_rural for r in villages)
        rural_share = sum(r.branch_access != BranchAccess.BRANCH for r in villages) / len(villages)
        urban = [r for r in communities if not r.is_rural]
        urban_share = sum(r.branch_access != BranchAccess.BRANCH for r in urban) / len(urban)
        assert rural_share > urban_share


def test_branches_partners_and_users(app, runner):
    _load(runner)
    with app.app_context():
        branches = db.session.execute(select(Branch)).scalars().all()
        assert 25 <= len(branches) <= 35
        assert len({b.name for b in branches}) == len(branches)
        for branch in branches:
            assert branch.region.level == 3
            assert branch.region.branch_access == BranchAccess.BRANCH
            assert branch.address

        partners = db.session.execute(select(Partner)).scalars().all()
        assert {p.kind for p in partners} == set(PartnerKind)
        for partner in partners:
            assert partner.region.path.startswith(partner.branch.region.path)
            assert re.fullmatch(r"0532-8000 \d{4}", partner.contact_phone)
            assert partner.contact_name
        per_branch = Counter(p.branch_id for p in partners)
        assert set(per_branch) == {b.id for b in branches}

        users = db.session.execute(select(User)).scalars().all()
        roles = Counter(u.role for u in users)
        assert roles[Role.ADMIN] == 1 and roles[Role.HEAD] == 1
        assert roles[Role.STAFF] >= 2 * len(branches)
        head = next(u for u in users if u.role == Role.HEAD)
        assert head.username == "head" and head.region.division_code == "370212"
        staff = next(u for u in users if u.username == "staff")
        assert staff.role == Role.STAFF
        assert staff.branch.region.path.startswith(head.region.path)
        assert {u.branch_id for u in users if u.role == Role.STAFF} == {b.id for b in branches}
        assert len({u.password_hash for u in users}) <= 4


@pytest.mark.parametrize("role", ["admin", "head", "staff"])
def test_each_demo_login_works(runner, client, auth, role):
    result = _load(runner)
    logins = _logins(result.output)
    assert set(logins) == {"admin", "head", "staff"}
    username, password = logins[role]
    response = auth.login(username, password)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    assert auth.login(username, "wrong-password-123").status_code == 200


def test_events_are_consistent(app, runner):
    _load(runner)
    with app.app_context():
        events = db.session.execute(select(Event)).scalars().all()
        assert len(events) == 300
        first_day, last_day = TODAY - timedelta(days=365), TODAY + timedelta(days=61)
        today_start = datetime.combine(TODAY, datetime.min.time())
        statuses = Counter()
        for event in events:
            statuses[event.status] += 1
            assert first_day <= event.starts_at.date() <= last_day
            assert timedelta(hours=1) <= event.ends_at - event.starts_at <= timedelta(hours=3)
            assert 8 <= event.starts_at.hour <= 17
            # A home visit reaches a household, every other kind a room or a square.
            assert (1 if event.kind == "home_visit" else 20) <= event.expected_attendance <= 300
            assert event.title and event.venue
            assert event.created_at <= event.updated_at
            assert event.created_at.date() < TODAY
            if event.status == EventStatus.COMPLETED:
                assert event.starts_at < today_start
            elif event.status in (EventStatus.PLANNED, EventStatus.CONFIRMED):
                assert event.starts_at >= today_start
            assert bool(event.cancel_reason) == (event.status == EventStatus.CANCELLED)
            assert 1 <= len(event.target_groups) <= 3
            assert 1 <= len(event.topics) <= 3
            assert 1 <= len(event.staff) <= 2
            assert all(user.branch_id == event.branch_id for user in event.staff)
            assert event.created_by_id in {user.id for user in event.staff}
            assert event.region.path.startswith(event.branch.region.path)
            if event.kind == "branch":
                assert event.partner_id is None and event.region_id == event.branch.region_id
            else:
                assert event.partner.branch_id == event.branch_id
                assert event.partner.region_id == event.region_id
            if event.kind == "campus":
                assert event.partner.kind in (
                    PartnerKind.SCHOOL,
                    PartnerKind.UNIVERSITY,
                    PartnerKind.SPECIAL_EDUCATION,
                )
                assert any(g.code in ("youth", "disabled") for g in event.target_groups)
            if event.kind == "village":
                assert event.region.is_rural
            if event.kind == "home_visit":
                assert len(event.staff) == 2 and event.has_private_venue
        assert statuses[EventStatus.COMPLETED] > statuses[EventStatus.CANCELLED] > 0
        assert statuses[EventStatus.PLANNED] + statuses[EventStatus.CONFIRMED] > 0
        # Every kind is used, the ones the bank added too, and the newer target groups.
        assert {e.kind for e in events} == set(db.session.scalars(select(EventKind.code)))
        kinds = Counter(e.kind for e in events)
        assert kinds["business_area"] >= 5 and 3 <= kinds["home_visit"] < kinds["community"]
        groups = Counter(g.code for e in events for g in e.target_groups)
        assert groups["migrant_worker"] >= 5 and groups["foreign_resident"] >= 1
        hard = {BranchAccess.NONE, BranchAccess.HARD_TO_REACH}
        assert any(e.region.branch_access in hard for e in events)


def test_completed_events_have_handout_ledgers(app, runner):
    result = _load(runner)
    assert "ledger lines" in result.output
    with app.app_context():
        lines = db.session.execute(select(HandoutLedgerLine)).scalars().all()
        assert lines
        assert all(line.event.status is EventStatus.COMPLETED for line in lines)
        coded = [line for line in lines if line.print_run is not None]
        assert coded and all(0 < line.quantity <= line.print_run.copies for line in coded)
        assert all(line.event_id == line.print_run.event_id for line in coded)
        runs = db.session.execute(select(func.count(PrintRun.id))).scalar_one()
        assert len(coded) == runs  # every run's event reported what it handed out
        kinds = Counter(line.material for line in lines if line.material is not None)
        assert kinds[HandoutMaterial.BOOKLET] and kinds[HandoutMaterial.GIFT]
        gifts = [line for line in lines if line.material is HandoutMaterial.GIFT]
        assert all(line.label for line in gifts)
        assert_consistent()


def test_problems_are_raised_at_completed_events_and_followed_up(app, runner):
    _load(runner)
    with app.app_context():
        problems = db.session.execute(select(Problem)).scalars().all()
        assert len(problems) >= 20
        for p in problems:
            assert p.event.status is EventStatus.COMPLETED
            assert p.raised_on == p.event.starts_at.date() <= TODAY
            assert p.due_on == p.raised_on + timedelta(days=5)
            assert p.owner.branch_id == p.event.branch_id and p.owner.is_active
            assert p.description and not looks_personal(p.description)
            if p.is_open:
                assert not p.answer and p.closed_on is None and p.closed_at is None
            else:
                assert p.answer and p.raised_on <= p.closed_on <= TODAY
                assert p.closed_by_id == p.owner_id and p.callback_phone == ""
            if p.callback_phone:
                assert p.callback_consent and normalise_phone(p.callback_phone)
        closed = [p for p in problems if not p.is_open]
        late = [p for p in closed if p.is_closed_late]
        overdue = [p for p in problems if p.is_overdue(TODAY)]
        assert len(closed) - len(late) > len(late) > 0  # most closed in time, some late
        assert overdue and any(p.callback_phone for p in problems)


def test_some_completed_events_have_paper_sign_in(app, runner):
    result = _load(runner)
    with app.app_context():
        rows = db.session.execute(select(EventPaperAttendance)).scalars().all()
        events = {row.event_id for row in rows}
        assert len(events) >= 10
        assert "paper sign-in:" in result.output
        for row in rows:
            event = row.event
            assert event.status == EventStatus.COMPLETED and row.headcount > 0
            assert row.target_group_id in {g.id for g in event.target_groups}
        kinds = Counter(db.session.get(Event, event_id).kind for event_id in events)
        assert kinds["village"] > kinds.get("campus", 0)
        assert_consistent()


def test_reach_is_filled_at_events_and_without_one(app, runner):
    result = _load(runner)
    assert "articles and reports about events" in result.output
    with app.app_context():
        items = db.session.execute(select(ReachItem)).scalars().all()
        at_events = [item for item in items if item.event_id is not None]
        own = [item for item in items if item.event_id is None]
        assert at_events and own
        kinds = Counter(item.kind for item in items)
        assert kinds[ReachKind.WECHAT_ARTICLE] > kinds[ReachKind.NEWSPAPER] > 0
        assert any(item.kind is ReachKind.WECHAT_ARTICLE and item.reads for item in items)
        for item in at_events:
            assert item.event.status == EventStatus.COMPLETED
            assert item.branch_id == item.event.branch_id
            assert item.event.starts_at.date() <= item.published_on <= TODAY
        for item in items:
            assert item.region_id == item.branch.region_id
            assert check_url(item.url) == item.url
            assert item.published_on <= TODAY
            if item.kind in (ReachKind.NEWSPAPER, ReachKind.BROADCAST):
                assert item.reads is None and item.url == ""


def test_campus_events_teach_youth_campus_topics(app, runner):
    _load(runner)
    with app.app_context():
        university = aliased(Partner)
        rows = db.session.execute(
            select(Topic.code)
            .join(event_topic, event_topic.c.topic_id == Topic.id)
            .join(Event, Event.id == event_topic.c.event_id)
            .join(university, university.id == Event.partner_id)
            .where(university.kind == PartnerKind.UNIVERSITY)
        ).scalars()
        codes = Counter(rows)
        assert codes["fraud_campus_loan"] > 0
        assert codes["fraud_pension"] == 0
        senior_groups = db.session.execute(
            select(TargetGroup.code)
            .join(event_target_group, event_target_group.c.target_group_id == TargetGroup.id)
            .join(Event, Event.id == event_target_group.c.event_id)
            .join(Partner, Partner.id == Event.partner_id)
            .where(Partner.kind == PartnerKind.SENIOR_HOME)
        ).scalars()
        assert set(senior_groups) <= {"seniors", "disabled", "rural"}


def test_refuses_a_database_with_regions(app, runner):
    result = runner.invoke(args=["demo-data", "--events", "20"])  # today's date by default
    assert result.exit_code == 0, result.output
    with app.app_context():
        before = db.session.execute(select(func.count(Region.id))).scalar_one()
    again = runner.invoke(args=ARGS)
    assert again.exit_code != 0
    assert "already has regions" in again.output
    with app.app_context():
        assert db.session.execute(select(func.count(Region.id))).scalar_one() == before
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 20


def test_refuses_when_a_demo_user_name_is_taken(app, runner):
    with app.app_context():
        db.session.add(User(username="admin", role=Role.ADMIN, password_hash="x"))
        db.session.commit()
    result = runner.invoke(args=ARGS)
    assert result.exit_code != 0
    assert "admin" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count(Region.id))).scalar_one() == 0


def test_if_empty_loads_once_then_does_nothing(app, runner):
    first = runner.invoke(args=[*ARGS, "--if-empty"])
    assert first.exit_code == 0 and "Demo data loaded" in first.output
    second = runner.invoke(args=[*ARGS, "--if-empty"])
    assert second.exit_code == 0
    assert "not loaded" in second.output
    with app.app_context():
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 300
        assert db.session.execute(select(func.count(User.id))).scalar_one() > 30


def test_orm_inserts_after_the_bulk_load_get_new_ids(app, runner):
    _load(runner)
    with app.app_context():
        max_ids = {
            model: db.session.execute(select(func.max(model.id))).scalar_one()
            for model in (Region, Branch, Partner, User, Event)
        }
        city = db.session.execute(select(Region).where(Region.level == 1)).scalar_one()
        district = add_region("测试区", city, division_code="370299")
        branch = Branch(name="测试支行", region=district)
        db.session.add(branch)
        db.session.flush()
        partner = Partner(
            name="测试社区居委会", kind=PartnerKind.OTHER, region=district, branch=branch
        )
        user = User(username="new-staff", role=Role.STAFF, branch=branch, password_hash="x")
        start = datetime(2026, 12, 1, 9, 30)
        event = Event(
            title="新增活动",
            kind="community",
            branch=branch,
            region=district,
            partner=partner,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        event.topics = list(db.session.execute(select(Topic).limit(2)).scalars())
        event.staff = [user]
        db.session.add_all([partner, user, event])
        db.session.commit()
        for obj, model in ((district, Region), (branch, Branch), (partner, Partner)):
            assert obj.id > max_ids[model]
        assert user.id > max_ids[User] and event.id > max_ids[Event]
        assert district.path == f"{city.path}{district.id}/"


@pytest.mark.parametrize("extra", [(), ("--if-empty",)], ids=["load", "if-empty"])
def test_refused_under_the_production_configuration(app, database_url, extra):
    """The demo logins' passwords are published: production never gets them, and is told why."""
    from outreach_app import create_app
    from outreach_app.demo.generate import DEMO_PASSWORDS

    production = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "production-test-secret-key-0000000000000000000000",
            "PUBLIC_BASE_URL": "https://outreach.bank.example",
        },
    )
    try:
        result = production.test_cli_runner().invoke(args=[*ARGS, *extra])
        assert result.exit_code != 0
        assert "refused under the production configuration" in result.output
        assert "flask create-user" in result.output
        assert not any(password in result.output for password in DEMO_PASSWORDS.values())
        with production.app_context():
            assert db.session.execute(select(func.count(Region.id))).scalar_one() == 0
            assert db.session.execute(select(func.count(User.id))).scalar_one() == 0
    finally:
        with production.app_context():
            db.engine.dispose()
