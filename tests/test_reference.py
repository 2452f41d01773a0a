"""Event kinds and target groups as data: the admin pages (list, add, edit, retire, restore),
their checks, and a kind or group added there reaching the forms, filters and figures."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from outreach_app.core.roles import Role
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.data import EVENT_KINDS, TARGET_GROUPS
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.reference.services import CODE_RE
from outreach_app.regions.models import Branch, Region
from tests.coverage_data import assert_consistent, local_today
from tests.factories import add_event, confirm, make_event, make_user
from tests.helpers import PASSWORD, audit_entries, count, feed_path, report_form, snapshot


def listed(html: str) -> list[int]:
    """Event ids of the event list's rows, in order."""
    return [int(n) for n in re.findall(r'data-testid="event-row" data-event-id="(\d+)"', html)]


NEW_KIND = {
    "code": "market_day",
    "name_zh": "进集市",
    "name_en": "Market day",
    "sort_order": "",
    "min_staff": "1",
}
NEW_GROUP = {"code": "veterans", "name_zh": "退役军人", "name_en": "Veterans", "sort_order": "3"}


def kind_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(EventKind.id).where(EventKind.code == code))


def group_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == code))


def test_shipped_codes_follow_the_code_rule():
    for code, *_rest in EVENT_KINDS + [(g[0],) for g in TARGET_GROUPS]:
        assert CODE_RE.fullmatch(code), code


def test_admin_sees_every_kind_and_group_and_the_nav_links_them(app, client, auth, world):
    auth.login("admin")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin/kinds-and-groups"' in home
    page = client.get("/admin/kinds-and-groups").get_data(as_text=True)
    for code, name_zh, _en, *_rules in EVENT_KINDS:
        assert f'data-code="{code}"' in page and name_zh in page
    for code, name_zh, _en in TARGET_GROUPS:
        assert f'data-code="{code}"' in page and name_zh in page


@pytest.mark.parametrize("username", ["head_a", "staff_a"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/admin/kinds-and-groups"),
        ("GET", "/admin/kinds/new"),
        ("POST", "/admin/kinds/new"),
        ("GET", "/admin/groups/new"),
        ("POST", "/admin/groups/new"),
        ("GET", "/admin/kinds/1/edit"),
        ("POST", "/admin/kinds/1/edit"),
        ("GET", "/admin/groups/1/retire"),
        ("POST", "/admin/groups/1/retire"),
        ("POST", "/admin/kinds/1/restore"),
    ],
)
def test_only_admins_may_change_kinds_and_groups(app, client, auth, world, username, method, path):
    before = snapshot(app, EventKind, TargetGroup)
    auth.login(username)
    data = {**NEW_KIND, **NEW_GROUP} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 403
    assert snapshot(app, EventKind, TargetGroup) == before


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/admin/kinds-and-groups")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/kinds/999/edit",
        "/admin/groups/999/retire",
        f"/admin/kinds/{2**31}/edit",
        f"/admin/groups/{2**63}/edit",
        "/admin/kinds/-1/edit",
        "/admin/places/1/edit",
    ],
)
def test_unknown_and_huge_ids_are_404(client, auth, world, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


def test_admin_adds_a_kind_which_is_audited_and_offered(app, client, auth, world):
    auth.login("admin")
    response = client.post("/admin/kinds/new", data=NEW_KIND, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "进集市" in page and 'role="alert"' in page or "alert-success" in page
    new_id = kind_id(app, "market_day")
    with app.app_context():
        kind = db.session.get(EventKind, new_id)
        # Left empty, the order puts it last.
        assert kind.sort_order == len(EVENT_KINDS) + 1
        assert (kind.is_retired, kind.min_staff, kind.private_venue) == (False, 1, False)
    [(action, detail)] = audit_entries(app, "event_kind", new_id)
    assert action == "event_kind.create" and detail["code"] == "market_day"
    form = client.get("/events/new").get_data(as_text=True)
    assert 'value="market_day"' in form


def test_admin_adds_a_group(app, client, auth, world):
    auth.login("admin")
    client.post("/admin/groups/new", data=NEW_GROUP)
    new_id = group_id(app, "veterans")
    assert new_id is not None
    assert [a for a, _d in audit_entries(app, "target_group", new_id)] == ["target_group.create"]
    form = client.get("/events/new").get_data(as_text=True)
    assert "退役军人" in form


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"code": ""}, "code", "Enter a code."),
        ({"code": "A"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "x"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "Home_Visit"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "home-visit"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "a" * 17}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "' OR 1=1--"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "村镇"}, "code", "Use 2 to 16 lowercase letters"),
        ({"code": "home_visit"}, "code", "The code home_visit is taken"),
        ({"code": "bad\x1fcode"}, "code", "invisible characters"),
        ({"name_zh": ""}, "name_zh", "Enter the Chinese name."),
        ({"name_en": "   "}, "name_en", "Enter the English name."),
        ({"name_zh": "集\x7f市"}, "name_zh", "invisible characters"),
        ({"name_en": "Market\x1bday"}, "name_en", "invisible characters"),
        ({"name_zh": "集" * 81}, "name_zh", "80 characters or fewer"),
        ({"name_en": "M" * 121}, "name_en", "120 characters or fewer"),
        ({"sort_order": "-1"}, "sort_order", "from 0 to 10,000"),
        ({"sort_order": str(2**63)}, "sort_order", "from 0 to 10,000"),
        ({"sort_order": "0x10"}, "sort_order", "Enter a whole number."),
        ({"min_staff": "0"}, "min_staff", "from 1 to 10"),
        ({"min_staff": "11"}, "min_staff", "from 1 to 10"),
        ({"min_staff": ""}, "min_staff", "from 1 to 10"),
    ],
)
def test_a_bad_kind_is_refused_beside_its_field(app, english, auth, world, changes, field, message):
    before = snapshot(app, EventKind)
    auth.login("admin")
    response = english.post("/admin/kinds/new", data={**NEW_KIND, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page and message in page
    assert snapshot(app, EventKind) == before


@pytest.mark.parametrize("field", ["code", "name_zh", "name_en"])
def test_a_nul_byte_is_refused_and_nothing_stored(app, client, auth, world, field):
    before = snapshot(app, EventKind)
    auth.login("admin")
    response = client.post("/admin/kinds/new", data={**NEW_KIND, field: "集\x00市"})
    assert response.status_code == 400
    assert snapshot(app, EventKind) == before


def test_spoofing_characters_are_dropped_from_names(app, client, auth, world):
    auth.login("admin")
    client.post("/admin/kinds/new", data={**NEW_KIND, "name_zh": "进\u202e集\u200b市"})
    with app.app_context():
        kind = db.session.scalars(select(EventKind).where(EventKind.code == "market_day")).one()
        assert kind.name_zh == "进集市"


def test_a_taken_group_code_is_refused(app, english, auth, world):
    auth.login("admin")
    before = count(app, TargetGroup)
    page = english.post("/admin/groups/new", data={**NEW_GROUP, "code": "seniors"})
    assert "The code seniors is taken" in page.get_data(as_text=True)
    assert count(app, TargetGroup) == before


def test_editing_changes_names_and_rules_never_the_code(app, client, auth, world):
    auth.login("admin")
    home_visit = kind_id(app, "home_visit")
    response = client.post(
        f"/admin/kinds/{home_visit}/edit",
        data={
            "code": "hacked",
            "name_zh": "上门金融服务",
            "name_en": "Home visit",
            "sort_order": "6",
            "min_staff": "3",
            "private_venue": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        kind = db.session.get(EventKind, home_visit)
        assert (kind.code, kind.name_zh, kind.min_staff, kind.private_venue) == (
            "home_visit",
            "上门金融服务",
            3,
            True,
        )
    [(action, detail)] = audit_entries(app, "event_kind", home_visit)
    assert action == "event_kind.update"
    assert detail["changes"] == {"name_zh": ["上门服务", "上门金融服务"], "min_staff": [2, 3]}
    # The same values again change nothing and record nothing.
    client.post(
        f"/admin/kinds/{home_visit}/edit",
        data={
            "name_zh": "上门金融服务",
            "name_en": "Home visit",
            "sort_order": "6",
            "min_staff": "3",
            "private_venue": "y",
        },
    )
    assert len(audit_entries(app, "event_kind", home_visit)) == 1


def test_retire_asks_first_then_restore_brings_it_back(app, client, auth, world):
    auth.login("admin")
    campus = kind_id(app, "campus")
    ask = client.get(f"/admin/kinds/{campus}/retire").get_data(as_text=True)
    assert "Nothing is deleted" in ask or "不会删除" in ask
    with app.app_context():
        assert db.session.get(EventKind, campus).is_retired is False
    client.post(f"/admin/kinds/{campus}/retire")
    with app.app_context():
        assert db.session.get(EventKind, campus).is_retired is True
    form = client.get("/events/new").get_data(as_text=True)
    assert 'value="campus"' not in form
    listing = client.get("/admin/kinds-and-groups").get_data(as_text=True)
    assert 'data-code="campus" class="is-inactive"' in listing
    client.post(f"/admin/kinds/{campus}/restore")
    with app.app_context():
        assert db.session.get(EventKind, campus).is_retired is False
    actions = [a for a, _d in audit_entries(app, "event_kind", campus)]
    assert actions == ["event_kind.retire", "event_kind.restore"]
    # Restoring what is active changes nothing.
    client.post(f"/admin/kinds/{campus}/restore")
    assert len(audit_entries(app, "event_kind", campus)) == 2


def test_retiring_a_group_keeps_it_out_of_new_events(app, client, auth, world):
    auth.login("admin")
    rural = group_id(app, "rural")
    client.post(f"/admin/groups/{rural}/retire")
    assert [a for a, _d in audit_entries(app, "target_group", rural)] == ["target_group.retire"]
    form = client.get("/events/new").get_data(as_text=True)
    assert f'id="target_group_ids-{rural}"' not in form
    assert f'id="target_group_ids-{group_id(app, "seniors")}"' in form


# --- kinds and groups in use -------------------------------------------------------------------

PRIVATE_ADDRESS = "幸福里小区3号楼502室"
PUBLIC_VENUE = "湛山社区活动中心二楼"


def _today_at(hour: int) -> datetime:
    """Today at ``hour`` in the bank's time zone: inside the coverage period, the calendar's
    month and the feed's window."""
    return datetime.combine(local_today(), time(hour))


def _event_form(app, world, **changes) -> dict:
    start = _today_at(9)
    data = {
        "title": "上门讲解防诈骗",
        "kind": "home_visit",
        "branch_id": str(world.branch_a_id),
        "partner_id": str(world.partner_a_id),
        "region_id": "",
        "venue": PRIVATE_ADDRESS,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "target_group_ids": [str(group_id(app, "seniors"))],
        "topic_ids": [str(i) for i in topic_ids(app, "fraud_pension")],
        "staff_ids": [str(world.staff_a_id)],
        "expected_attendance": "2",
        "notes": "",
    }
    data.update(changes)
    return data


def topic_ids(app, *codes: str) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Topic.id).where(Topic.code.in_(codes))))


@pytest.fixture
def second_staff(app, world) -> int:
    """Another member of branch A's staff."""
    with app.app_context():
        user = make_user(
            "staff_a2", Role.STAFF, PASSWORD, branch=db.session.get(Branch, world.branch_a_id)
        )
        db.session.commit()
        return user.id


def test_a_home_visit_needs_two_staff(app, english, auth, world, second_staff):
    auth.login("staff_a")
    response = english.post("/events/new", data=_event_form(app, world))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="staff_ids-error"' in page and "Home visit: assign at least 2 staff." in page
    assert count(app, Event, kind="home_visit") == 0
    response = english.post(
        "/events/new",
        data=_event_form(app, world, staff_ids=[str(world.staff_a_id), str(second_staff)]),
    )
    assert response.status_code == 302
    assert count(app, Event, kind="home_visit") == 1


def test_the_rule_is_worded_from_the_kind(app, client, auth, world):
    """Raise another kind's rule on the admin page: the event form asks for that many."""
    auth.login("admin")
    campus = kind_id(app, "campus")
    client.post(
        f"/admin/kinds/{campus}/edit",
        data={"name_zh": "进校园", "name_en": "Campus", "sort_order": "3", "min_staff": "3"},
    )
    response = client.post("/events/new", data=_event_form(app, world, kind="campus"))
    assert "进校园：请至少指派 3 名工作人员。" in response.get_data(as_text=True)


def test_a_retired_kind_stays_on_old_events_but_is_refused_for_new_ones(
    app, client, english, auth, world
):
    campus_event = add_event(app, world, "a", "校园讲座", kind="campus", groups=("rural",))
    auth.login("admin")
    client.post(f"/admin/kinds/{kind_id(app, 'campus')}/retire")
    client.post(f"/admin/groups/{group_id(app, 'rural')}/retire")

    # Editing the old event offers and keeps its retired kind and group.
    edit = english.get(f"/events/{campus_event}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="campus">|<option value="campus" selected', edit)
    assert f'id="target_group_ids-{group_id(app, "rural")}"' in edit
    data = _event_form(
        app,
        world,
        title="校园讲座（改）",
        kind="campus",
        venue="",
        target_group_ids=[str(group_id(app, "rural"))],
    )
    assert english.post(f"/events/{campus_event}/edit", data=data).status_code == 302
    with app.app_context():
        event = db.session.get(Event, campus_event)
        assert (event.title, event.kind) == ("校园讲座（改）", "campus")
        assert [g.code for g in event.target_groups] == ["rural"]

    # A new event may not have them, even when posted anyway.
    new = english.get("/events/new").get_data(as_text=True)
    assert 'value="campus"' not in new
    response = english.post("/events/new", data={**data, "title": "新校园讲座"})
    page = response.get_data(as_text=True)
    assert "Campus is no longer used for new events; choose another kind." in page
    assert "No longer offered for new events: Rural residents." in page
    assert count(app, Event, title="新校园讲座") == 0

    # The list's filter offers it only once chosen; coverage still counts its events.
    listing = english.get("/events/").get_data(as_text=True)
    assert 'value="campus"' not in listing
    chosen = english.get("/events/?kind=campus").get_data(as_text=True)
    assert 'value="campus"' in chosen and "校园讲座（改）" in chosen
    data = english.get(f"/coverage/{world.city_id}.json").get_json()
    assert "campus" in [row["kind"] for row in data["by_kind"]]
    assert "rural" in [row["group"] for row in data["by_group"]]


def test_a_retired_kind_without_figures_leaves_coverage(app, client, auth, world):
    auth.login("admin")
    client.post(f"/admin/kinds/{kind_id(app, 'enterprise')}/retire")
    data = client.get(f"/coverage/{world.city_id}.json").get_json()
    assert "enterprise" not in [row["kind"] for row in data["by_kind"]]


def test_a_kind_and_group_added_on_the_admin_page_reach_every_place(
    app, client, auth, world, tmp_path
):
    auth.login("admin")
    client.post("/admin/kinds/new", data=NEW_KIND)
    client.post("/admin/groups/new", data=NEW_GROUP)
    veterans = group_id(app, "veterans")
    form = _event_form(
        app,
        world,
        title="集市反诈宣传",
        kind="market_day",
        venue=PUBLIC_VENUE,
        target_group_ids=[str(veterans)],
    )
    assert client.post("/events/new", data=form).status_code == 302
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.kind == "market_day"))
        assert_consistent()

    listing = client.get("/events/").get_data(as_text=True)
    assert '<option value="market_day">进集市</option>' in listing
    assert f'<option value="{veterans}">退役军人</option>' in listing
    assert listed(client.get("/events/?kind=market_day").get_data(as_text=True)) == [event_id]
    assert listed(client.get(f"/events/?group={veterans}").get_data(as_text=True)) == [event_id]
    assert "进集市" in client.get(f"/events/{event_id}").get_data(as_text=True)
    exported = client.get("/events/export.csv").get_data(as_text=True)
    assert "进集市" in exported and "退役军人" in exported

    data = client.get(f"/coverage/{world.city_id}.json").get_json()
    [kind_row] = [row for row in data["by_kind"] if row["kind"] == "market_day"]
    assert kind_row["events_planned"] == 1
    assert (kind_row["name_zh"], kind_row["name_en"]) == ("进集市", "Market day")
    [group_row] = [row for row in data["by_group"] if row["group"] == "veterans"]
    assert group_row["name_zh"] == "退役军人"
    page = client.get(f"/coverage/{world.city_id}").get_data(as_text=True)
    assert "进集市" in page and "退役军人" in page
    csv_text = client.get(f"/coverage/{world.city_id}/export.csv").get_data(as_text=True)
    assert "进集市" in csv_text and "退役军人" in csv_text
    assert "进集市" in _xlsx_text(client.get(f"/coverage/{world.city_id}/export.xlsx").data)
    pdf = _pdf_text(client.get(f"/coverage/{world.city_id}/export.pdf").data, tmp_path)
    assert "进集市" in pdf and "退役军人" in pdf


def _xlsx_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_private_venue_shows_on_the_event_page_only(
    app, client, auth, world, second_staff, tmp_path
):
    start = _today_at(10)
    both = (world.staff_a_id, second_staff)
    visit = add_event(
        app,
        world,
        "a",
        "上门服务王阿姨",
        kind="home_visit",
        venue=PRIVATE_ADDRESS,
        starts_at=start,
        staff_ids=both,
    )
    talk = add_event(
        app, world, "a", "社区讲座", venue=PUBLIC_VENUE, starts_at=start, staff_ids=both
    )
    auth.login("staff_a")
    page = client.get(f"/events/{visit}").get_data(as_text=True)
    assert PRIVATE_ADDRESS in page and 'data-testid="private-venue"' in page

    day = start.date()
    places = {
        "list": "/events/",
        "list, searched by title": "/events/?q=上门服务",
        "month calendar": f"/events/calendar?month={day:%Y-%m}",
        "week calendar": f"/events/calendar?view=week&date={day.isoformat()}",
        "home page": "/",
        "partner page": f"/partners/{world.partner_a_id}",
        "coverage page": f"/coverage/{world.community_a_id}",
        "coverage JSON": f"/coverage/{world.community_a_id}.json",
        "coverage CSV": f"/coverage/{world.community_a_id}/export.csv",
        "events CSV": "/events/export.csv",
    }
    for name, path in places.items():
        response = client.get(path)
        assert response.status_code == 200, name
        assert PRIVATE_ADDRESS not in response.get_data(as_text=True), name
    assert "上门服务王阿姨" in client.get("/events/").get_data(as_text=True)
    # The events export still has the other event's venue: only the private one is left out.
    assert PUBLIC_VENUE in client.get("/events/export.csv").get_data(as_text=True)
    coverage = f"/coverage/{world.community_a_id}"
    for name, data in {
        "events XLSX": _xlsx_text(client.get("/events/export.xlsx").data),
        "coverage XLSX": _xlsx_text(client.get(f"{coverage}/export.xlsx").data),
        "coverage PDF": _pdf_text(client.get(f"{coverage}/export.pdf").data, tmp_path),
    }.items():
        assert PRIVATE_ADDRESS not in data, name
    # Searching for the address finds nothing; the public venue is found.
    assert listed(client.get("/events/?q=幸福里").get_data(as_text=True)) == []
    assert listed(client.get("/events/?q=活动中心").get_data(as_text=True)) == [talk]
    # The calendar feed names the area, not the home.
    client.post("/events/feed/renew")
    feed = app.test_client().get(feed_path(client)).get_data(as_text=True)
    assert "上门服务王阿姨" in feed and PRIVATE_ADDRESS not in feed
    assert "活动中心" in feed


def test_rollups_equal_a_recount_for_events_of_the_new_kinds(app, world):
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        community = db.session.get(Region, world.community_a_id)
        partner = db.session.get(Partner, world.partner_a_id)
        area = make_event(
            "商圈宣传",
            branch,
            community,
            partner,
            kind="business_area",
            groups=("migrant_worker", "foreign_resident"),
        )
        visit = make_event(
            "上门服务",
            branch,
            community,
            partner,
            kind="home_visit",
            groups=("seniors", "disabled"),
        )
        db.session.commit()
        assert_consistent()
        visit.status = EventStatus.COMPLETED
        area.kind = "community"
        db.session.commit()
        assert_consistent()
        db.session.delete(visit)
        db.session.commit()
        assert_consistent()


def test_the_report_counts_active_groups_and_the_events_own_retired_ones(app, client, auth, world):
    rural_event = add_event(app, world, "a", "农村讲座", groups=("rural",))
    other = add_event(app, world, "a", "社区讲座", groups=("seniors",))
    confirm(app, rural_event)
    confirm(app, other)
    auth.login("admin")
    rural = group_id(app, "rural")
    client.post(f"/admin/groups/{rural}/retire")
    kept = client.get(f"/events/{rural_event}/report").get_data(as_text=True)
    assert f'name="attendance_{rural}"' in kept
    dropped = client.get(f"/events/{other}/report").get_data(as_text=True)
    assert f'name="attendance_{rural}"' not in dropped
    assert f'name="attendance_{group_id(app, "migrant_worker")}"' in dropped
    # A count posted anyway for the retired group is not stored on the other event.
    data = report_form(app, seniors=20, rural=5)
    assert client.post(f"/events/{other}/report", data=data).status_code == 302
    with app.app_context():
        counts = {a.target_group.code: a.headcount for a in db.session.get(Event, other).attendance}
        assert counts == {"seniors": 20}
        assert_consistent()
