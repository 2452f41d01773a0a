"""Problems in the browser: staff record two problems from the report page (one whose
description holds a phone number, kept after the warning; one with a callback number the
customer agreed to), the owner closes one, and with the clock moved past the due date the
other is overdue on the owner's home page and the head's coverage page; axe-core on the form
with its warning and on the problem's page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from outreach_app.extensions import db
from outreach_app.problems.models import Problem
from tests.browser.conftest import login, screenshot
from tests.factories import confirm
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RAISED = datetime(2026, 12, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _axe_violations(page) -> list:
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result.response["violations"]]


def _record(page, category: str, description: str) -> None:
    page.select_option("#category", category)
    page.fill("#description", description)
    page.click("[data-testid=problem-form] [type=submit]")
    page.wait_for_load_state("networkidle")


def test_record_close_and_see_the_other_overdue(app, page, live_server, world):
    confirm(app, world.event_a_id)
    event_page = f"{live_server}/events/{world.event_a_id}"
    # The clock ticks on from the moment the problems are raised.
    with time_machine.travel(RAISED, tick=True):
        login(page, live_server, "staff_a", PASSWORD)
        page.goto(f"{event_page}/report")
        page.click("[data-testid=add-problem]")
        _record(page, "fees", "客户说可以打13812345678问收费")
        assert page.locator("[data-testid=personal-warning]").is_visible()
        assert _axe_violations(page) == []
        screenshot(page, "problem-1-warning")
        page.check("#keep_personal_text")
        page.click("[data-testid=problem-form] [type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{event_page}/report"

        page.click("[data-testid=add-problem]")
        page.select_option("#category", "fraud")
        page.fill("#description", "老人接到冒充社保局的电话，要求提供卡号")
        page.fill("#callback_phone", "139 0000 1111")
        page.click("[data-testid=problem-form] [type=submit]")
        page.wait_for_load_state("networkidle")
        assert "同意回访" in page.inner_text("#callback_phone-error")
        page.check("#callback_consent")
        page.click("[data-testid=problem-form] [type=submit]")
        page.wait_for_load_state("networkidle")

        page.goto(event_page)
        panel = page.locator("[data-testid=problems-panel]")
        assert panel.locator("[data-testid=problem-row]").count() == 2
        assert "139****1111" in panel.inner_text() and "13900001111" not in panel.inner_text()
        with app.app_context():
            fees_id, fraud_id = db.session.scalars(select(Problem.id).order_by(Problem.id))
        page.goto(f"{live_server}/problems/{fees_id}")
        assert _axe_violations(page) == []
        page.fill("#answer", "已电话说明跨行转账的收费标准。")
        page.click("[data-testid=close-form] [type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=problem-answer]").is_visible()

    # Six days on the fraud problem is a day overdue; a new login (the old session idled out).
    with time_machine.travel(RAISED + timedelta(days=6), tick=True):
        login(page, live_server, "staff_a", PASSWORD)
        page.goto(f"{live_server}/")
        mine = page.locator("[data-testid=my-problems]")
        assert mine.locator("[data-state=overdue]").count() == 1
        assert "139****1111" in mine.inner_text()
        screenshot(page, "problem-2-home-overdue")
        page.context.clear_cookies()
        login(page, live_server, "head_a", PASSWORD)
        page.goto(f"{live_server}/coverage/{world.district_a_id}")
        follow_up = page.locator("[data-testid=problem-follow-up]")
        assert follow_up.locator("[data-live=overdue] .num").inner_text() == "1"
        assert follow_up.locator(f"a[href='/problems/{fraud_id}']").count() == 1
        screenshot(page, "problem-3-coverage-overdue")
