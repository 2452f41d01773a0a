"""Online and media reach in the browser: staff add a WeChat article with 1,200 reads to an
event from its page, correct a mistyped address on the way, then record a newspaper report of
their branch without an event from the reach list; the head sees both in coverage's event
records."""

from __future__ import annotations

import pytest

from outreach_app.core.roles import Role
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.regions.models import Region
from tests.browser.conftest import login, screenshot
from tests.coverage_data import local_today
from tests.factories import make_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _record(page, key: str) -> int:
    text = page.locator(f"[data-testid=record] [data-figure={key}]").inner_text()
    return int(text.split()[0].replace(",", ""))


def test_staff_record_reach_and_the_head_sees_it_in_coverage(app, world, browser, live_server):
    today = local_today().isoformat()
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, "staff_a", PASSWORD)

    page.goto(f"{live_server}/events/{world.event_a_id}")
    page.click("[data-testid=reach-add]")
    page.select_option("#kind", "wechat_article")
    page.fill("#outlet", "青岛银行公众号")
    page.fill("#title", "守好养老钱 湛山社区防诈讲座")
    page.fill("#published_on", today)
    page.fill("#url", "javascript:alert(1)")
    page.fill("#reads", "1200")
    page.fill("#forwards", "85")
    page.click("[data-testid=reach-form] button[type=submit]")
    assert "http:// 或 https://" in page.locator("#url-error").inner_text()
    page.fill("#url", "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv")
    page.click("[data-testid=reach-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/events/{world.event_a_id}#reach")
    panel = page.locator("[data-testid=reach-panel]")
    assert "1,200" in panel.inner_text()
    link = panel.locator("a[data-testid=reach-link]")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    screenshot(page, "reach-1-event-panel")

    page.goto(f"{live_server}/reach/")
    page.click("[data-testid=reach-new]")
    page.select_option("#kind", "newspaper")
    page.fill("#outlet", "青岛日报")
    page.fill("#published_on", today)
    page.click("[data-testid=reach-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-testid=reach-item]")
    assert rows.count() == 2
    assert "不属于活动" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
    screenshot(page, "reach-2-list")
    context.close()

    with app.app_context():
        event_month = db.session.get(Event, world.event_a_id).starts_at.strftime("%Y-%m")
        make_user(
            "head_city",
            Role.HEAD,
            PASSWORD,
            region=db.session.get(Region, world.city_id),
            display_name="青岛市负责人",
        )
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "head_city", PASSWORD)
    # A period holding both the event's month and today's, whenever the test runs.
    months = sorted([event_month, today[:7]])
    page.goto(
        f"{live_server}/coverage/{world.city_id}?period=custom&from={months[0]}&to={months[1]}"
    )
    assert _record(page, "online_reads") == 1200
    assert _record(page, "online_forwards") == 85
    assert _record(page, "media_reports") == 2
    screenshot(page, "reach-3-coverage")
    context.close()
