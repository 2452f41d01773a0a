"""The handout journeys: staff print 10 copies for an event after a preview, download them and
see the run on the event page; an administrator reads the library and edits a handout."""

import pytest
from sqlalchemy import select

from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.models import PrintRun
from outreach_app.handouts.services import handout_by_code
from tests.browser.conftest import login, screenshot
from tests.factories import make_print_run
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_previews_prints_and_downloads_handouts(app, page, live_server, world):
    login(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server}/events/{world.event_a_id}")
    page.get_by_test_id("print-button").click()
    page.wait_for_load_state("networkidle")

    with app.app_context():
        handout_id = handout_by_code("pension-scams", "zh_CN").id
    page.select_option("#handout", str(handout_id))
    page.fill("#copies", "10")
    page.select_option("#layout", "large")
    page.click("#preview")
    page.wait_for_load_state("networkidle")
    preview = page.get_by_test_id("preview-image")
    assert preview.get_attribute("alt")
    # The preview picture really loaded (a broken image has no natural width).
    assert preview.evaluate("img => img.complete && img.naturalWidth > 500")
    screenshot(page, "handouts-1-print-preview")

    page.click("#print_run")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() == 1
    runs = page.get_by_test_id("print-run")
    assert runs.count() == 1
    assert "10" in runs.first.inner_text()

    with page.expect_download() as download_info:
        runs.first.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-pension-scams-zh_CN-large-10.pdf")
    with app.app_context():
        day = db.session.get(Event, world.event_a_id).starts_at.date().isoformat()
    assert download.suggested_filename.startswith(day + "-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    screenshot(page, "handouts-2-event-runs")

    with app.app_context():
        run = db.session.scalars(select(PrintRun)).one()
        assert (run.copies, run.layout.value) == (10, "large")

    # Withdrawing needs a reason; the run then shows as withdrawn, without a download link.
    runs.first.get_by_test_id("withdraw").click()
    page.wait_for_load_state("networkidle")
    page.click("form button[type=submit].btn-danger")
    page.wait_for_load_state("networkidle")
    assert page.locator("#reason-error").count() == 1
    page.fill("#reason", "活动日期印错了，重新印制。")
    page.click("form button[type=submit].btn-danger")
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id("print-run").first
    assert "活动日期印错了" in row.inner_text()
    assert row.get_by_test_id("download").count() == 0
    screenshot(page, "handouts-6-event-withdrawn")

    # On a phone each run becomes a labelled block: nothing scrolls sideways, not even the table.
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = page.locator("#handouts .table-responsive")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
    assert (
        page.get_by_test_id("print-run").first.locator("td[data-label]").count() == 6
    )  # handed out beside the copies
    screenshot(page, "handouts-7-event-phone")
    page.goto(f"{live_server}/handouts")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "handouts-8-library-phone")


def test_admin_reads_the_library_and_edits_a_handout(app, page, live_server, world):
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/handouts")
    assert page.get_by_test_id("handout-item").count() == 16
    page.get_by_test_id("handout-item").first.locator("summary").click()
    screenshot(page, "handouts-3-library")

    with app.app_context():
        handout_id = handout_by_code("pension-scams", "zh_CN").id
    page.goto(f"{live_server}/admin/handouts/{handout_id}/edit")
    page.fill("#tip3", "")
    page.fill("#tip4", "")
    page.fill("#tip5", "")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("#tips-error").count() == 1
    screenshot(page, "handouts-4-edit-errors")

    page.goto(f"{live_server}/admin/handouts/{handout_id}/edit")
    page.fill("#title", "守好养老钱，谨防养老诈骗（新版）")
    page.fill("#note", "标题加上“新版”")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert "（新版）" in page.locator("h1").inner_text()
    assert page.get_by_test_id("versions").locator("li").count() == 2
    screenshot(page, "handouts-5-detail")


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page, context: str | None = None) -> list:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    results = Axe().run(page, context=context, options=options)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


def test_handout_pages_pass_axe(app, page, live_server, world):
    with app.app_context():
        run = make_print_run(db.session.get(Event, world.event_a_id), copies=2)
        db.session.commit()
        run_id, handout_id = run.id, run.version.handout_id
    login(page, live_server, "admin", PASSWORD)
    base = f"{live_server}/events/{world.event_a_id}"
    for url in (
        f"{live_server}/handouts",
        f"{live_server}/handouts?q=no-such-text",
        f"{live_server}/admin/handouts/new",
        f"{live_server}/admin/handouts/{handout_id}",
        f"{live_server}/admin/handouts/{handout_id}/edit",
        f"{live_server}/admin/handouts/{handout_id}/active",
        f"{base}/print-runs/new",
        f"{base}/print-runs/{run_id}/revoke",
    ):
        page.goto(url)
        assert _violations(page) == [], url
        if url.endswith(("/new", "/revoke")):
            screenshot(
                page, "handouts-axe-" + url.rsplit("/", 2)[-2] + "-" + url.rsplit("/", 1)[-1]
            )
    # On the event page, the "Handouts" section is ours to check.
    page.goto(base)
    assert _violations(page, context="#handouts") == []
    page.goto(f"{base}/print-runs/new")
    page.click("#preview")
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    page.goto(f"{live_server}/admin/handouts/{handout_id}/edit")
    page.fill("#title", "")
    page.fill("#tip1", "x" * 250)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
