"""The access matrix: every route × every role × an object in and out of the user's scope.

Routes are read from the app's URL map, so a new route is covered (or this test asks for the
name of its id argument) without anyone remembering to add it.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from outreach_app import create_app
from outreach_app.auth.models import User
from outreach_app.core.ids import IdConverter
from outreach_app.core.roles import Role
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.reach.models import ReachItem, ReachKind
from outreach_app.reference.models import EventKind, TargetGroup
from outreach_app.regions.models import Region
from tests.factories import make_photo, make_print_run, make_problem, make_sheet
from tests.helpers import login

PUBLIC_ENDPOINTS = {
    "static",
    "core.healthz",
    "core.set_language",
    "auth.login",
    "auth.logout",
    "schedule.calendar_feed_ics",
    "attendee.copy_page",
    "attendee.lookup",
    "attendee.check_in_copy",
    "attendee.feedback",
    "attendee.quiz",
    "attendee.submit_answers",
    "attendee.help_now",
    "coverage_api.api_report",
}

# Which world object an id argument names: (in scope of staff_a and head_a, out of their scope).
ARG_IDS = {
    "branch_id": ("branch_a_id", "branch_b_id"),
    "region_id": ("community_a_id", "community_b_id"),
    "user_id": ("staff_a_id", "staff_b_id"),
    "partner_id": ("partner_a_id", "partner_b_id"),
    "event_id": ("event_a_id", "event_b_id"),
    "photo_id": ("photo_a_id", "photo_b_id"),
    "run_id": ("run_a_id", "run_b_id"),
    "handout_id": ("handout_a_id", "handout_b_id"),
    "problem_id": ("problem_a_id", "problem_b_id"),
    # Kinds and groups belong to no region: the same row either way (admin pages only).
    "kind_id": ("kind_id", "kind_id"),
    "group_id": ("group_id", "group_id"),
    "reach_item_id": ("reach_a_id", "reach_b_id"),
    "sheet_id": ("sheet_a_id", "sheet_b_id"),
    "number": ("page_number", "page_number"),  # a sign-in sheet's page: 1 in both
}


@pytest.fixture
def world(app, world, tmp_path):
    """The default world plus a stored photo, a sign-in sheet and a print run of each event."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        photos = [
            make_photo(db.session.get(Event, event_id), app.config["UPLOAD_FOLDER"])
            for event_id in (world.event_a_id, world.event_b_id)
        ]
        sheets = [
            make_sheet(db.session.get(Event, event_id), app.config["UPLOAD_FOLDER"])
            for event_id in (world.event_a_id, world.event_b_id)
        ]
        runs = [
            make_print_run(db.session.get(Event, world.event_a_id)),
            make_print_run(
                db.session.get(Event, world.event_b_id), code="click-farming", language="en"
            ),
        ]
        handouts = [run.version.handout_id for run in runs]
        problems = [
            make_problem(db.session.get(Event, event_id), db.session.get(User, owner_id))
            for event_id, owner_id in (
                (world.event_a_id, world.staff_a_id),
                (world.event_b_id, world.staff_b_id),
            )
        ]
        reach = []
        for event_id in (world.event_a_id, world.event_b_id):
            event = db.session.get(Event, event_id)
            reach.append(
                ReachItem(
                    kind=ReachKind.WECHAT_ARTICLE,
                    outlet="公众号",
                    published_on=event.starts_at.date(),
                    branch_id=event.branch_id,
                    region_id=event.branch.region_id,
                    event_id=event.id,
                )
            )
        db.session.add_all(reach)
        db.session.commit()
        return SimpleNamespace(
            **asdict(world),
            photo_a_id=photos[0].id,
            photo_b_id=photos[1].id,
            sheet_a_id=sheets[0].id,
            sheet_b_id=sheets[1].id,
            page_number=1,
            run_a_id=runs[0].id,
            run_b_id=runs[1].id,
            handout_a_id=handouts[0],
            handout_b_id=handouts[1],
            problem_a_id=problems[0].id,
            problem_b_id=problems[1].id,
            kind_id=db.session.scalar(select(EventKind.id).where(EventKind.code == "campus")),
            group_id=db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "youth")),
            reach_a_id=reach[0].id,
            reach_b_id=reach[1].id,
        )


URL_MAP = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map


def _rules(*, public: bool = False):
    rules = []
    for rule in URL_MAP.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS and not public:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append(
                pytest.param(rule.rule, method, sorted(rule.arguments), id=f"{method} {rule.rule}")
            )
    return rules


RULES = _rules()
# Every route with an id in its path, the public ones included.
ID_RULES = [rule for rule in _rules(public=True) if "<id:" in rule.values[0]]
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def _url(rule: str, arguments: list[str], world, which: int, values=None) -> str:
    values = values or {}
    for name in arguments:
        assert name in ARG_IDS or name in values, f"add the id argument {name!r} of {rule}"
    ids = {name: getattr(world, ARG_IDS[name][which]) for name in arguments if name in ARG_IDS}
    values = ids | values
    return ARGUMENT.sub(lambda match: str(values[match.group(1)]), rule)


@pytest.mark.parametrize("rule, method, arguments", RULES)
def test_anonymous_is_sent_to_login(client, world, rule, method, arguments):
    response = client.open(_url(rule, arguments, world, 0), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ["staff_a", "head_a"])
@pytest.mark.parametrize(
    "rule, method, arguments", [r for r in RULES if r.values[0].startswith("/admin/")]
)
def test_admin_pages_are_forbidden_to_others(
    client, auth, world, username, rule, method, arguments
):
    auth.login(username)
    for which in (0, 1):
        response = client.open(_url(rule, arguments, world, which), method=method)
        assert response.status_code == 403, (username, which)


def _home_region_id(app, username: str) -> int:
    """The region a user looks after: the root for an administrator, a head's own region, the
    region of a staff member's branch."""
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        if user.role is Role.ADMIN:
            return db.session.execute(
                select(Region.id).where(Region.parent_id.is_(None))
            ).scalar_one()
        return user.region_id if user.role is Role.HEAD else user.branch.region_id


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a"])
@pytest.mark.parametrize("rule, method, arguments", [r for r in RULES if r.values[1] == "GET"])
def test_every_page_opens_for_those_allowed(
    app, client, auth, world, username, rule, method, arguments
):
    auth.login(username)
    response = client.get(_url(rule, arguments, world, 0))
    if rule.startswith("/admin/") and username != "admin":
        assert response.status_code == 403
    elif rule == "/coverage/":
        # The one page that is a redirect: coverage opens on the user's own region.
        assert response.status_code == 302
        assert response.headers["Location"] == f"/coverage/{_home_region_id(app, username)}"
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("username", ["head_a", "staff_a"])
@pytest.mark.parametrize(
    "rule, method, arguments",
    [r for r in RULES if r.values[2] and not r.values[0].startswith("/admin/")],
)
def test_objects_out_of_scope_are_404(client, auth, world, username, rule, method, arguments):
    auth.login(username)
    response = client.open(_url(rule, arguments, world, 1), method=method, data={"name": "x"})
    assert response.status_code == 404


def test_every_id_in_a_path_is_read_by_the_id_converter():
    for rule in URL_MAP.iter_rules():
        for name, converter in rule._converters.items():
            if name.endswith("_id"):
                assert isinstance(converter, IdConverter), (rule.rule, name)
    assert ID_RULES


# Past 2**31 - 1 PostgreSQL refuses the number, past 2**63 - 1 SQLite does.
IDS_THAT_CANNOT_EXIST = (2**31, 2**63)


def _clients(app, usernames):
    """A client per user name (None: not logged in), with the interface in English."""
    for username in usernames:
        client = app.test_client()
        client.set_cookie("outreach_lang", "en")
        if username:
            login(client, username)
        yield username, client


@pytest.mark.parametrize("rule, method, arguments", ID_RULES)
def test_ids_that_cannot_exist_are_404_for_everyone(app, world, rule, method, arguments):
    for username, client in _clients(app, (None, "admin", "head_a", "staff_a")):
        for name in arguments:
            for value in IDS_THAT_CANNOT_EXIST:
                url = _url(rule, arguments, world, 0, {name: value})
                response = client.open(url, method=method, data={"name": "x"})
                assert response.status_code == 404, (username, url, response.status_code)


# Query arguments that carry ids somewhere in the app, and form fields that hold text.
QUERY_IDS = ("region", "parent", "focus", "copy", "partner", "group", "topic", "handout")
# Pages where a query id names what the page is about (the region shown, the parent of a new
# region, the branches' region, the event copied, the handout previewed): an id that cannot
# exist is a 404 there. Everywhere else the page ignores it and answers as without it.
QUERY_ID_PAGES = {
    "/coverage/",
    "/admin/regions/new",
    "/admin/branches",
    "/events/new",
    "/events/<id:event_id>/print-runs/preview.png",
}
TEXT_FIELDS = ("q", "name", "title", "reason", "username", "comment")


@pytest.mark.parametrize("rule, method, arguments", _rules(public=True))
def test_huge_query_ids_and_nul_bytes_never_fail(app, world, rule, method, arguments):
    """Ids that cannot exist in the query string are ignored or a 404; a NUL in the query
    string or a form is the 400 page (PostgreSQL cannot take it)."""
    for username, client in _clients(app, (None, "admin", "head_a", "staff_a")):
        url = _url(rule, arguments, world, 0, {"token": "x", "filename": "x.css"})
        if method == "GET" and username:
            plain = client.get(url)
            plain.close()
            expected = (plain.status_code, plain.headers.get("Location"))
            for value in IDS_THAT_CANNOT_EXIST:
                response = client.get(url, query_string=dict.fromkeys(QUERY_IDS, value))
                response.close()  # a streamed export stops here
                answer = (response.status_code, response.headers.get("Location"))
                if rule in QUERY_ID_PAGES and expected[0] != 403:
                    assert answer == (404, None), (username, value, answer)
                else:
                    assert answer == expected, (username, value, answer)
                    if response.status_code == 302:
                        assert not response.headers["Location"].startswith("/login")
        nul_text = dict.fromkeys(TEXT_FIELDS, "a\x00b")
        if method == "GET":
            response = client.get(url, query_string=nul_text)
        else:
            response = client.open(url, method=method, data=nul_text)
        assert response.status_code == 400, (username, response.status_code)
