"""The staff journey: log in → new partner → a campus event for youth on anti-fraud → the
calendar → confirm → complete with attendance by target group."""

import pytest
from sqlalchemy import select

from outreach_app.events.models import Event, EventAttendance, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.models import HandoutLedgerLine
from outreach_app.reference.models import TargetGroup
from tests.browser.conftest import login, screenshot
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_plans_and_completes_a_campus_event(app, page, live_server, world):
    login(page, live_server, "staff_a", PASSWORD)

    page.goto(f"{live_server}/partners/new")
    page.fill("#name", "青岛第二中学")
    page.select_option("#kind", "school")
    page.select_option("#region_id", str(world.community_a_id))
    page.fill("#contact_name", "刘老师")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() == 1

    page.goto(f"{live_server}/events/new")
    page.fill("#title", "青岛第二中学防范校园贷讲座")
    page.select_option("#kind", "campus")
    page.select_option("#partner_id", label="青岛第二中学")
    page.select_option("#region_id", str(world.community_a_id))
    page.fill("#starts_at", "2027-01-20T14:00")
    page.fill("#ends_at", "2027-01-20T15:30")
    page.get_by_label("青少年/学生").check()
    page.get_by_label("校园贷诈骗").check()
    page.get_by_label("张宣教").check()
    page.fill("#expected_attendance", "120")
    screenshot(page, "journey-1-new-event")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1.event-title").inner_text().startswith("青岛第二中学防范校园贷讲座")
    event_url = page.url

    page.goto(f"{live_server}/events/calendar?month=2027-01")
    assert page.get_by_text("青岛第二中学防范校园贷讲座").count() >= 1
    screenshot(page, "journey-2-calendar")

    page.goto(event_url)
    page.click("form input[name=to][value=confirmed] ~ button")
    page.wait_for_load_state("networkidle")
    with app.app_context():
        event = db.session.execute(
            select(Event).where(Event.title == "青岛第二中学防范校园贷讲座")
        ).scalar_one()
        assert event.status is EventStatus.CONFIRMED
        youth = db.session.execute(
            select(TargetGroup).where(TargetGroup.code == "youth")
        ).scalar_one()
        event_id, youth_id = event.id, youth.id

    page.goto(f"{live_server}/events/{event_id}/report")
    page.fill(f"#attendance_{youth_id}", "96")
    page.select_option("#material_0", "booklet")
    page.fill("#material_quantity_0", "110")
    page.fill("#report_summary", "讲解了注销校园贷、刷单返利等骗局，学生积极提问。")
    screenshot(page, "journey-3-report")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=status]").first.inner_text() == "已完成"
    screenshot(page, "journey-4-completed")

    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.status is EventStatus.COMPLETED
        lines = db.session.execute(
            select(HandoutLedgerLine.material, HandoutLedgerLine.quantity).where(
                HandoutLedgerLine.event_id == event_id
            )
        ).all()
        assert [(str(m), q) for m, q in lines] == [("booklet", 110)]
        rows = db.session.execute(
            select(EventAttendance.target_group_id, EventAttendance.headcount).where(
                EventAttendance.event_id == event_id
            )
        ).all()
        assert rows == [(youth_id, 96)]
