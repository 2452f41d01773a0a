"""Planning events: the form's rules, scope on every id, series, copies, clashes, lifecycle and
the history on the event page. Real requests on the real database; nothing is mocked."""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.events.conflicts import find_conflicts
from outreach_app.events.models import (
    Event,
    EventStatus,
    event_staff,
    event_target_group,
    event_topic,
)
from outreach_app.events.planning import EventInput, plan_new_events
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, Region
from tests.factories import add_event, make_branch, make_partner, make_user
from tests.helpers import PASSWORD, audit_entries, snapshot, sql_statements, stored

# What an event is stored in: a refused request leaves all of it as it was.
EVENT_TABLES = (Event, event_target_group, event_topic, event_staff)

START = "2027-03-10T09:30"
END = "2027-03-10T11:30"


# --- helpers ---------------------------------------------------------------------------------


def ref_ids(app, model, *codes: str) -> list[int]:
    with app.app_context():
        rows = db.session.execute(select(model.id).where(model.code.in_(codes))).scalars()
        return list(rows)


def valid_form(app, world, **changes) -> dict:
    """A valid new event for branch A's partner, as staff_a would post it."""
    data = {
        "title": "八大湖社区防诈骗讲座",
        "kind": "community",
        "branch_id": str(world.branch_a_id),
        "partner_id": str(world.partner_a_id),
        "region_id": "",
        "venue": "",
        "starts_at": START,
        "ends_at": END,
        "target_group_ids": [str(i) for i in ref_ids(app, TargetGroup, "seniors", "general")],
        "topic_ids": [str(i) for i in ref_ids(app, Topic, "fraud_telecom", "fraud_pension")],
        "staff_ids": [str(world.staff_a_id)],
        "expected_attendance": "40",
        "notes": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def event_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Event.id))).scalar_one()


def events_titled(app, title: str) -> list[Event]:
    with app.app_context():
        events = list(
            db.session.execute(
                select(Event).where(Event.title == title).order_by(Event.starts_at)
            ).scalars()
        )
        for event in events:
            _ = (event.target_groups, event.topics, event.staff, event.partner, event.region)
            db.session.expunge(event)
        return events


def write_status(app, event_id: int, status: EventStatus) -> None:
    """Write an event's status straight to its column, past the lifecycle's rules and audit."""
    with app.app_context():
        db.session.get(Event, event_id).status = status
        db.session.commit()


def errors_of(html: str) -> str:
    """The text of every field error on a page."""
    found = re.findall(r'class="invalid-feedback d-block">([^<]*)<', html)
    return html_lib.unescape(" ".join(found))


def text_of(html: str) -> str:
    """A page with its entities decoded, to look for messages with quotes in them."""
    return html_lib.unescape(html)


# --- access ----------------------------------------------------------------------------------

ITEM_ROUTES = [
    ("GET", "/events/{id}"),
    ("GET", "/events/{id}/edit"),
    ("POST", "/events/{id}/edit"),
    ("POST", "/events/{id}/status"),
    ("GET", "/events/{id}/cancel"),
    ("POST", "/events/{id}/duplicate"),
    ("GET", "/events/new?copy={id}"),
]
# What an item route answers a user who may see the event, when it is not a page (200): the
# post below is no valid edit form, so the edit page comes back with its messages.
ANSWERS_IN_SCOPE = {
    ("POST", "/events/{id}/status"): (302, "/events/{id}"),
    ("POST", "/events/{id}/duplicate"): (303, "/events/new?copy={id}"),
}


@pytest.mark.parametrize(("method", "path"), [("GET", "/events/new"), ("POST", "/events/new")])
def test_anonymous_is_sent_to_login_from_new(app, client, world, method, path):
    response = client.open(path, method=method, data=valid_form(app, world))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert event_count(app) == 2


@pytest.mark.parametrize(("method", "path"), ITEM_ROUTES)
def test_anonymous_is_sent_to_login(app, client, world, method, path):
    before = snapshot(app, *EVENT_TABLES)
    response = client.open(
        path.format(id=world.event_a_id),
        method=method,
        data={**valid_form(app, world, title="x"), "to": "cancelled", "reason": "x"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot(app, *EVENT_TABLES) == before


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("admin", "ab"), ("head_a", "a"), ("staff_a", "a"), ("staff_b", "b")],
)
@pytest.mark.parametrize(("method", "path"), ITEM_ROUTES)
def test_events_in_scope_open_and_others_are_404(
    app, client, auth, world, username, allowed, method, path
):
    auth.login(username)
    ids = {"a": world.event_a_id, "b": world.event_b_id}
    for which, event_id in ids.items():
        before = snapshot(app, *EVENT_TABLES)
        response = client.open(
            path.format(id=event_id),
            method=method,
            data={"title": "改了", "to": "cancelled", "reason": "强行取消"},
        )
        if which in allowed:
            status, location = ANSWERS_IN_SCOPE.get((method, path), (200, None))
            answer = (response.status_code, response.headers.get("Location"))
            assert answer == (status, location and location.format(id=event_id)), which
        else:
            assert response.status_code == 404, which
            assert snapshot(app, *EVENT_TABLES) == before
    assert event_count(app) == 2


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a", "staff_b"])
def test_every_role_may_open_the_new_event_form(client, auth, world, username):
    auth.login(username)
    html = client.get("/events/new").get_data(as_text=True)
    assert 'type="datetime-local"' in html
    assert "novalidate" in html
    assert ('name="branch_id"' in html) is (not username.startswith("staff"))


@pytest.mark.parametrize("copy", ["abc", "0", "-1", "99999999999", "2147483648", ""])
def test_copy_of_unknown_or_odd_ids_is_404(client, auth, world, copy):
    auth.login("admin")
    assert client.get(f"/events/new?copy={copy}").status_code == 404


# --- creating --------------------------------------------------------------------------------


def test_staff_plans_an_event_with_region_and_venue_from_the_partner(app, client, auth, world):
    auth.login("staff_a")
    response = client.post("/events/new", data=valid_form(app, world))
    assert response.status_code == 302
    [event] = events_titled(app, "八大湖社区防诈骗讲座")
    assert response.headers["Location"] == f"/events/{event.id}"
    assert event.branch_id == world.branch_a_id
    assert event.region_id == world.community_a_id  # the partner's region
    assert event.venue == event.partner.name  # the partner has no address
    assert event.status is EventStatus.PLANNED
    assert event.starts_at == datetime(2027, 3, 10, 9, 30)
    assert event.ends_at == datetime(2027, 3, 10, 11, 30)
    assert event.expected_attendance == 40
    assert [p.id for p in event.staff] == [world.staff_a_id]
    assert {g.code for g in event.target_groups} == {"seniors", "general"}
    assert {t.code for t in event.topics} == {"fraud_telecom", "fraud_pension"}
    assert event.series_key is None
    [(action, detail)] = audit_entries(app, "event", event.id)
    assert action == "event.create"
    assert detail["changes"]["title"] == "八大湖社区防诈骗讲座"
    assert detail["changes"]["notes"] is False


def test_venue_from_partner_address_and_own_values_win(app, client, auth, world):
    with app.app_context():
        db.session.get(Partner, world.partner_a_id).address = "香港西路1号"
        db.session.commit()
        street_a = db.session.execute(
            select(Region.id).where(Region.name == "八大湖街道")
        ).scalar_one()
    auth.login("staff_a")
    client.post("/events/new", data=valid_form(app, world, title="地址"))
    assert events_titled(app, "地址")[0].venue == "香港西路1号"
    own = valid_form(
        app,
        world,
        title="自填",
        venue="社区活动中心",
        region_id=street_a,
        starts_at="2027-03-11T09:30",
        ends_at="2027-03-11T11:30",
    )
    client.post("/events/new", data=own)
    [event] = events_titled(app, "自填")
    assert (event.venue, event.region_id) == ("社区活动中心", street_a)


def test_staff_branch_is_forced_whatever_is_posted(app, client, auth, world):
    auth.login("staff_a")
    client.post("/events/new", data=valid_form(app, world, branch_id=str(world.branch_b_id)))
    [event] = events_titled(app, "八大湖社区防诈骗讲座")
    assert event.branch_id == world.branch_a_id


def test_in_branch_event_needs_no_partner(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(app, world, kind="branch", partner_id="", title="网点课堂")
    assert client.post("/events/new", data=data).status_code == 302
    [event] = events_titled(app, "网点课堂")
    assert event.partner_id is None
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        assert (event.region_id, event.venue) == (branch.region_id, branch.name)


def test_head_chooses_a_branch_in_scope(app, english, auth, world):
    auth.login("head_a")
    html = english.post("/events/new", data=valid_form(app, world, branch_id="")).get_data(
        as_text=True
    )
    assert "Choose a branch in your area." in html
    forged = valid_form(app, world, branch_id=str(world.branch_b_id))
    html = english.post("/events/new", data=forged).get_data(as_text=True)
    assert "Choose a branch in your area." in html
    assert event_count(app) == 2
    assert english.post("/events/new", data=valid_form(app, world)).status_code == 302
    assert events_titled(app, "八大湖社区防诈骗讲座")[0].branch_id == world.branch_a_id


def test_admin_plans_for_any_branch(app, client, auth, world):
    auth.login("admin")
    data = valid_form(
        app,
        world,
        branch_id=str(world.branch_b_id),
        partner_id=str(world.partner_b_id),
        staff_ids=[str(world.staff_b_id)],
        kind="village",
    )
    assert client.post("/events/new", data=data).status_code == 302
    [event] = events_titled(app, "八大湖社区防诈骗讲座")
    assert (event.branch_id, event.region_id) == (world.branch_b_id, world.community_b_id)


def test_staff_form_ticks_the_planner_and_lists_only_active_branch_staff(app, client, auth, world):
    with app.app_context():
        branch_a = db.session.get(Branch, world.branch_a_id)
        gone = make_user("gone_a", Role.STAFF, PASSWORD, branch=branch_a, display_name="离职员工")
        gone.is_active = False
        db.session.commit()
    auth.login("staff_a")
    html = client.get("/events/new").get_data(as_text=True)
    assert re.search(rf'value="{world.staff_a_id}" checked', html)
    assert "张宣教" in html
    assert "李宣教" not in html  # another branch
    assert "离职员工" not in html  # inactive
    assert "港东村委会" not in html  # another branch's partner


# --- validation ------------------------------------------------------------------------------

BAD_INPUTS = [
    ({"title": ""}, "Enter a title."),
    ({"title": "   "}, "Enter a title."),
    ({"title": "长" * 201}, "Keep the title to 200 characters or fewer."),
    ({"kind": ""}, "Choose a kind."),
    ({"kind": "party"}, "Choose a kind from the list."),
    ({"partner_id": ""}, "Choose the partner the event is held with."),
    ({"venue": "v" * 201}, "Keep the venue to 200 characters or fewer."),
    ({"starts_at": ""}, "Enter when the event starts."),
    ({"starts_at": "tomorrow"}, "Enter a date and time, for example"),
    ({"starts_at": "2027-02-30T09:00"}, "Enter a date and time, for example"),
    ({"ends_at": ""}, "Enter when the event ends."),
    ({"ends_at": "2027-03-10T09:00"}, "The end must be after the start."),
    ({"ends_at": START}, "The end must be after the start."),
    ({"ends_at": "2027-03-17T09:31"}, "An event can last at most 7 days."),
    (
        {"starts_at": "1999-12-31T09:00", "ends_at": "1999-12-31T10:00"},
        "Use a date between the years 2000 and 2100.",
    ),
    (
        {"starts_at": "2101-01-01T09:00", "ends_at": "2101-01-01T10:00"},
        "Use a date between the years 2000 and 2100.",
    ),
    ({"target_group_ids": []}, "Choose at least one target group."),
    ({"topic_ids": []}, "Choose at least one topic."),
    ({"expected_attendance": "-1"}, "Enter a number from 0 to 100,000."),
    ({"expected_attendance": "100001"}, "Enter a number from 0 to 100,000."),
    ({"expected_attendance": "99999999999999999999"}, "Enter a number from 0 to 100,000."),
    ({"expected_attendance": "abc"}, "Enter a whole number."),
    ({"expected_attendance": "0x10"}, "Enter a whole number."),
    ({"expected_attendance": "4.5"}, "Enter a whole number."),
    ({"notes": "n" * 2001}, "Keep the notes to 2000 characters or fewer."),
    ({"repeat_frequency": "daily"}, "Choose how often the event repeats from the list."),
    ({"repeat_frequency": "weekly"}, "Give either an end date or a number of events."),
    (
        {"repeat_frequency": "weekly", "repeat_count": "3", "repeat_until": "2027-05-01"},
        "Give either an end date or a number of events.",
    ),
    ({"repeat_count": "3"}, "Choose how often the event repeats."),
    ({"repeat_frequency": "weekly", "repeat_count": "1"}, "A series has from 2 to 52 events."),
    ({"repeat_frequency": "weekly", "repeat_count": "53"}, "A series has from 2 to 52 events."),
    ({"repeat_frequency": "weekly", "repeat_count": "x"}, "Enter a whole number."),
    (
        {"repeat_frequency": "weekly", "repeat_until": "2027-03-01"},
        "The series must end after the first event's day.",
    ),
    (
        {"repeat_frequency": "weekly", "repeat_until": "2027-03-12"},
        "This end date leaves only one event; choose a later one.",
    ),
    (
        {"repeat_frequency": "weekly", "repeat_until": "2028-06-01"},
        "A series can have at most 52 events.",
    ),
    (
        {"repeat_frequency": "monthly", "repeat_until": "2027-13-01"},
        "Enter a date, for example 2026-12-31.",
    ),
    (
        {
            "starts_at": "2100-10-01T09:00",
            "ends_at": "2100-10-01T10:00",
            "repeat_frequency": "monthly",
            "repeat_count": "6",
        },
        "The series would run past the year 2100.",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS, ids=[m for _, m in BAD_INPUTS])
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    app, english, auth, world, changes, message
):
    auth.login("staff_a")
    response = english.post("/events/new", data=valid_form(app, world, **changes))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in text_of(html)
    assert "Please correct the marked fields." in html
    assert event_count(app) == 2


def test_several_problems_show_at_once(app, english, auth, world):
    auth.login("staff_a")
    data = valid_form(app, world, title="", ends_at="2027-03-09T09:00", topic_ids=[])
    html = english.post("/events/new", data=data).get_data(as_text=True)
    errors = errors_of(html)
    assert "Enter a title." in errors
    assert "The end must be after the start." in errors
    assert "Choose at least one topic." in errors


FORGED = [
    ("partner_id", "partner_b", "Choose a partner in your area from the list."),
    ("partner_id", "9999999", "Choose a partner in your area from the list."),
    ("region_id", "community_b", "Choose a region in your area."),
    ("region_id", "district_a", "Choose a region in your area."),  # above the staff's branch
    ("region_id", "abc", "Choose the partner"),  # junk reads as "none", then the partner fills it
    ("target_group_ids", "999999", "Choose target groups from the list."),
    ("target_group_ids", "abc", "Choose target groups from the list."),
    ("topic_ids", "999999", "Choose topics from the list."),
    ("topic_ids", "2147483648", "Choose topics from the list."),
    ("staff_ids", "staff_b", "Choose active staff of the event's branch from the list."),
    ("staff_ids", "head_a", "Choose active staff of the event's branch from the list."),
    ("staff_ids", "admin", "Choose active staff of the event's branch from the list."),
    ("staff_ids", "1e3", "Choose staff of the event's branch from the list."),
]


@pytest.mark.parametrize(("name", "value", "message"), FORGED)
def test_forged_ids_are_refused(app, english, auth, world, name, value, message):
    ids = {
        "partner_b": world.partner_b_id,
        "community_b": world.community_b_id,
        "district_a": world.district_a_id,
        "staff_b": world.staff_b_id,
        "head_a": world.head_a_id,
        "admin": world.admin_id,
    }
    posted = str(ids.get(value, value))
    if name in ("target_group_ids", "topic_ids", "staff_ids"):
        data = valid_form(app, world)
        data[name] = [*data[name], posted]
    else:
        data = valid_form(app, world, **{name: posted})
    if value == "abc" and name == "region_id":
        data["partner_id"] = ""
    auth.login("staff_a")
    html = english.post("/events/new", data=data).get_data(as_text=True)
    assert message in text_of(html)
    assert event_count(app) == 2


def test_archived_partner_and_inactive_staff_are_refused(app, english, auth, world):
    with app.app_context():
        db.session.get(Partner, world.partner_a_id).is_archived = True
        branch_a = db.session.get(Branch, world.branch_a_id)
        gone = make_user("gone", Role.STAFF, PASSWORD, branch=branch_a)
        gone.is_active = False
        db.session.commit()
        gone_id = gone.id
    auth.login("staff_a")
    html = english.post("/events/new", data=valid_form(app, world)).get_data(as_text=True)
    assert "Choose a partner in your area from the list." in html
    with app.app_context():
        db.session.get(Partner, world.partner_a_id).is_archived = False
        db.session.commit()
    data = valid_form(app, world, staff_ids=[str(gone_id)])
    html = english.post("/events/new", data=data).get_data(as_text=True)
    assert "Choose active staff of the event's branch from the list." in text_of(html)
    assert event_count(app) == 2


def test_head_may_not_assign_staff_of_another_branch(app, english, auth, world):
    with app.app_context():
        district_a = db.session.get(Region, world.district_a_id)
        other = make_branch("湛山支行", district_a)
        make_user("staff_a2", Role.STAFF, PASSWORD, branch=other, display_name="王宣教")
        db.session.commit()
        other_staff = db.session.execute(
            select(User.id).where(User.username == "staff_a2")
        ).scalar_one()
    auth.login("head_a")
    html = english.get("/events/new").get_data(as_text=True)
    assert "王宣教" in html and "张宣教" in html  # both branches of the head's area, grouped
    data = valid_form(app, world, staff_ids=[str(other_staff)])
    html = english.post("/events/new", data=data).get_data(as_text=True)
    assert "Choose active staff of the event's branch from the list." in text_of(html)
    assert event_count(app) == 2


# --- editing ---------------------------------------------------------------------------------


def test_edit_form_is_filled_in_and_saves_changes_with_an_audit_entry(app, english, auth, world):
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}/edit").get_data(as_text=True)
    assert 'value="湛山社区防诈讲座"' in html
    assert "repeat_frequency" not in html
    data = valid_form(app, world, title="湛山社区防诈讲座（改）", venue="活动室")
    data["region_id"] = str(world.community_a_id)
    response = english.post(f"/events/{world.event_a_id}/edit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{world.event_a_id}"
    action, detail = audit_entries(app, "event", world.event_a_id)[-1]
    assert action == "event.update"
    assert detail["changes"]["title"] == ["湛山社区防诈讲座", "湛山社区防诈讲座（改）"]
    assert "starts_at" in detail["changes"]
    assert "region_id" not in detail["changes"]


def test_saving_an_unchanged_event_records_nothing(app, english, auth, world):
    auth.login("staff_a")
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        data = valid_form(
            app,
            world,
            title=event.title,
            region_id=str(event.region_id),
            venue=event.venue,
            starts_at=event.starts_at.strftime("%Y-%m-%dT%H:%M"),
            ends_at=event.ends_at.strftime("%Y-%m-%dT%H:%M"),
            target_group_ids=[str(g.id) for g in event.target_groups],
            topic_ids=[str(t.id) for t in event.topics],
        )
    response = english.post(f"/events/{world.event_a_id}/edit", data=data, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert audit_entries(app, "event", world.event_a_id) == []


def test_edit_refuses_bad_input_and_changes_nothing(app, english, auth, world):
    auth.login("staff_a")
    before = snapshot(app, *EVENT_TABLES)
    data = valid_form(app, world, ends_at="2027-03-01T09:00", partner_id=str(world.partner_b_id))
    html = english.post(f"/events/{world.event_a_id}/edit", data=data).get_data(as_text=True)
    assert "The end must be after the start." in html
    assert "Choose a partner in your area from the list." in html
    assert snapshot(app, *EVENT_TABLES) == before


@pytest.mark.parametrize(
    ("username", "status", "allowed"),
    [
        ("staff_a", EventStatus.COMPLETED, False),
        ("head_a", EventStatus.COMPLETED, True),
        ("admin", EventStatus.COMPLETED, True),
        ("staff_a", EventStatus.CANCELLED, False),
        ("head_a", EventStatus.CANCELLED, False),
        ("admin", EventStatus.CANCELLED, False),
        ("staff_a", EventStatus.CONFIRMED, True),
    ],
)
def test_read_only_events(app, english, auth, world, username, status, allowed):
    write_status(app, world.event_a_id, status)
    auth.login(username)
    before = snapshot(app, *EVENT_TABLES)
    page = english.get(f"/events/{world.event_a_id}/edit")
    data = valid_form(
        app, world, title="改标题", region_id=str(world.community_a_id), change_reason="标题有误"
    )
    response = english.post(f"/events/{world.event_a_id}/edit", data=data)
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    if allowed:
        assert page.status_code == 200
        assert response.status_code == 302
        assert stored(app, Event, world.event_a_id).title == "改标题"
        assert f"/events/{world.event_a_id}/edit" in detail
    else:
        assert page.status_code == 403
        assert "This event can no longer be changed" in page.get_data(as_text=True)
        assert response.status_code == 403
        assert snapshot(app, *EVENT_TABLES) == before
        assert f"/events/{world.event_a_id}/edit" not in detail


@pytest.mark.parametrize("username", ["head_a", "admin"])
def test_changing_a_completed_event_needs_a_reason_kept_in_its_history(
    app, english, auth, world, username
):
    write_status(app, world.event_a_id, EventStatus.COMPLETED)
    auth.login(username)
    page = english.get(f"/events/{world.event_a_id}/edit").get_data(as_text=True)
    assert 'name="change_reason"' in page and "This event is completed" in page
    before = snapshot(app, *EVENT_TABLES)
    data = valid_form(app, world, title="改标题", region_id=str(world.community_a_id))
    for reason in (None, "", "  \n "):
        refused = english.post(
            f"/events/{world.event_a_id}/edit", data={**data, "change_reason": reason or ""}
        )
        assert refused.status_code == 200
        html = refused.get_data(as_text=True)
        assert html.count("This event is completed: say why it is being changed.") == 1
        assert snapshot(app, *EVENT_TABLES) == before
    too_long = english.post(
        f"/events/{world.event_a_id}/edit", data={**data, "change_reason": "长" * 501}
    )
    assert "Keep the reason under 500 characters." in too_long.get_data(as_text=True)
    assert snapshot(app, *EVENT_TABLES) == before
    assert audit_entries(app, "event", world.event_a_id) == []

    response = english.post(
        f"/events/{world.event_a_id}/edit",
        data={**data, "change_reason": "  活动名称\n写错了 "},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert stored(app, Event, world.event_a_id).title == "改标题"
    [(action, detail)] = audit_entries(app, "event", world.event_a_id)
    assert action == "event.update" and detail["reason"] == "活动名称 写错了"
    history = response.get_data(as_text=True).split('data-testid="history"', 1)[1]
    assert "Details changed" in history and "Reason: 活动名称 写错了" in history


def test_staff_see_why_a_completed_event_has_no_buttons(app, english, auth, world):
    write_status(app, world.event_a_id, EventStatus.COMPLETED)
    auth.login("staff_a")
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="completed-note"' in detail
    assert "can no longer be changed here" in detail
    assert f"/events/{world.event_a_id}/edit" not in detail
    assert f"/events/{world.event_a_id}/print-runs/new" not in detail
    # Duplicating makes a new event, so it stays.
    assert f"/events/new?copy={world.event_a_id}" in detail


def test_update_service_refuses_staff_on_a_completed_event(app, world):
    """The rule is in the service, not only in the view."""
    from outreach_app.core.validation import ServiceError
    from outreach_app.events.planning import plan_event_update
    from outreach_app.events.services import update_event

    write_status(app, world.event_a_id, EventStatus.COMPLETED)
    before = snapshot(app, *EVENT_TABLES)
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        staff = db.session.get(User, world.staff_a_id)
        head = db.session.get(User, world.head_a_id)
        plan = plan_event_update(head, event, _event_input(event, "改标题"), "标题有误")
        with pytest.raises(ServiceError) as caught:
            update_event(staff, event, plan)
        assert caught.value.field == "event"
        with pytest.raises(ServiceError) as refused:
            plan_event_update(staff, event, _event_input(event, "改标题"), "标题有误")
        assert "only by regional heads and administrators" in refused.value.problems["event"]
        db.session.rollback()
    assert snapshot(app, *EVENT_TABLES) == before


def _event_input(event: Event, title: str) -> EventInput:
    return EventInput(
        title=title,
        kind=event.kind,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        branch_id=event.branch_id,
        partner_id=event.partner_id,
        region_id=event.region_id,
        venue=event.venue,
        target_group_ids=[g.id for g in event.target_groups],
        topic_ids=[t.id for t in event.topics],
        staff_ids=[p.id for p in event.staff],
        expected_attendance=event.expected_attendance,
    )


# --- series ----------------------------------------------------------------------------------


def series_of(app, title: str) -> list[Event]:
    events = events_titled(app, title)
    assert len({e.series_key for e in events}) == 1
    return events


def test_weekly_series_by_count(app, english, auth, world):
    auth.login("staff_a")
    data = valid_form(app, world, title="每周课堂", repeat_frequency="weekly", repeat_count="4")
    response = english.post("/events/new", data=data, follow_redirects=True)
    assert "4 events planned." in response.get_data(as_text=True)
    events = series_of(app, "每周课堂")
    assert [e.starts_at for e in events] == [
        datetime(2027, 3, 10, 9, 30) + timedelta(weeks=n) for n in range(4)
    ]
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in events)
    assert re.fullmatch(r"[0-9a-f]{32}", events[0].series_key)
    assert all([p.id for p in e.staff] == [world.staff_a_id] for e in events)
    for event in events:
        [(action, detail)] = audit_entries(app, "event", event.id)
        assert (action, detail["series_size"]) == ("event.create", 4)


def test_weekly_series_until_a_date_includes_that_day(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(
        app, world, title="到期", repeat_frequency="weekly", repeat_until="2027-03-31"
    )
    client.post("/events/new", data=data)
    assert [e.starts_at.day for e in series_of(app, "到期")] == [10, 17, 24, 31]


def test_monthly_series_skips_months_without_the_day(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(
        app,
        world,
        title="月末",
        starts_at="2027-01-31T14:00",
        ends_at="2027-01-31T16:00",
        repeat_frequency="monthly",
        repeat_count="4",
    )
    client.post("/events/new", data=data)
    starts = [e.starts_at for e in series_of(app, "月末")]
    assert starts == [datetime(2027, m, 31, 14, 0) for m in (1, 3, 5, 7)]


def test_monthly_series_crosses_the_year_end(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(
        app,
        world,
        title="跨年",
        starts_at="2027-11-30T14:00",
        ends_at="2027-11-30T16:00",
        repeat_frequency="monthly",
        repeat_count="4",
    )
    client.post("/events/new", data=data)
    starts = [e.starts_at for e in series_of(app, "跨年")]
    # February 2028 has 29 days, so it has no 30th and the series goes on in March.
    assert starts == [
        datetime(*month, 30, 14, 0) for month in ((2027, 11), (2027, 12), (2028, 1), (2028, 3))
    ]


def test_monthly_series_until_a_date(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(
        app, world, title="每月", repeat_frequency="monthly", repeat_until="2027-06-09"
    )
    client.post("/events/new", data=data)
    assert [e.starts_at.month for e in series_of(app, "每月")] == [3, 4, 5]


def test_a_series_of_52_is_the_most(app, client, auth, world):
    auth.login("staff_a")
    # A year of weeks meets the world's own event on some runs (its date depends on how many
    # events the tests made before); the clash is beside the point here.
    data = valid_form(
        app,
        world,
        title="一年",
        repeat_frequency="weekly",
        repeat_count="52",
        confirm_conflicts="y",
    )
    assert client.post("/events/new", data=data).status_code == 302
    assert len(series_of(app, "一年")) == 52


# --- duplicating -----------------------------------------------------------------------------


def test_duplicate_opens_the_form_a_week_later_and_saves_a_new_event(app, english, auth, world):
    auth.login("staff_a")
    response = english.post(f"/events/{world.event_a_id}/duplicate")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/new?copy={world.event_a_id}"
    with app.app_context():
        source = db.session.get(Event, world.event_a_id)
        week_later = (source.starts_at + timedelta(weeks=1)).strftime("%Y-%m-%dT%H:%M")
    html = english.get(f"/events/new?copy={world.event_a_id}").get_data(as_text=True)
    assert 'value="湛山社区防诈讲座"' in html
    assert f'value="{week_later}"' in html
    assert re.search(rf'value="{world.staff_a_id}" checked', html)
    assert re.search(rf'<option[^>]* selected value="{world.partner_a_id}"', html)
    assert "Filled in from" in html
    assert event_count(app) == 2  # nothing saved by opening the form

    with app.app_context():
        source = db.session.get(Event, world.event_a_id)
        data = valid_form(
            app,
            world,
            title=source.title,
            starts_at=week_later,
            ends_at=(source.ends_at + timedelta(weeks=1)).strftime("%Y-%m-%dT%H:%M"),
            confirm_conflicts="1",
        )
    response = english.post(f"/events/new?copy={world.event_a_id}", data=data)
    assert response.status_code == 302
    copies = events_titled(app, "湛山社区防诈讲座")
    assert len(copies) == 2
    new_id = max(e.id for e in copies)
    [(action, detail)] = audit_entries(app, "event", new_id)
    assert detail["copied_from"] == world.event_a_id


# --- conflicts -------------------------------------------------------------------------------


def test_busy_staff_get_a_warning_first_and_save_anyway_saves(app, english, auth, world):
    clash = add_event(
        app,
        world,
        "a",
        "已有活动",
        starts_at=datetime(2027, 3, 10, 10, 0),
        staff_ids=[world.staff_a_id],
        partner=False,
        kind="branch",
    )
    auth.login("staff_a")
    data = valid_form(app, world)
    response = english.post("/events/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="conflicts"' in html
    assert f'href="/events/{clash}"' in html
    assert "已有活动" in html and "Busy then: 张宣教" in html
    assert 'name="confirm_conflicts"' in html
    assert event_count(app) == 3

    response = english.post("/events/new", data={**data, "confirm_conflicts": "1"})
    assert response.status_code == 302
    assert event_count(app) == 4


def test_partner_visited_the_same_day_is_a_clash(app, english, auth, world):
    add_event(app, world, "a", "上午场", starts_at=datetime(2027, 3, 10, 8, 0))
    auth.login("staff_a")
    html = english.post("/events/new", data=valid_form(app, world, staff_ids=[])).get_data(
        as_text=True
    )
    assert "Same partner on that day" in html
    assert "上午场" in html
    assert event_count(app) == 3


@pytest.mark.parametrize(
    ("starts_at", "status", "same_partner"),
    [
        (datetime(2027, 3, 10, 11, 30), EventStatus.PLANNED, False),  # starts as ours ends
        (datetime(2027, 3, 10, 7, 0), EventStatus.PLANNED, False),  # ends 09:00, before ours
        (datetime(2027, 3, 10, 10, 0), EventStatus.CANCELLED, True),  # cancelled never clash
        (datetime(2027, 3, 11, 9, 30), EventStatus.PLANNED, True),  # next day
    ],
)
def test_no_clash(app, client, auth, world, starts_at, status, same_partner):
    add_event(
        app,
        world,
        "a",
        "别的活动",
        starts_at=starts_at,
        staff_ids=[world.staff_a_id],
        status=status,
        partner=same_partner,
    )
    auth.login("staff_a")
    assert client.post("/events/new", data=valid_form(app, world)).status_code == 302


def test_an_event_does_not_clash_with_itself_when_edited(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(app, world, title="改期")
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        data["starts_at"] = event.starts_at.strftime("%Y-%m-%dT%H:%M")
        data["ends_at"] = event.ends_at.strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/events/{world.event_a_id}/edit", data=data).status_code == 302


def test_series_clashes_are_found_for_every_event_of_the_series(app, english, auth, world):
    add_event(
        app,
        world,
        "a",
        "第三周冲突",
        starts_at=datetime(2027, 3, 24, 9, 0),
        staff_ids=[world.staff_a_id],
        partner=False,
    )
    auth.login("staff_a")
    data = valid_form(app, world, repeat_frequency="weekly", repeat_count="4")
    html = english.post("/events/new", data=data).get_data(as_text=True)
    assert "第三周冲突" in html
    assert event_count(app) == 3


def test_clashes_take_at_most_two_queries(app, world):
    """However many staff and events a series has: one query for staff, one for the partner."""
    with app.test_request_context():
        branch = db.session.get(Branch, world.branch_a_id)
        staff = [db.session.get(User, world.staff_a_id)]
        staff += [make_user(f"s{n}", Role.STAFF, PASSWORD, branch=branch) for n in range(5)]
        db.session.commit()
        admin = db.session.get(User, world.admin_id)
        plan = plan_new_events(
            admin,
            EventInput(
                title="t",
                kind="community",
                starts_at=datetime(2027, 3, 10, 9, 30),
                ends_at=datetime(2027, 3, 10, 11, 30),
                branch_id=world.branch_a_id,
                partner_id=world.partner_a_id,
                target_group_ids=tuple(ref_ids(app, TargetGroup, "seniors")),
                topic_ids=tuple(ref_ids(app, Topic, "fraud_telecom")),
                staff_ids=tuple(p.id for p in staff),
            ),
        )
        plan.occurrences = [
            (start + timedelta(weeks=n), end + timedelta(weeks=n))
            for n in range(20)
            for start, end in plan.occurrences[:1]
        ]
        with sql_statements(app) as statements:
            assert find_conflicts(admin, plan) == []
    assert len(statements) == 2
    assert "event_staff.user_id IN" in statements[0]
    assert "event.partner_id =" in statements[1]


# --- lifecycle -------------------------------------------------------------------------------


def post_status(client, event_id: int, to: str, reason: str | None = None):
    data = {"to": to}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/events/{event_id}/status", data=data)


def test_confirm_then_back_to_planned(app, english, auth, world):
    auth.login("staff_a")
    response = post_status(english, world.event_a_id, "confirmed")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{world.event_a_id}"
    assert stored(app, Event, world.event_a_id).status is EventStatus.CONFIRMED
    post_status(english, world.event_a_id, "planned")
    assert stored(app, Event, world.event_a_id).status is EventStatus.PLANNED
    assert [a for a, _ in audit_entries(app, "event", world.event_a_id)] == [
        "event.change_status"
    ] * 2


@pytest.mark.parametrize(
    ("status", "to", "message"),
    [
        (EventStatus.PLANNED, "completed", "An event that is Planned cannot become Completed."),
        (EventStatus.COMPLETED, "planned", "An event that is Completed cannot become Planned."),
        (EventStatus.COMPLETED, "cancelled", "cannot become Cancelled."),
        (EventStatus.CANCELLED, "confirmed", "An event that is Cancelled cannot become Confirmed."),
        (EventStatus.PLANNED, "planned", "An event that is Planned cannot become Planned."),
        (EventStatus.PLANNED, "bogus", "Choose a status from the list."),
        (EventStatus.PLANNED, "", "Choose a status from the list."),
    ],
)
def test_disallowed_moves_are_refused(app, english, auth, world, status, to, message):
    write_status(app, world.event_a_id, status)
    before = snapshot(app, *EVENT_TABLES)
    auth.login("admin")
    response = post_status(english, world.event_a_id, to, reason="原因")
    assert response.status_code == 302
    html = english.get(response.headers["Location"]).get_data(as_text=True)
    assert message in text_of(html)
    assert snapshot(app, *EVENT_TABLES) == before
    assert audit_entries(app, "event", world.event_a_id) == []


def test_completing_goes_to_the_report(app, client, auth, world):
    write_status(app, world.event_a_id, EventStatus.CONFIRMED)
    auth.login("staff_a")
    response = post_status(client, world.event_a_id, "completed")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{world.event_a_id}/report"
    assert stored(app, Event, world.event_a_id).status is EventStatus.CONFIRMED
    html = client.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert f'href="/events/{world.event_a_id}/report"' in html


def test_cancel_asks_for_a_reason_and_can_be_reopened(app, english, auth, world):
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/cancel").get_data(as_text=True)
    assert "<textarea" in page and 'name="reason"' in page
    assert 'value="cancelled"' in page

    response = post_status(english, world.event_a_id, "cancelled", reason="  ")
    assert response.headers["Location"] == f"/events/{world.event_a_id}/cancel"
    assert "Say why the event is cancelled." in english.get(response.headers["Location"]).text
    response = post_status(english, world.event_a_id, "cancelled", reason="长" * 501)
    assert "Keep the reason under 500 characters." in english.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert stored(app, Event, world.event_a_id).status is EventStatus.PLANNED

    post_status(english, world.event_a_id, "cancelled", reason="合作方临时改期")
    state = stored(app, Event, world.event_a_id)
    assert (state.status, state.cancel_reason) == (EventStatus.CANCELLED, "合作方临时改期")
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "合作方临时改期" in detail
    assert "Reopen" in detail

    post_status(english, world.event_a_id, "planned")
    state = stored(app, Event, world.event_a_id)
    assert (state.status, state.cancel_reason) == (EventStatus.PLANNED, "")


def test_cancel_page_of_a_completed_event_goes_back(app, english, auth, world):
    write_status(app, world.event_a_id, EventStatus.COMPLETED)
    auth.login("admin")
    response = english.get(f"/events/{world.event_a_id}/cancel")
    assert response.status_code == 302
    assert "cannot be cancelled" in english.get(response.headers["Location"]).text


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        (EventStatus.PLANNED, ['value="confirmed"', "/cancel"], ["/report", 'value="planned"']),
        (
            EventStatus.CONFIRMED,
            ["/report", 'value="planned"', "/cancel"],
            ['value="confirmed"'],
        ),
        (EventStatus.COMPLETED, [], ['value="confirmed"', 'value="planned"', "/cancel"]),
        (EventStatus.CANCELLED, ['value="planned"'], ['value="confirmed"', "/cancel", "/edit"]),
    ],
)
def test_detail_offers_only_the_allowed_moves(app, client, auth, world, status, shown, hidden):
    write_status(app, world.event_a_id, status)
    auth.login("staff_a")
    html = client.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    actions = html.split('data-testid="actions"')[1].split("</div>")[0]
    for text in shown:
        assert text in actions
    for text in hidden:
        assert text not in actions


# --- the event page --------------------------------------------------------------------------


def test_detail_shows_the_facts(app, english, auth, world):
    auth.login("head_a")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "湛山社区防诈讲座" in html
    assert f'href="/partners/{world.partner_a_id}"' in html
    assert "Seniors" in html and "Telecom and online fraud" in html
    assert 'class="badge group-badge"' in html
    assert "张宣教" in html
    assert "市南支行" in html  # heads see the branch
    assert "Planned" in html


def test_detail_shows_the_registered_panels_in_order(app, english, auth, world):
    """The report and the print runs come from the panels create_app registers, in that order,
    between the facts and the history."""
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    order = [
        html.index('data-testid="facts"'),
        html.index('data-testid="report-panel"'),
        html.index('data-testid="print-runs"'),
        html.index('id="history-h"'),
    ]
    assert order == sorted(order)


def test_detail_shows_only_registered_panels(app, english, auth, world, monkeypatch):
    """The event page knows no other area: without registered panels it shows none."""
    from outreach_app.events.panels import register_event_panel

    monkeypatch.setitem(app.extensions, "events.page_panels", [])
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="report-panel"' not in html
    assert 'data-testid="print-runs"' not in html
    seen = []

    def print_runs_only(event, user):
        seen.append((event.id, user.username))
        return {"print_runs": [], "copies_in_force": 0, "may_print": False}

    register_event_panel(app, "handouts/_event_runs.html", print_runs_only)
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="print-runs"' in html
    assert "No handouts were printed for this event." in html
    assert 'data-testid="report-panel"' not in html
    assert seen == [(world.event_a_id, "staff_a")]


def test_history_shows_status_changes_with_who_and_why(app, english, auth, world):
    auth.login("staff_a")
    post_status(english, world.event_a_id, "confirmed")
    post_status(english, world.event_a_id, "cancelled", reason="天气原因")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    history = html.split('data-testid="history"')[1]
    assert "Planned → Confirmed" in history
    assert "Confirmed → Cancelled" in history
    assert "Reason: 天气原因" in history
    assert "by 张宣教" in history
    assert history.index("Confirmed → Cancelled") < history.index("Planned → Confirmed")


def test_history_names_the_changed_fields(app, english, auth, world):
    auth.login("staff_a")
    english.post("/events/new", data=valid_form(app, world, notes="备注"))
    [event] = events_titled(app, "八大湖社区防诈骗讲座")
    data = valid_form(app, world, title="新标题", notes="新备注", expected_attendance="60")
    data["region_id"] = str(world.community_a_id)
    data["venue"] = event.venue
    english.post(f"/events/{event.id}/edit", data=data)
    html = english.get(f"/events/{event.id}").get_data(as_text=True)
    history = html.split('data-testid="history"')[1]
    assert "Changed: Title, Expected attendance, Notes" in history
    assert "Title: “八大湖社区防诈骗讲座” → “新标题”" in history
    assert "新备注" not in history  # notes: only that they changed
    assert "Event created" in history


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"


def test_titles_and_reasons_are_escaped_on_the_page_and_in_history(app, client, auth, world):
    auth.login("staff_a")
    client.post("/events/new", data=valid_form(app, world, title="讲座" + XSS, notes=XSS))
    [event] = events_titled(app, "讲座" + XSS)
    data = valid_form(app, world, title=XSS, region_id=str(world.community_a_id))
    data["venue"] = event.venue
    client.post(f"/events/{event.id}/edit", data=data)
    post_status(client, event.id, "cancelled", reason=XSS)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    history = html.split('data-testid="history"')[1]
    assert history.count("&lt;script&gt;") >= 3  # old title, new title, reason
    edit = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert edit.count("<script>alert(1)") == 0


def test_conflict_list_escapes_titles(app, client, auth, world):
    add_event(
        app,
        world,
        "a",
        XSS,
        starts_at=datetime(2027, 3, 10, 10, 0),
        staff_ids=[world.staff_a_id],
        partner=False,
    )
    auth.login("staff_a")
    html = client.post("/events/new", data=valid_form(app, world)).get_data(as_text=True)
    assert 'data-testid="conflicts"' in html
    assert "<script>alert(1)" not in html


def test_series_is_named_on_the_event_page(app, english, auth, world):
    auth.login("staff_a")
    english.post(
        "/events/new", data=valid_form(app, world, repeat_frequency="weekly", repeat_count="3")
    )
    first = events_titled(app, "八大湖社区防诈骗讲座")[0]
    html = english.get(f"/events/{first.id}").get_data(as_text=True)
    assert "One of 3 events in a series" in html
    assert "As one of 3 events in a series" in html


def test_partners_of_other_branches_are_not_offered(app, client, auth, world):
    with app.app_context():
        make_partner(
            "远方学校",
            db.session.get(Branch, world.branch_b_id),
            db.session.get(Region, world.community_b_id),
        )
        db.session.commit()
    auth.login("head_a")
    html = client.get("/events/new").get_data(as_text=True)
    assert "湛山社区居委会" in html
    assert "远方学校" not in html and "港东村委会" not in html
