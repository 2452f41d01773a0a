"""The regional head's journey: log in → coverage of the city → drill into a district → the gap
list → download the XLSX. Plus screenshots in both languages, the PDF summary as an image, and
axe-core on the page."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook

from outreach_app.core.roles import Role
from outreach_app.extensions import db
from outreach_app.regions.models import Region
from tests.browser.conftest import SCREENSHOTS, login, screenshot
from tests.coverage_data import build_coverage_world
from tests.factories import make_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def cw(app, world):
    """The coverage data set and a head of the whole city."""
    with app.app_context():
        data = build_coverage_world(world, PASSWORD)
        make_user(
            "head_city",
            Role.HEAD,
            PASSWORD,
            region=db.session.get(Region, world.city_id),
            display_name="青岛市负责人",
        )
        db.session.commit()
        return data


def test_head_drills_down_to_the_gap_list_and_downloads_xlsx(page, live_server, cw):
    login(page, live_server, "head_city", PASSWORD)
    page.goto(f"{live_server}/coverage/")
    assert page.url.split("?")[0].endswith(f"/coverage/{cw.city_id}")
    assert page.locator("[data-testid=region-title]").inner_text() == "青岛市"
    assert page.locator("[data-testid=trend-chart]").count() == 1
    screenshot(page, "coverage-1-city-zh_CN")

    page.locator(
        "[data-testid=children-table] a[data-testid=drill-down]", has_text="市南区"
    ).click()
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith(f"/coverage/{cw.district_a_id}")
    crumbs = page.locator("[data-testid=breadcrumb] a")
    assert crumbs.count() == 1 and crumbs.first.inner_text() == "青岛市"

    page.locator("[data-testid=kpis] a[href='#gaps-h']").click()
    gaps = page.locator("[data-testid=gap-list]")
    assert gaps.is_visible()
    names = gaps.locator("tbody th").all_inner_texts()
    assert "八大关社区" in names  # never reached
    assert "仰口村" not in names  # district B's
    screenshot(page, "coverage-2-district-zh_CN")

    with page.expect_download() as download_info:
        page.click("[data-testid=export-xlsx]")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert len(book.worksheets) == 9
    gap_sheet = book.worksheets[7]
    assert "八大关社区" in [row[0] for row in gap_sheet.iter_rows(min_row=2, values_only=True)]

    page.click("[data-testid=breadcrumb] a")
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith(f"/coverage/{cw.city_id}")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screenshots_and_axe(browser, live_server, cw, lang, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "admin", PASSWORD)
    if lang == "en":
        context.add_cookies([{"name": "outreach_lang", "value": "en", "url": live_server}])
    for name, region_id in (("city", cw.city_id), ("district", cw.district_a_id)):
        page.goto(f"{live_server}/coverage/{region_id}")
        screenshot(page, f"coverage-{name}-{lang}")
        page.locator("details.chart-table summary").click()
        violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        found = [
            (v["id"], [n["target"] for n in v["nodes"]]) for v in violations.response["violations"]
        ]
        assert found == [], (name, lang)
    # On a phone the page reflows: nothing but the wide tables' own scroll boxes scroll sideways.
    page.set_viewport_size({"width": 320, "height": 740})
    for region_id in (cw.city_id, cw.district_a_id):
        page.goto(f"{live_server}/coverage/{region_id}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"coverage-district-phone-{lang}")
    page.set_viewport_size({"width": 1280, "height": 860})
    # The PDF summary as people will see it printed.
    response = page.request.get(f"{live_server}/coverage/{cw.city_id}/export.pdf")
    assert response.ok
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.body())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"coverage-summary-pdf-{lang}"
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(target)], check=True
    )
    assert target.with_suffix(".png").exists()
    context.close()
