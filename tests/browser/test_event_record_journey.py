"""An event recorded in full, in the browser: staff upload a photo of the paper sign-in sheet
and enter the head counts from it, complete the report with 300 of 400 coded copies and 50
booklets handed out, add a WeChat article with 1,200 reads and two problems (one with a callback
number); the owner closes one, and with the clock moved the other is overdue on the owner's home
page and the head's coverage page. The new figures are then read back from the coverage page,
its CSV, workbook, PDF and JSON, equal to what was entered."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from outreach_app.coverage.figures import EXPORT_SUMMARY, FIGURES, PDF_RECORD
from outreach_app.events.models import Event, SignInSheet
from outreach_app.extensions import db
from outreach_app.problems.models import Problem
from outreach_app.reference.models import TargetGroup
from tests.browser.conftest import login, screenshot
from tests.factories import confirm, jpeg, make_print_run
from tests.helpers import PASSWORD, count

pytestmark = pytest.mark.browser

# The event of the world is on 2026-12-11; the problems are raised three days later.
RAISED = datetime(2026, 12, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# What the journey enters, as the coverage figures it must come back as.
ENTERED = {
    "signed_on_paper": 180,
    "copies": 400,
    "handed_out": 300,
    "materials_handed_out": 50,
    "online_reads": 1200,
    "media_reports": 1,
    "problems_raised": 2,
    "problems_resolved": 1,
    "problems_resolved_late": 0,
}


def _submit(page, form: str) -> None:
    page.click(f"[data-testid={form}] [type=submit]")
    page.wait_for_load_state("networkidle")


def _add_problem(page, category: str, description: str, phone: str = "") -> None:
    page.click("[data-testid=add-problem]")
    page.select_option("#category", category)
    page.fill("#description", description)
    if phone:
        page.check("#callback_consent")
        page.fill("#callback_phone", phone)
    _submit(page, "problem-form")


def _number(text: str) -> int:
    return int(text.split()[0].replace(",", ""))


def test_an_event_recorded_in_full_shows_in_coverage_and_every_export(
    app, page, live_server, world, uploads, tmp_path
):
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run_id = make_print_run(event, copies=400).id
        month = event.starts_at.strftime("%Y-%m")
        seniors_id = db.session.scalars(
            select(TargetGroup.id).where(TargetGroup.code == "seniors")
        ).one()
        db.session.commit()
    confirm(app, world.event_a_id)
    event_page = f"{live_server}/events/{world.event_a_id}"
    coverage_page = f"{live_server}/coverage/{world.district_a_id}"
    period = f"period=custom&from={month}&to={month}"

    with time_machine.travel(RAISED, tick=True):
        login(page, live_server, "staff_a", PASSWORD)

        # The paper sheet: its photo, and the head count read off it.
        page.goto(f"{event_page}/sign-in")
        page.set_input_files(
            "#sheet", {"name": "签到表.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
        )
        _submit(page, "sheet-form")
        assert page.locator("[data-testid=sheet]").count() == 1
        page.fill(f"#paper_{seniors_id}", "180")
        _submit(page, "paper-counts-form")
        assert page.locator(".alert-success").count() == 1
        assert page.input_value(f"#paper_{seniors_id}") == "180"
        screenshot(page, "record-1-paper-sign-in")

        # The report rests on the paper count; the ledger holds 300 of 400 and 50 booklets.
        page.goto(f"{event_page}/report")
        page.fill(f"#handed_out_{run_id}", "300")
        page.select_option("#material_0", "booklet")
        page.fill("#material_quantity_0", "50")
        page.fill("#report_summary", "讲解养老诈骗常见手法，老人在纸质签到表上签名。")
        screenshot(page, "record-2-report")
        page.click("form button[type=submit].btn-primary")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=status]").first.inner_text() == "已完成"

        # One WeChat article about the event.
        page.goto(event_page)
        page.click("[data-testid=reach-add]")
        page.select_option("#kind", "wechat_article")
        page.fill("#outlet", "示范银行公众号")
        page.fill("#title", "湛山社区防诈讲座：守好养老钱")
        page.fill("#published_on", "2026-12-12")
        page.fill("#url", "https://mp.weixin.qq.com/s/record-journey")
        page.fill("#reads", "1200")
        _submit(page, "reach-form")

        # Two problems: one answered now, one with a callback number that will run late.
        page.goto(event_page)
        _add_problem(page, "fees", "客户询问跨行转账手续费的标准")
        page.goto(event_page)
        _add_problem(page, "fraud", "老人接到冒充社保局的电话，要求提供卡号", "139 0000 1111")
        page.goto(event_page)
        panel = page.locator("[data-testid=problems-panel]")
        assert panel.locator("[data-testid=problem-row]").count() == 2
        assert "139****1111" in panel.inner_text() and "13900001111" not in panel.inner_text()
        screenshot(page, "record-3-event-page")
        with app.app_context():
            fees_id, fraud_id = db.session.scalars(select(Problem.id).order_by(Problem.id))
        page.goto(f"{live_server}/problems/{fees_id}")
        page.fill("#answer", "已向客户说明收费标准，并给了收费公示的位置。")
        _submit(page, "close-form")
        assert page.locator("[data-testid=problem-answer]").is_visible()

    with app.app_context():
        assert count(app, SignInSheet) == 1
        problems = {p.id: p for p in db.session.scalars(select(Problem))}
        assert problems[fees_id].callback_phone in (None, "")
        assert problems[fraud_id].callback_phone == "13900001111"

    # Six days later the fraud problem is a day past its due date.
    with time_machine.travel(RAISED + timedelta(days=6), tick=True):
        login(page, live_server, "staff_a", PASSWORD)
        page.goto(f"{live_server}/")
        mine = page.locator("[data-testid=my-problems]")
        assert mine.locator("[data-state=overdue]").count() == 1
        screenshot(page, "record-4-home-overdue")
        page.context.clear_cookies()

        login(page, live_server, "head_a", PASSWORD)
        page.goto(f"{coverage_page}?{period}")
        follow_up = page.locator("[data-testid=problem-follow-up]")
        assert follow_up.locator("[data-live=overdue] .num").inner_text() == "1"
        assert follow_up.locator(f"a[href='/problems/{fraud_id}']").count() == 1
        record = page.locator("[data-testid=record]")
        sources = page.locator("[data-testid=kpis] [data-source=signed_on_paper]")
        assert _number(sources.inner_text()) == ENTERED["signed_on_paper"]
        shown = {
            key: _number(record.locator(f"[data-figure={key}]").inner_text()) for key in ENTERED
        }
        assert shown == ENTERED
        screenshot(page, "record-5-coverage")

        json_total = page.request.get(f"{coverage_page}.json?{period}").json()["total"]
        csv_text = page.request.get(f"{coverage_page}/export.csv?{period}").text()
        workbook = page.request.get(f"{coverage_page}/export.xlsx?{period}").body()
        pdf = page.request.get(f"{coverage_page}/export.pdf?{period}").body()

    assert {key: json_total[key] for key in ENTERED} == ENTERED
    with app.test_request_context():  # the exports' labels, in the default language
        summary_labels = {key: FIGURES[key].label_in(EXPORT_SUMMARY) for key in ENTERED}
        pdf_labels = {key: FIGURES[key].label_in(PDF_RECORD) for key in ENTERED}
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    in_csv = {row[0]: row[1] for row in rows if len(row) >= 2}
    assert {
        key: int(in_csv[label].replace(",", "")) for key, label in summary_labels.items()
    } == ENTERED
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    in_book = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert {key: in_book[label] for key, label in summary_labels.items()} == ENTERED
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    for key, label in pdf_labels.items():
        assert f"{ENTERED[key]:,} {label}" in text, key
