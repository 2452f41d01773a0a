"""The handout ledger in the browser: a head completes an event that printed 400 coded copies,
first trying to enter more than were printed, then 300 of them and 50 booklets and a gift; the
event page lists the ledger and the coverage page's event records show it. Plus axe-core on
the report form with its ledger inputs, at desktop and phone widths."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.models import HandoutLedgerLine
from tests.browser.conftest import login, screenshot
from tests.coverage_data import month_of, month_text
from tests.factories import confirm, make_print_run
from tests.helpers import PASSWORD, count

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_violations(page) -> list:
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return result.response["violations"]


def test_head_records_300_of_400_copies_and_50_booklets(app, page, live_server, world):
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run_id = make_print_run(event, copies=400).id
        month = month_text(month_of(event.starts_at))
        db.session.commit()
    confirm(app, world.event_a_id)
    login(page, live_server, "head_a", PASSWORD)
    page.goto(f"{live_server}/events/{world.event_a_id}/report")
    assert page.locator("[data-testid=ledger-run]").count() == 1
    assert "400" in page.locator("[data-testid=ledger-run] [data-testid=printed]").inner_text()
    assert _axe_violations(page) == []

    page.locator("input[id^=attendance_]").first.fill("320")
    page.fill("#report_summary", "讲解养老诈骗常见手法，发放宣传资料。")
    page.fill(f"#handed_out_{run_id}", "401")
    page.select_option("#material_0", "booklet")
    page.fill("#material_quantity_0", "50")
    page.select_option("#material_1", "gift")
    page.fill("#material_quantity_1", "30")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    error = page.locator(f"#handed_out_{run_id}-error")
    assert "400" in error.inner_text()
    assert page.locator("#material_label_1-error").count() == 1  # a gift says what it was
    assert _axe_violations(page) == []
    screenshot(page, "ledger-1-refused")
    assert count(app, HandoutLedgerLine) == 0

    page.fill(f"#handed_out_{run_id}", "300")
    page.fill("#material_label_1", "环保袋")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-testid=ledger-row]")
    assert rows.count() == 3
    assert rows.nth(0).locator("[data-testid=ledger-quantity]").inner_text() == "300"
    assert rows.nth(1).locator("[data-testid=ledger-quantity]").inner_text() == "50"
    assert "环保袋" in rows.nth(2).inner_text()
    screenshot(page, "ledger-2-event-page")

    page.goto(f"{live_server}/coverage/{world.district_a_id}?period=custom&from={month}&to={month}")
    record = page.locator("[data-testid=record]")
    assert record.locator("[data-figure=copies]").inner_text() == "400"
    assert record.locator("[data-figure=handed_out]").inner_text() == "300"
    assert record.locator("[data-figure=materials_handed_out]").inner_text() == "50"
    assert record.locator("[data-figure=gifts_handed_out]").inner_text() == "30"
    screenshot(page, "ledger-3-coverage")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server}/events/{world.event_a_id}/report")
    assert _axe_violations(page) == []
    screenshot(page, "ledger-4-report-phone")
