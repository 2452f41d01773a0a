"""The administrator adds an event kind on the kinds-and-groups page; staff plan a home visit,
which asks for two staff and keeps its address on the event page only."""

import pytest
from sqlalchemy import select

from outreach_app.core.roles import Role
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.regions.models import Branch
from tests.browser.conftest import login, screenshot
from tests.factories import make_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

ADDRESS = "幸福里小区3号楼2单元502室"


def test_admin_adds_a_kind_and_staff_plan_a_home_visit(app, browser, live_server, world):
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        make_user("staff_a2", Role.STAFF, PASSWORD, branch=branch, display_name="王宣教")
        db.session.commit()

    admin = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = admin.new_page()
    login(page, live_server, "admin", PASSWORD)
    page.set_default_timeout(15_000)
    page.click("[data-testid=nav] >> text=类型与群体")
    page.click("text=新建活动类型")
    page.fill("#code", "market_day")
    page.fill("#name_zh", "进集市")
    page.fill("#name_en", "Market day")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() == 1
    assert page.locator('tr[data-code="market_day"]').count() == 1
    screenshot(page, "kinds-1-added")
    admin.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = staff.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server}/events/new")
    assert page.locator('#kind option[value="market_day"]').count() == 1
    page.fill("#title", "上门讲解养老诈骗防范")
    page.select_option("#kind", "home_visit")
    page.select_option("#partner_id", str(world.partner_a_id))
    page.fill("#venue", ADDRESS)
    page.fill("#starts_at", "2027-01-21T10:00")
    page.fill("#ends_at", "2027-01-21T11:00")
    page.get_by_label("老年人").check()
    page.get_by_label("养老诈骗").check()
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    # Only the planner is ticked: the form asks for a second member of staff.
    assert "上门服务：请至少指派 2 名工作人员。" in page.locator("#staff_ids-error").inner_text()
    screenshot(page, "kinds-2-two-staff")
    page.get_by_label("王宣教").check()
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=private-venue]").count() == 1
    assert ADDRESS in page.content()
    screenshot(page, "kinds-3-event-page")

    page.goto(f"{live_server}/events/")
    assert page.get_by_text("上门讲解养老诈骗防范").count() == 1
    assert ADDRESS not in page.content()
    page.goto(f"{live_server}/events/calendar?month=2027-01")
    assert page.get_by_text("上门讲解养老诈骗防范").count() >= 1
    assert ADDRESS not in page.content()
    staff.close()
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.kind == "home_visit")).one()
        assert len(event.staff) == 2 and event.venue == ADDRESS
