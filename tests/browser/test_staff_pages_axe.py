"""axe-core (WCAG 2.2 AA) on every staff page, as the administrator, a regional head and outreach
staff see them: one shared browser, one context per role."""

from __future__ import annotations

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.events.lifecycle import change_status
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.models import Handout
from outreach_app.reach.models import ReachItem, ReachKind
from tests.browser.conftest import login, screenshot
from tests.factories import make_photo, make_print_run, make_problem, make_sheet
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Pages whose content depends on who is looking (navigation, scope, the buttons one may use):
# every role opens them. ``{event}`` is district A's event, in every role's scope.
ROLE_PAGES = [
    "/",
    "/events/",
    "/events/calendar",
    "/events/calendar?view=week",
    "/events/{event}",
    "/events/{event}/edit",
    "/events/{event}/report",
    "/events/{event}/photos",
    "/events/{event}/sign-in",
    "/events/{event}/print-runs/new",
    "/partners/",
    "/partners/{partner}",
    "/handouts",
    "/coverage/",
    "/reach/",
    "/reach/new",
    "/events/{event}/reach/new",
    "/reach/{reach}/edit",
    "/reach/{reach}/remove",
    "/account/password",
    "/problems/",
    "/problems/{problem}",
    "/events/{event}/problems/new",
]
# The other staff pages, opened once, as the administrator (who may open them all).
OTHER_PAGES = [
    "/events/?status=planned&sort=-starts_at",
    "/events/new",
    "/events/{event}/cancel",
    "/events/{event}/photos/{photo}/delete",
    "/events/{event}/sign-in/sheets/{sheet}/delete",
    "/events/{event}/responses",
    "/events/{event}/print-runs/{run}/revoke",
    "/events/feed",
    "/partners/new",
    "/partners/{partner}/edit",
    "/partners/{partner}/archive",
    "/coverage/api-token",
    "/problems/?status=overdue&category=fees",
    "/admin/users/",
    "/admin/users/new",
    "/admin/users/{staff}/edit",
    "/admin/users/{staff}/password",
    "/admin/users/{staff}/deactivate",
    "/admin/regions",
    "/admin/regions?expand=all",
    "/admin/regions/new?parent={district}",
    "/admin/regions/{district}/edit",
    "/admin/regions/import",
    "/admin/branches",
    "/admin/branches/new",
    "/admin/branches/{branch}/edit",
    "/admin/handouts/new",
    "/admin/handouts/{handout}",
    "/admin/handouts/{handout}/edit",
    "/admin/handouts/{handout}/active",
    "/admin/kinds-and-groups",
    "/admin/kinds/new",
    "/admin/kinds/1/edit",
    "/admin/kinds/1/retire",
    "/admin/groups/new",
    "/admin/groups/1/edit",
]
PAGES_BY_ROLE = {
    "admin": ROLE_PAGES + OTHER_PAGES,
    "head_a": ROLE_PAGES,
    "staff_a": ROLE_PAGES,
}
# What the CSS fix is about, kept as pictures: the event form's "Cancel" and the event page's
# outlined "Cancel event".
SCREENSHOTS = {
    "/events/{event}": "axe-event-page",
    "/events/{event}/edit": "axe-event-form",
    "/admin/kinds-and-groups": "axe-kinds-and-groups",
    "/admin/kinds/1/edit": "axe-kind-form",
    "/admin/kinds/1/retire": "axe-kind-retire",
    "/reach/": "axe-reach-list",
    "/reach/{reach}/edit": "axe-reach-form",
}


def violations(page) -> list:
    """axe-core's WCAG A/AA violations on the page, as (rule, [elements])."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


@pytest.fixture
def ids(app, world, tmp_path) -> dict[str, int]:
    """Event A confirmed, with a print run, a photo, a two-page sign-in sheet and an open
    problem (with a callback number), and the ids the page paths need."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        change_status(event, EventStatus.CONFIRMED, admin)
        run = make_print_run(event, copies=3)
        photo = make_photo(event, app.config["UPLOAD_FOLDER"], caption="活动现场")
        staff = db.session.get(User, world.staff_a_id)
        problem = make_problem(event, staff, callback_consent=True, callback_phone="13812345678")
        item = ReachItem(
            kind=ReachKind.WECHAT_ARTICLE,
            outlet="青岛银行公众号",
            title="守好养老钱 湛山社区防诈讲座",
            published_on=date(2026, 11, 3),
            url="https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",
            reads=1200,
            forwards=85,
            branch_id=event.branch_id,
            region_id=event.branch.region_id,
            event_id=event.id,
        )
        db.session.add(item)
        sheet = make_sheet(event, app.config["UPLOAD_FOLDER"], pages=2)
        db.session.commit()
        handout_id = db.session.scalars(select(Handout.id).order_by(Handout.id)).first()
        return {
            "event": world.event_a_id,
            "run": run.id,
            "photo": photo.id,
            "sheet": sheet.id,
            "partner": world.partner_a_id,
            "staff": world.staff_a_id,
            "district": world.district_a_id,
            "branch": world.branch_a_id,
            "handout": handout_id,
            "problem": problem.id,
            "reach": item.id,
        }


def test_every_staff_page_passes_axe_for_every_role(browser, live_server, ids):
    found = {}
    for username, paths in PAGES_BY_ROLE.items():
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        login(page, live_server, username, PASSWORD)
        for path in paths:
            url = live_server + path.format(**ids)
            response = page.goto(url)
            assert response is not None and response.status == 200, (username, path)
            problems = violations(page)
            if problems:
                found[(username, path)] = problems
            # Admin pages as the administrator sees them, the others as staff see them.
            if path in SCREENSHOTS and username == ("admin" if "/admin/" in path else "staff_a"):
                screenshot(page, SCREENSHOTS[path])
        context.close()
    assert found == {}, "\n".join(
        f"{who} {path}: {problems}" for (who, path), problems in found.items()
    )
