"""The event list, the calendar, exports and the private calendar feed: scope, filters, files."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import Headers

from outreach_app.auth.models import User
from outreach_app.core.downloads import content_disposition, safe_filename, spreadsheet_safe
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, Region
from outreach_app.schedule.exports import xlsx_workbook
from outreach_app.schedule.services import EventFilters, event_page
from tests.factories import add_event, make_partner
from tests.helpers import feed_path, sql_statements

ROLES_SEEING = {
    "admin": {"a", "b"},
    "head_a": {"a"},
    "staff_a": {"a"},
    "staff_b": {"b"},
}
TITLE_A = "湛山社区防诈讲座"
TITLE_B = "港东村金融知识进乡村"
MARCH = datetime(2031, 3, 5, 9, 0)  # a Wednesday; March 2031 starts on a Saturday


# A day no test's date range or calendar period covers: the factory's default dates move on with
# every event made in the test run, and could otherwise fall inside them.
WORLD_DAY = datetime(2030, 6, 15, 9, 30)


@pytest.fixture
def world(app, world):
    """The default world, with both of its events on WORLD_DAY."""
    move_world_events(app, world, WORLD_DAY)
    return world


# --- helpers ---------------------------------------------------------------------------------


def world_ids(world) -> dict[str, int]:
    return {"a": world.event_a_id, "b": world.event_b_id}


def listed(html: str) -> list[int]:
    """Event ids of the list's rows, in order."""
    return [int(n) for n in re.findall(r'data-testid="event-row" data-event-id="(\d+)"', html)]


def in_calendar(html: str) -> list[int]:
    """Event ids shown in calendar cells, in order."""
    return [int(n) for n in re.findall(r'href="/events/(\d+)"[^>]*data-testid="cal-event"', html)]


def day_cell(html: str, day: str) -> str:
    """The HTML of one calendar day (a month cell or a week column)."""
    match = re.search(rf'data-day="{day}".*?</(td|section)>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(0)


def update_event(app, event_id: int, **values) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        for key, value in values.items():
            setattr(event, key, value)
        db.session.commit()


def move_world_events(app, world, starts_at: datetime = MARCH) -> None:
    """Put both world events on a known day."""
    for event_id in world_ids(world).values():
        update_event(app, event_id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))


def local_today(app) -> date:
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def reference_id(app, model, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(model.id).where(model.code == code)).scalar_one()


# --- the list: scope -------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, world):
    for path in ("/events/", "/events/calendar", "/events/export.csv", "/events/feed"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", sorted(ROLES_SEEING))
def test_list_shows_only_the_users_scope(client, auth, world, username):
    auth.login(username)
    html = client.get("/events/").get_data(as_text=True)
    ids = world_ids(world)
    assert set(listed(html)) == {ids[k] for k in ROLES_SEEING[username]}
    for key, title in (("a", TITLE_A), ("b", TITLE_B)):
        assert (title in html) == (key in ROLES_SEEING[username])


def test_list_links_each_event_and_shows_its_facts(client, auth, english, world):
    auth.login("admin")
    html = client.get("/events/").get_data(as_text=True)
    assert f'href="/events/{world.event_a_id}"' in html
    assert "湛山社区 · 湛山社区居委会" in re.sub(r"<[^>]+>", "", html)
    assert 'class="badge badge-group">老年人' in html or "Seniors" in html
    assert "市南支行" in html  # the branch column, for admins and heads
    assert 'class="badge status-badge status-planned"' in html


def test_staff_do_not_get_a_branch_column(client, auth, english, world):
    auth.login("staff_a")
    html = client.get("/events/").get_data(as_text=True)
    assert '<th scope="col">Branch</th>' not in html
    auth.logout()
    auth.login("head_a")
    assert '<th scope="col">Branch</th>' in client.get("/events/").get_data(as_text=True)


def test_empty_list_offers_to_plan_an_event(app, client, auth, english, world):
    with app.app_context():
        db.session.execute(Event.__table__.delete())
        db.session.commit()
    auth.login("staff_a")
    html = client.get("/events/").get_data(as_text=True)
    assert "No events yet." in html
    assert 'href="/events/new"' in html


# --- the list: filters -----------------------------------------------------------------------


def test_filter_by_kind_and_status(app, client, auth, world):
    done = add_event(app, world, "a", "已完成的讲座", status=EventStatus.COMPLETED)
    campus = add_event(app, world, "a", "校园讲座", kind="campus")
    auth.login("admin")
    assert listed(client.get("/events/?kind=village").get_data(as_text=True)) == [world.event_b_id]
    assert listed(client.get("/events/?kind=campus").get_data(as_text=True)) == [campus]
    assert listed(client.get("/events/?status=completed").get_data(as_text=True)) == [done]
    html = client.get("/events/?status=planned&kind=community").get_data(as_text=True)
    assert set(listed(html)) == {world.event_a_id}


def test_filter_by_target_group_and_topic(app, client, auth, world):
    youth = add_event(app, world, "a", "青少年讲座", groups=("youth", "general"))
    atm = add_event(app, world, "a", "ATM教学", topics=("digital_atm",))
    auth.login("admin")
    group = reference_id(app, TargetGroup, "youth")
    topic = reference_id(app, Topic, "digital_atm")
    assert listed(client.get(f"/events/?group={group}").get_data(as_text=True)) == [youth]
    assert listed(client.get(f"/events/?topic={topic}").get_data(as_text=True)) == [atm]
    seniors = reference_id(app, TargetGroup, "seniors")
    html = client.get(f"/events/?group={seniors}&topic={topic}").get_data(as_text=True)
    assert listed(html) == [atm]


def test_filter_by_region_takes_the_subtree(app, client, auth, world):
    auth.login("admin")
    for region, expected in (
        (world.city_id, {world.event_a_id, world.event_b_id}),
        (world.district_a_id, {world.event_a_id}),
        (world.community_b_id, {world.event_b_id}),
    ):
        html = client.get(f"/events/?region={region}").get_data(as_text=True)
        assert set(listed(html)) == expected, region


def test_region_and_partner_outside_scope_are_ignored(client, auth, world):
    auth.login("head_a")
    for query in (f"region={world.district_b_id}", f"partner={world.partner_b_id}"):
        html = client.get(f"/events/?{query}").get_data(as_text=True)
        assert listed(html) == [world.event_a_id], query
        assert TITLE_B not in html


def test_filter_by_partner(app, client, auth, world):
    with app.app_context():
        other = make_partner(
            "湛山小学",
            db.session.get(Branch, world.branch_a_id),
            db.session.get(Region, world.community_a_id),
        )
        db.session.commit()
        other_id = other.id
    at_school = add_event(app, world, "a", "小学讲座", partner=False)
    update_event(app, at_school, partner_id=other_id)
    auth.login("staff_a")
    html = client.get(f"/events/?partner={other_id}").get_data(as_text=True)
    assert listed(html) == [at_school]
    html = client.get(f"/events/?partner={world.partner_a_id}").get_data(as_text=True)
    assert listed(html) == [world.event_a_id]


def test_filter_by_date_range(app, client, auth, world):
    early = add_event(app, world, "a", "三月初", starts_at=datetime(2031, 3, 1, 9, 0))
    late = add_event(app, world, "a", "三月底", starts_at=datetime(2031, 3, 31, 23, 30))
    april = add_event(app, world, "a", "四月", starts_at=datetime(2031, 4, 1, 0, 0))
    auth.login("staff_a")
    html = client.get("/events/?from=2031-03-01&to=2031-03-31").get_data(as_text=True)
    assert set(listed(html)) == {early, late}
    html = client.get("/events/?from=2031-04-01").get_data(as_text=True)
    assert april in listed(html)
    assert early not in listed(html)
    # A range given backwards is read the right way round.
    html = client.get("/events/?from=2031-03-31&to=2031-03-01").get_data(as_text=True)
    assert set(listed(html)) == {early, late}


def test_search_finds_title_venue_and_partner_name(app, client, auth, world):
    in_venue = add_event(app, world, "a", "讲座", venue="颐和养老院多功能厅")
    auth.login("staff_a")
    assert listed(client.get("/events/?q=防诈").get_data(as_text=True)) == [world.event_a_id]
    assert listed(client.get("/events/?q=养老院").get_data(as_text=True)) == [in_venue]
    html = client.get("/events/?q=居委会").get_data(as_text=True)
    assert set(listed(html)) == {world.event_a_id, in_venue}  # both are with 湛山社区居委会
    assert listed(client.get("/events/?q=%25").get_data(as_text=True)) == []  # LIKE escaped


def test_search_in_english_ignores_case(app, client, auth, world):
    hall = add_event(app, world, "a", "Fraud Talk", venue="Community Hall")
    auth.login("staff_a")
    assert listed(client.get("/events/?q=fraud talk").get_data(as_text=True)) == [hall]
    assert listed(client.get("/events/?q=HALL").get_data(as_text=True)) == [hall]


def test_filters_combine(app, client, auth, world):
    group = reference_id(app, TargetGroup, "youth")
    match = add_event(
        app,
        world,
        "a",
        "校园防诈",
        kind="campus",
        status=EventStatus.CONFIRMED,
        groups=("youth",),
        starts_at=datetime(2031, 5, 10, 9, 0),
    )
    add_event(app, world, "a", "校园防诈", kind="campus", groups=("youth",))
    add_event(app, world, "a", "社区防诈", status=EventStatus.CONFIRMED, groups=("youth",))
    auth.login("head_a")
    query = (
        f"kind=campus&status=confirmed&group={group}&region={world.district_a_id}"
        "&from=2031-05-01&to=2031-05-31&q=防诈"
    )
    assert listed(client.get(f"/events/?{query}").get_data(as_text=True)) == [match]


@pytest.mark.parametrize(
    "query",
    [
        "kind=spaceship",
        "status=COMPLETED",
        "group=abc",
        "group=99999",
        "topic=-1",
        "topic=0x10",
        "region=9999999999999999999999",
        "region=1%20OR%201=1",
        "partner=' OR 1=1--",
        "partner=%01",
        "from=2031-13-01",
        "from=2031-02-30",
        "to=99999-01-01",
        "to=0001-01-01",
        "from=%E2%80%AE2031-01-01",
        "sort=id;DROP TABLE event",
        "page=-3",
        "page=abc",
        "page=99999999999999999999",
        "q=" + "长" * 500,
        "q=%01%0d%0a",
        "kind=village&kind=campus",
        "_external=1&endpoint=x&_method=DELETE",
    ],
)
def test_garbage_filters_are_ignored(client, auth, world, query):
    auth.login("staff_a")
    response = client.get(f"/events/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if not query.startswith(("q=", "kind=village")):
        assert listed(html) == [world.event_a_id], query
    assert TITLE_B not in html


def test_filter_bar_shows_the_chosen_values(app, client, auth, world):
    group = reference_id(app, TargetGroup, "seniors")
    auth.login("staff_a")
    html = client.get(
        f"/events/?kind=community&group={group}&q=<b>x</b>&from=2031-01-02&sort=title"
    ).get_data(as_text=True)
    assert '<option value="community" selected>' in html
    assert f'<option value="{group}" selected>' in html
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in html
    assert 'value="2031-01-02"' in html
    assert '<option value="title" selected>' in html
    assert '<form method="get" action="/events/" class="filter-bar' in html


def test_filter_bar_offers_only_partners_and_regions_in_scope(client, auth, world):
    auth.login("staff_a")
    html = client.get("/events/").get_data(as_text=True)
    assert "湛山社区居委会" in html
    assert "港东村委会" not in html
    assert "港东村" not in html


# --- the list: sorting, pages and counting ---------------------------------------------------


def test_sorting(app, client, auth, world):
    ids = {
        "c": add_event(app, world, "a", "C talk", starts_at=datetime(2031, 1, 1, 9, 0)),
        "a": add_event(
            app,
            world,
            "a",
            "A talk",
            starts_at=datetime(2031, 1, 3, 9, 0),
            status=EventStatus.CANCELLED,
        ),
        "b": add_event(
            app,
            world,
            "a",
            "B talk",
            starts_at=datetime(2031, 1, 2, 9, 0),
            status=EventStatus.CONFIRMED,
        ),
    }
    auth.login("staff_a")
    base = "/events/?from=2031-01-01&to=2031-01-31"
    assert listed(client.get(base).get_data(as_text=True)) == [ids["a"], ids["b"], ids["c"]]
    html = client.get(base + "&sort=date_asc").get_data(as_text=True)
    assert listed(html) == [ids["c"], ids["b"], ids["a"]]
    html = client.get(base + "&sort=title").get_data(as_text=True)
    assert listed(html) == [ids["a"], ids["b"], ids["c"]]
    # By lifecycle: planned, confirmed, completed, cancelled.
    html = client.get(base + "&sort=status").get_data(as_text=True)
    assert listed(html) == [ids["c"], ids["b"], ids["a"]]


def test_pages_of_25_keep_the_filters(app, client, auth, english, world):
    start = datetime(2032, 1, 1, 9, 0)
    ids = [
        add_event(app, world, "a", f"讲座{n:02d}", starts_at=start + timedelta(days=n))
        for n in range(30)
    ]
    auth.login("staff_a")
    html = client.get("/events/?kind=community&from=2032-01-01").get_data(as_text=True)
    assert listed(html) == ids[::-1][:25]
    assert "30 events match." in html
    assert "30 in all, page 1 of 2" in html
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "kind=community" in next_link
    assert "from=2032-01-01" in next_link
    page_two = client.get(next_link).get_data(as_text=True)
    assert listed(page_two) == ids[::-1][25:]
    # Past the last page: an empty page, not an error.
    html = client.get("/events/?kind=community&from=2032-01-01&page=9").get_data(as_text=True)
    assert listed(html) == []
    assert "No events match these filters." in html


def test_count_stops_at_the_cap(app, client, auth, english, world):
    for n in range(8):
        add_event(app, world, "a", f"讲座{n}", starts_at=datetime(2032, 2, 1 + n, 9, 0))
    app.config["PER_PAGE"] = 2
    app.config["EVENT_COUNT_CAP"] = 3
    auth.login("staff_a")
    html = client.get("/events/?from=2032-02-01").get_data(as_text=True)
    assert len(listed(html)) == 2
    assert "More than 3 events match." in html
    assert "page=2" in html  # "Next" stays available
    # Far enough down, the rest is counted exactly again.
    html = client.get("/events/?from=2032-02-01&page=3").get_data(as_text=True)
    assert "More than 7 events match." in html
    html = client.get("/events/?from=2032-02-01&page=4").get_data(as_text=True)
    assert "8 in all, page 4 of 4" in html


def test_event_page_service_counts_only_when_it_must(app, world):
    with app.test_request_context():
        admin = db.session.get(User, world.admin_id)
        page = event_page(admin, EventFilters(), page=1, per_page=25)
        assert page.pagination.total == 2
        assert not page.is_capped
        capped = event_page(admin, EventFilters(), page=1, per_page=1, count_cap=1)
        assert capped.is_capped
        assert capped.has_next
        assert capped.pagination.total is None
        assert len(capped.items) == 1


def test_list_queries_do_not_grow_with_the_rows(app, client, auth, world):
    auth.login("admin")

    def statements(path: str) -> int:
        with sql_statements(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    few = statements("/events/")
    for n in range(20):
        which = "ab"[n % 2]
        add_event(app, world, which, f"讲座{n}", groups=("seniors", "youth", "general"))
    assert statements("/events/") == few
    assert statements("/events/export.csv") <= 8


# --- the calendar ----------------------------------------------------------------------------


def test_month_grid_runs_monday_to_sunday(client, auth, world):
    auth.login("staff_a")
    html = client.get("/events/calendar?month=2031-03").get_data(as_text=True)
    days = re.findall(r'<td class="cal-day[^"]*" data-day="([\d-]+)"', html)
    assert days[0] == "2031-02-24"  # the Monday before Saturday 1 March
    assert days[-1] == "2031-04-06"
    assert len(days) == 42
    assert 'data-day="2031-02-24"' in html
    assert 'class="cal-day is-outside' in html


def test_month_shows_events_in_their_day(app, client, auth, english, world):
    move_world_events(app, world)
    later = add_event(
        app,
        world,
        "a",
        "下午场",
        starts_at=MARCH.replace(hour=14, minute=30),
        status=EventStatus.CONFIRMED,
    )
    auth.login("staff_a")
    html = client.get("/events/calendar?month=2031-03").get_data(as_text=True)
    cell = day_cell(html, "2031-03-05")
    assert in_calendar(cell) == [world.event_a_id, later]
    assert "09:00" in cell
    assert "14:30" in cell
    assert "cal-event status-confirmed" in cell
    assert "(Confirmed)" in cell  # the status in words, not only in colour
    assert "March 2031" in html


def test_calendar_keeps_to_the_scope(app, client, auth, world):
    move_world_events(app, world)
    auth.login("staff_b")
    for path in (
        "/events/calendar?month=2031-03",
        "/events/calendar?view=week&date=2031-03-05",
        f"/events/calendar?month=2031-03&region={world.community_a_id}",
        f"/events/calendar?month=2031-03&partner={world.partner_a_id}",
    ):
        html = client.get(path).get_data(as_text=True)
        assert in_calendar(html) == [world.event_b_id], path
        assert TITLE_A not in html


def test_calendar_applies_the_filters(app, client, auth, world):
    move_world_events(app, world)
    auth.login("admin")
    html = client.get("/events/calendar?month=2031-03&kind=village").get_data(as_text=True)
    assert in_calendar(html) == [world.event_b_id]
    html = client.get("/events/calendar?month=2031-03&q=湛山").get_data(as_text=True)
    assert in_calendar(html) == [world.event_a_id]
    # The period links keep the filters.
    html = client.get("/events/calendar?month=2031-03&kind=village").get_data(as_text=True)
    prev = re.search(r'href="([^"]+)" rel="prev"', html).group(1)
    assert "month=2031-02" in prev
    assert "kind=village" in prev


def test_month_previous_next_and_today_links(app, client, auth, world):
    auth.login("staff_a")
    html = client.get("/events/calendar?month=2031-01").get_data(as_text=True)
    assert re.search(r'href="[^"]*month=2030-12[^"]*" rel="prev"', html)
    assert re.search(r'href="[^"]*month=2031-02[^"]*" rel="next"', html)
    today = local_today(app)
    assert f"month={today:%Y-%m}" in re.search(r'href="([^"]+)" data-testid="cal-today"', html)[1]


def test_today_is_marked(app, client, auth, world):
    auth.login("staff_a")
    html = client.get("/events/calendar").get_data(as_text=True)
    today = local_today(app).isoformat()
    assert re.search(rf'data-day="{today}" aria-current="date"', html)
    assert html.count('aria-current="date"') == 1


def test_busy_day_shows_more_link_to_the_filtered_list(app, client, auth, english, world):
    day = datetime(2031, 3, 12, 8, 0)
    ids = [
        add_event(app, world, "a", f"讲座{n}", starts_at=day + timedelta(hours=n)) for n in range(6)
    ]
    full_day = datetime(2031, 3, 13, 8, 0)
    for n in range(4):
        add_event(app, world, "a", f"满{n}", starts_at=full_day + timedelta(hours=n))
    auth.login("staff_a")
    html = client.get("/events/calendar?month=2031-03&kind=community").get_data(as_text=True)
    cell = day_cell(html, "2031-03-12")
    assert in_calendar(cell) == ids[:3]
    assert "+3 more" in cell
    link = re.search(r'href="([^"]+)" data-testid="cal-more"', cell)[1].replace("&amp;", "&")
    assert link.startswith("/events/?")
    for part in ("from=2031-03-12", "to=2031-03-12", "kind=community", "sort=date_asc"):
        assert part in link
    assert listed(client.get(link).get_data(as_text=True)) == ids
    # Four fit in a cell: no "+1 more" in place of the fourth.
    full = day_cell(html, "2031-03-13")
    assert len(in_calendar(full)) == 4
    assert "cal-more" not in full


def test_month_without_events_says_so(client, auth, english, world):
    auth.login("staff_a")
    html = client.get("/events/calendar?month=2030-01").get_data(as_text=True)
    assert in_calendar(html) == []
    assert "No events in this period." in html
    html = client.get("/events/calendar?month=2030-01&kind=campus").get_data(as_text=True)
    assert "No events match these filters in this period." in html


def test_week_view_has_seven_days_with_times(app, client, auth, english, world):
    move_world_events(app, world)
    sunday = add_event(
        app,
        world,
        "a",
        "周日活动",
        starts_at=datetime(2031, 3, 9, 15, 0),
        ends_at=datetime(2031, 3, 9, 16, 30),
    )
    add_event(app, world, "a", "下周活动", starts_at=datetime(2031, 3, 10, 9, 0))
    auth.login("staff_a")
    html = client.get("/events/calendar?view=week&date=2031-03-05").get_data(as_text=True)
    days = re.findall(r'<section class="cal-column[^"]*"[^>]*data-day="([\d-]+)"', html)
    assert days == [f"2031-03-{d:02d}" for d in range(3, 10)]
    assert in_calendar(html) == [world.event_a_id, sunday]
    assert "09:00–11:00" in day_cell(html, "2031-03-05")
    assert "15:00–16:30" in day_cell(html, "2031-03-09")
    assert re.search(r'href="[^"]*date=2031-02-24[^"]*" rel="prev"', html)
    assert re.search(r'href="[^"]*date=2031-03-10[^"]*" rel="next"', html)
    assert "view=week" in re.search(r'href="([^"]+)" rel="next"', html)[1]


def test_week_column_shows_twelve_then_more(app, client, auth, english, world):
    day = datetime(2031, 3, 6, 7, 0)
    for n in range(14):
        add_event(app, world, "a", f"讲座{n}", starts_at=day + timedelta(minutes=30 * n))
    auth.login("staff_a")
    html = client.get("/events/calendar?view=week&date=2031-03-06").get_data(as_text=True)
    cell = day_cell(html, "2031-03-06")
    assert len(in_calendar(cell)) == 12
    assert "+2 more" in cell


@pytest.mark.parametrize(
    "query",
    [
        "month=2031-13",
        "month=abc",
        "month=0000-01",
        "month=99999-01",
        "view=week&date=2031-02-30",
        "view=week&date=yesterday",
        "view=year",
        "month=2100-12",
        "view=week&date=2000-01-01",
    ],
)
def test_calendar_garbage_falls_back(client, auth, world, query):
    auth.login("staff_a")
    response = client.get(f"/events/calendar?{query}")
    assert response.status_code == 200


# --- exports ---------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_export_has_bom_header_and_rows(app, client, auth, english, world):
    update_event(app, world.event_a_id, starts_at=MARCH, ends_at=MARCH + timedelta(hours=2))
    auth.login("staff_a")
    response = client.get("/events/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    today = local_today(app)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="events-{today:%Y%m%d}.csv"; '
        f"filename*=UTF-8''events-{today:%Y%m%d}.csv"
    )
    assert response.get_data()[:3] == b"\xef\xbb\xbf"
    rows = csv_rows(response)
    assert rows[0][:4] == ["Event id", "Starts", "Ends", "Title"]
    assert "Expected attendance" in rows[0]
    assert rows[1][:4] == [str(world.event_a_id), "2031-03-05 09:00", "2031-03-05 11:00", TITLE_A]
    assert "Seniors" in rows[1]
    assert "Telecom and online fraud" in rows[1]
    assert "张宣教" in rows[1]
    assert "湛山社区居委会" in rows[1]
    assert rows[1][-1] == "40"
    assert len(rows) == 2


def test_csv_headers_follow_the_language(app, client, auth, world):
    from flask_babel import gettext

    auth.login("staff_a")
    with app.test_request_context():  # the default language, zh_CN
        expected = [gettext("Event id"), gettext("Starts"), gettext("Ends"), gettext("Title")]
    assert csv_rows(client.get("/events/export.csv"))[0][:4] == expected
    client.set_cookie("outreach_lang", "en")
    assert csv_rows(client.get("/events/export.csv"))[0][:4] == [
        "Event id",
        "Starts",
        "Ends",
        "Title",
    ]


@pytest.mark.parametrize("username", sorted(ROLES_SEEING))
def test_exports_keep_to_the_scope(client, auth, world, username):
    auth.login(username)
    ids = world_ids(world)
    expected = {str(ids[k]) for k in ROLES_SEEING[username]}
    rows = csv_rows(client.get("/events/export.csv"))
    assert {row[0] for row in rows[1:]} == expected
    book = load_workbook(io.BytesIO(client.get("/events/export.xlsx").get_data()))
    sheet = book.worksheets[0]
    assert {str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)} == expected


def test_exports_apply_the_filters(client, auth, world):
    auth.login("admin")
    rows = csv_rows(client.get("/events/export.csv?kind=village"))
    assert [row[0] for row in rows[1:]] == [str(world.event_b_id)]
    response = client.get(f"/events/export.xlsx?region={world.district_a_id}&q=防诈")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [world.event_a_id]


DANGEROUS_TITLES = [
    "=cmd|' /C calc'!A0",
    "=1+1",
    "+SUM(1,2)",
    "+86 532 8000 0000",
    "-2+3",
    "-x",
    "@SUM(A1)",
    "@x",
    "\tleading tab",
    "\rleading return",
]


def test_exports_neutralise_formulas(app, client, auth, english, world):
    ids = [
        add_event(app, world, "a", title, starts_at=datetime(2031, 6, 1 + n, 9, 0))
        for n, title in enumerate(DANGEROUS_TITLES)
    ]
    auth.login("staff_a")
    rows = csv_rows(client.get("/events/export.csv?from=2031-06-01&sort=date_asc"))
    titles = [row[3] for row in rows[1:]]
    assert titles == ["'" + title for title in DANGEROUS_TITLES]
    response = client.get("/events/export.xlsx?from=2031-06-01&sort=date_asc")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    # The workbook holds the titles as written, in text cells that are never evaluated.
    # Depending on the XML writer a carriage return may come back as a line feed.
    expected = [title.replace("\r", "\n") for title in DANGEROUS_TITLES]
    assert [c.value.replace("\r", "\n") for c in cells] == expected
    assert {c.data_type for c in cells} == {"s"}  # a string, never a formula
    assert all(c.quotePrefix for c in cells)  # still text when someone edits the cell
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ids


def test_xlsx_has_the_same_rows_as_csv(app, client, auth, english, world):
    for n in range(5):
        add_event(app, world, "a", f"讲座{n}", topics=("fraud_pension", "rules_aml"))
    auth.login("staff_a")
    rows = csv_rows(client.get("/events/export.csv"))
    response = client.get("/events/export.xlsx")
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="events-' in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    sheet_rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            cells.append("" if value is None else str(value))
        sheet_rows.append(cells)
    assert sheet_rows == rows
    assert len(rows) == 7


def test_xlsx_stops_at_its_cap_and_says_so(app):
    with app.test_request_context(headers={"Cookie": "outreach_lang=en"}):
        rows = ([n, f"title {n}"] for n in range(5))
        export = xlsx_workbook(["id", "title"], rows, max_rows=3)
    assert export.rows == 3
    assert export.is_truncated
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[1:4] == [(0, "title 0"), (1, "title 1"), (2, "title 2")]
    assert "Only the first 3 events are in this file." in values[4][0]


def test_xlsx_download_respects_the_configured_cap(app, client, auth, english, world):
    add_event(app, world, "a", "第二场")
    app.config["EVENT_XLSX_MAX_ROWS"] = 1
    auth.login("staff_a")
    sheet = load_workbook(io.BytesIO(client.get("/events/export.xlsx").get_data())).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3
    assert values[2][0].startswith("Only the first event is in this file.")


def test_chinese_text_survives_both_exports(app, client, auth, world):
    add_event(app, world, "a", "𠮷野家社区反诈宣传 👵", venue="活动室（二楼）")
    auth.login("staff_a")
    text = client.get("/events/export.csv").get_data(as_text=True)
    assert "𠮷野家社区反诈宣传 👵" in text
    assert "活动室（二楼）" in text
    sheet = load_workbook(io.BytesIO(client.get("/events/export.xlsx").get_data())).worksheets[0]
    assert "𠮷野家社区反诈宣传 👵" in [row[3] for row in sheet.iter_rows(values_only=True)]


# --- file names and cells --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ascii_name", "encoded"),
    [
        ("events-20261128.csv", "events-20261128.csv", "events-20261128.csv"),
        ("活动.csv", "__.csv", "%E6%B4%BB%E5%8A%A8.csv"),
        ('a"b\r\nSet-Cookie: x=1.csv', "abSet-Cookie x=1.csv", "abSet-Cookie%20x%3D1.csv"),
        ("../../etc/passwd", "....etcpasswd".lstrip("."), "etcpasswd"),
        ("..\\..\\boot.ini", "boot.ini", "boot.ini"),
        ("report;name=x.csv", "reportname=x.csv", "reportname%3Dx.csv"),
        ("\u202egpj.exe", "gpj.exe", "gpj.exe"),  # a right-to-left override is dropped
        ("报告\u200b\u2066.xlsx", "__.xlsx", "%E6%8A%A5%E5%91%8A.xlsx"),
        ("", "download", "download"),
        ("...", "download", "download"),
    ],
)
def test_content_disposition(name, ascii_name, encoded):
    value = content_disposition(name)
    assert value == f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2
    Headers().add("Content-Disposition", value)  # a header werkzeug accepts as it is


def test_content_disposition_inline_and_long_names():
    assert content_disposition("feed.ics", "inline").startswith('inline; filename="feed.ics"')
    with pytest.raises(ValueError):
        content_disposition("x.csv", "form-data")
    assert len(safe_filename("长" * 1000 + ".csv")) <= 150


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-1, -1),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


# --- the calendar feed -----------------------------------------------------------------------


def feed_of(client, path: str) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    return Calendar.from_ical(response.get_data())


def uids(calendar: Calendar) -> set[str]:
    return {str(component["UID"]) for component in calendar.walk("VEVENT")}


@pytest.fixture
def feed_world(app, world):
    """The world's events moved into the feed's window, and a few more for staff_a."""
    soon = datetime.combine(local_today(app) + timedelta(days=7), datetime.min.time())
    start = soon.replace(hour=9, minute=30)
    move_world_events(app, world, start)
    extra = {
        "unassigned": add_event(app, world, "a", "无人负责", starts_at=start),
        "cancelled": add_event(
            app,
            world,
            "a",
            "取消的活动",
            starts_at=start + timedelta(days=1),
            status=EventStatus.CANCELLED,
            staff_ids=(world.staff_a_id,),
        ),
        "too_old": add_event(
            app,
            world,
            "a",
            "很久以前",
            starts_at=start - timedelta(days=90),
            staff_ids=(world.staff_a_id,),
        ),
        "too_far": add_event(
            app,
            world,
            "a",
            "明年以后",
            starts_at=start + timedelta(days=400),
            staff_ids=(world.staff_a_id,),
        ),
        # Assigned, but in another branch: staff_a may not see it, so neither may the feed.
        "other_branch": add_event(
            app,
            world,
            "b",
            "别的支行",
            starts_at=start,
            staff_ids=(world.staff_a_id,),
        ),
    }
    update_event(app, extra["cancelled"], cancel_reason="下雨")
    return extra


def test_feed_lists_only_assigned_events_in_scope(app, client, auth, world, feed_world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    path = feed_path(client)
    calendar = feed_of(client.application.test_client(), path)  # no session needed
    assert uids(calendar) == {
        f"event-{world.event_a_id}@outreach.example.cn",
        f"event-{feed_world['cancelled']}@outreach.example.cn",
    }
    text = client.application.test_client().get(path).get_data(as_text=True)
    assert TITLE_B not in text
    assert "别的支行" not in text
    assert "无人负责" not in text


def test_feed_for_staff_b_never_has_event_a(app, client, auth, world, feed_world):
    auth.login("staff_b")
    client.post("/events/feed/renew")
    calendar = feed_of(app.test_client(), feed_path(client))
    assert uids(calendar) == {f"event-{world.event_b_id}@outreach.example.cn"}


def test_feed_events_carry_time_zone_place_and_link(app, client, auth, english, feed_world, world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    calendar_app = app.test_client()
    calendar_app.set_cookie("outreach_lang", "en")
    response = calendar_app.get(feed_path(client))
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith('inline; filename="outreach.ics"')
    text = response.get_data(as_text=True)
    start = datetime.combine(local_today(app) + timedelta(days=7), datetime.min.time())
    assert f"DTSTART;TZID=Asia/Shanghai:{start:%Y%m%d}T093000" in text
    assert f"DTEND;TZID=Asia/Shanghai:{start:%Y%m%d}T113000" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "TZID:Asia/Shanghai" in text
    calendar = Calendar.from_ical(response.get_data())
    event = next(
        e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"event-{world.event_a_id}@")
    )
    dtstart = event.decoded("DTSTART")
    assert dtstart.utcoffset() == timedelta(hours=8)
    assert dtstart.replace(tzinfo=None) == start.replace(hour=9, minute=30)
    assert str(event["SUMMARY"]) == TITLE_A
    assert str(event["LOCATION"]) == "活动室, 湛山社区"
    description = str(event["DESCRIPTION"])
    assert "湛山社区居委会" in description
    assert "Seniors" in description
    assert "Telecom and online fraud" in description
    assert f"https://outreach.example.cn/events/{world.event_a_id}" in description
    assert str(event["STATUS"]) == "TENTATIVE"
    cancelled = next(
        e
        for e in calendar.walk("VEVENT")
        if str(e["UID"]).startswith(f"event-{feed_world['cancelled']}@")
    )
    assert str(cancelled["STATUS"]) == "CANCELLED"
