"""The coverage page, its exports and its JSON against figures computed from the raw rows.

``tests.coverage_data`` builds a known data set and computes every figure in Python from the
rows themselves; here each way of reading the figures (page, CSV, XLSX, PDF, JSON) is compared
with that computation, for an administrator, a regional head and a member of staff.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import select

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.auth.models import User
from outreach_app.core.types import utcnow
from outreach_app.coverage import figures, rollups
from outreach_app.coverage.exports import HELD_AND_PLANNED
from outreach_app.coverage.figures import rounded_ratio
from outreach_app.coverage.models import CoverageRollup
from outreach_app.coverage.services import GAP_LIST_LIMIT
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.reference.models import EventKind, TargetGroup
from outreach_app.regions.models import Branch, BranchAccess, Region
from tests.coverage_data import (
    expected_report,
    local_today,
    month_of,
    month_text,
    period_args,
    shift,
    slim_json,
    twelve_months,
)
from tests.factories import make_event, make_partner, make_print_run, make_region


def _expected(app, username: str, region_id: int, first: int, last: int, stale: int = 6):
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.username == username)).one()
        return expected_report(user.id, region_id, first, last, local_today(), stale)


def _json(client, region_id: int, args: dict[str, str]):
    response = client.get(f"/coverage/{region_id}.json", query_string=args)
    assert response.status_code == 200, response.data
    return response.get_json()


def _number(text: str) -> float | None:
    text = text.replace(",", "").split("/")[0].strip()
    if text in ("—", ""):
        return None
    if text.endswith("%"):
        return round(float(text[:-1]) / 100, 3)
    return float(text)


def _figures(element) -> dict[str, float | None]:
    return {
        node.get("data-figure"): _number(node.text_content())
        for node in element.xpath(".//*[@data-figure]")
    }


# The period windows compared: the default 12 months, one month, and 18 custom months.
WINDOWS = {
    "12m": lambda this: twelve_months(local_today()),
    "month": lambda this: (this, this),
    "custom18": lambda this: (shift(this, -17), this),
}


@pytest.mark.parametrize(
    "username, region_attr",
    [
        ("admin", "city_id"),
        ("admin", "district_b_id"),
        ("head_a", "district_a_id"),
        ("head_a", "street_a2_id"),
        ("staff_a", "street_a_id"),
    ],
)
def test_json_equals_the_raw_rows(app, client, auth, cw, username, region_attr):
    auth.login(username)
    for window in sorted(WINDOWS):
        _compare_json(app, client, cw, username, getattr(cw, region_attr), window)


def _compare_json(app, client, cw, username: str, region_id: int, window: str) -> None:
    first, last = WINDOWS[window](cw.this_month)
    args = {"period": "12m"} if window == "12m" else period_args(first, last)
    data = _json(client, region_id, args)
    expected = _expected(app, username, region_id, first, last)
    assert data["period"] == {
        "name": "12m" if window == "12m" else "custom",
        "from": month_text(first),
        "to": month_text(last),
    }
    got = slim_json(data)
    for key in ("total", "by_kind", "by_group", "by_topic", "trend", "children", "gaps"):
        assert got[key] == expected[key], key
    assert got["stale_partners"] == expected["stale_partners"]
    # A region's figures are the sum of its children's plus its own.
    for name in (
        "events",
        "events_held",
        "events_planned",
        "reached",
        "copies",
        "copies_scanned",
        "scans",
        "check_ins",
        "quiz_correct",
        "quiz_total",
        "feedback_sum",
        "feedback_count",
    ):
        assert sum(row[name] for row in data["children"]) == data["total"][name], name
        assert sum(row[name] for row in data["trend"]) == data["total"][name], name
        assert sum(row[name] for row in data["by_kind"]) == data["total"][name], name


def test_cancelled_events_never_count(app, client, auth, cw):
    first, last = shift(cw.this_month, -17), shift(cw.this_month, 1)
    auth.login("admin")
    data = _json(client, cw.city_id, period_args(first, last))
    expected = _expected(app, "admin", cw.city_id, first, last)
    assert not set(cw.cancelled_ids) & set(expected["event_ids"])
    assert data["total"]["reached"] == expected["total"]["reached"]
    # 777 and 888 people were counted at the events later cancelled.
    with app.app_context():
        assert rollups.recount(db.session) == rollups.stored(db.session)
        event = db.session.get(Event, cw.cancelled_ids[0])
        event.status = EventStatus.COMPLETED
        event.cancel_reason = ""
        db.session.commit()
    again = _json(client, cw.city_id, period_args(first, last))
    assert again["total"]["reached"] == data["total"]["reached"] + 777
    assert again["total"]["events"] == data["total"]["events"] + 1
    assert again["total"]["events_held"] == data["total"]["events_held"] + 1


def test_page_shows_the_same_figures(app, client, auth, cw):
    first, last = twelve_months(local_today())
    auth.login("admin")
    expected = _expected(app, "admin", cw.district_a_id, first, last)
    response = client.get(f"/coverage/{cw.district_a_id}")
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.data)
    kpis = _figures(tree.xpath("//*[@data-testid='kpis']")[0])
    total = expected["total"]
    for name in (
        "events_held",
        "events_planned",
        "reached",
        "check_ins",
        "copies",
        "copies_scanned",
        "scan_rate",
        "quiz_rate",
        "feedback_average",
    ):
        assert kpis[name] == total[name], name
    assert total["events_planned"], "the period has events not held yet"
    gaps = expected["gaps"]
    assert kpis["gaps_reached"] == gaps["reached"] and kpis["gaps_total"] == gaps["total"]
    gap_box = _figures(tree.xpath("//*[@data-testid='gaps']")[0])
    assert gap_box["none_reached"] == gaps["none_reached"]
    assert gap_box["none_total"] == gaps["none_total"]
    assert gap_box["hard_reached"] == gaps["hard_to_reach_reached"]
    assert gap_box["hard_total"] == gaps["hard_to_reach_total"]
    gap_ids = [int(x) for x in tree.xpath("//*[@data-testid='gap-list']//tr/@data-region-id")]
    assert gap_ids == [row["region_id"] for row in gaps["not_reached"]]
    assert gap_ids, "district A has areas not reached"

    # The page lists event kinds only; what had no event has no row of its own there.
    assert tree.xpath("//tr[@data-kind='']") == []
    for row in (row for row in expected["by_kind"] if row["kind"]):
        cells = _figures(tree.xpath(f"//tr[@data-kind='{row['kind']}']")[0])
        assert cells == {k: row[k] for k in ("events_held", "events_planned", "reached")}
    for row in expected["by_group"]:
        cells = _figures(tree.xpath(f"//tr[@data-group='{row['group']}']")[0])
        names = (
            "events_held",
            "events_planned",
            "reached",
            "check_ins",
            "signed_on_paper",
            "quiz_rate",
        )
        assert cells == {k: row[k] for k in names}, row["group"]
    topics = tree.xpath("//*[@data-testid='topic-table']//tr[@data-topic]")
    assert [t.get("data-topic") for t in topics] == [row["topic"] for row in expected["by_topic"]]
    for node, row in zip(topics, expected["by_topic"], strict=True):
        names = ("events_held", "events_planned", "quiz_total", "quiz_rate")
        assert _figures(node) == {k: row[k] for k in names}
    months = tree.xpath("//*[@data-testid='trend-table']//tr[@data-month]")
    assert [m.get("data-month") for m in months] == [row["month"] for row in expected["trend"]]
    for node, row in zip(months, expected["trend"], strict=True):
        names = (
            "events_held",
            "events_planned",
            "reached",
            "check_ins",
            "signed_on_paper",
            "copies",
            "scan_rate",
        )
        assert _figures(node) == {k: row[k] for k in names}
    children = tree.xpath("//*[@data-testid='children-table']//tbody/tr")
    assert [int(c.get("data-region-id")) for c in children] == [
        row["region_id"] for row in expected["children"]
    ]
    for node, row in zip(children, expected["children"], strict=True):
        cells = _figures(node)
        for name in (
            "events_held",
            "events_planned",
            "reached",
            "check_ins",
            "copies",
            "scan_rate",
            "quiz_rate",
            "feedback_average",
        ):
            assert cells[name] == row[name], name
    heat = tree.xpath("//*[@data-testid='heat-grid']//tbody/tr")
    for node, row in zip(heat, expected["children"], strict=True):
        assert [int(td.text_content()) for td in node.xpath("./td")] == row["held_by_month"]
    # Each child row drills down one level; the breadcrumb leads back up.
    links = tree.xpath("//*[@data-testid='children-table']//a[@data-testid='drill-down']/@href")
    assert links and all(link.startswith("/coverage/") for link in links)
    stale = tree.xpath("//*[@data-testid='stale-partners']//tr/@data-partner-id")
    assert [int(x) for x in stale] == [row["id"] for row in expected["stale_partners"]]


def test_breadcrumb_and_drill_down(client, auth, cw):
    auth.login("admin")
    page = client.get(f"/coverage/{cw.community_a2_id}?period=year").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    crumbs = tree.xpath("//*[@data-testid='breadcrumb']//a/@href")
    assert [c.split("?")[0] for c in crumbs] == [
        f"/coverage/{cw.city_id}",
        f"/coverage/{cw.district_a_id}",
        f"/coverage/{cw.street_a2_id}",
    ]
    assert all("period=year" in c for c in crumbs)
    auth.logout()
    auth.login("head_a")
    page = client.get(f"/coverage/{cw.community_a2_id}").get_data(as_text=True)
    crumbs = lxml_html.fromstring(page).xpath("//*[@data-testid='breadcrumb']//a/@href")
    # The city is above head_a's region: not offered.
    assert [c.split("?")[0] for c in crumbs] == [
        f"/coverage/{cw.district_a_id}",
        f"/coverage/{cw.street_a2_id}",
    ]


def _csv_sections(text: str) -> list[list[list[str]]]:
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    sections, current = [], []
    for row in rows:
        if not row:
            sections.append(current)
            current = []
        else:
            current.append(row)
    sections.append(current)
    return sections


def _pct(value):
    return "" if value is None else f"{value * 100:.1f}%"


def test_csv_holds_the_same_figures(app, client, auth, cw):
    first, last = shift(cw.this_month, -17), cw.this_month
    auth.login("head_a")
    response = client.get(
        f"/coverage/{cw.district_a_id}/export.csv", query_string=period_args(first, last)
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    expected = _expected(app, "head_a", cw.district_a_id, first, last)
    sections = _csv_sections(response.get_data(as_text=True))
    assert len(sections) == 9
    summary = {row[0]: row[1] for row in sections[0][2:]}
    with app.test_request_context(), force_locale("zh_CN"):
        labels = {
            name: str(_l(label))
            for name, label in (
                ("events_held", "Events held"),
                ("events_planned", "Events planned"),
                ("reached", "People reached (staff count)"),
                ("check_ins", "QR check-ins"),
                ("copies", "Handouts printed"),
                ("copies_scanned", "Handouts scanned"),
                ("scans", "Scans"),
                ("quiz_total", "Quiz answers"),
                ("feedback_count", "Feedback received"),
            )
        }
        rate_labels = {"scan_rate": str(_l("Scan rate")), "quiz_rate": str(_l("Quiz correct rate"))}
        average_label = str(_l("Feedback average"))
        kind_header = str(_l("Kind"))
    total = expected["total"]
    for name, label in labels.items():
        assert summary[label] == str(total[name]), name
    for name, label in rate_labels.items():
        assert summary[label] == _pct(total[name]), name
    assert summary[average_label] == f"{total['feedback_average']:.2f}"
    kinds = sections[1]
    assert kinds[1][0] == kind_header
    assert [[int(x) for x in row[1:4]] for row in kinds[2:]] == [
        [row["events_held"], row["events_planned"], row["reached"]] for row in expected["by_kind"]
    ]
    groups = sections[2][2:]
    assert [[int(x) for x in row[1:8]] + [row[8]] for row in groups] == [
        [
            row["events_held"],
            row["events_planned"],
            row["reached"],
            row["check_ins"],
            row["signed_on_paper"],
            row["quiz_total"],
            row["quiz_correct"],
            _pct(row["quiz_rate"]),
        ]
        for row in expected["by_group"]
    ]
    topics = sections[3][2:]
    assert [[int(x) for x in row[1:3]] for row in topics] == [
        [row["events_held"], row["events_planned"]] for row in expected["by_topic"]
    ]
    trend = sections[4][2:]
    assert [row[0] for row in trend] == [row["month"] for row in expected["trend"]]
    assert [[int(x) for x in row[1:3]] for row in trend] == [
        [row["events_held"], row["events_planned"]] for row in expected["trend"]
    ]
    children = sections[5][2:]
    assert [int(row[1]) for row in children] == [row["events_held"] for row in expected["children"]]
    assert [int(row[2]) for row in children] == [
        row["events_planned"] for row in expected["children"]
    ]
    assert [int(row[4]) for row in children] == [row["check_ins"] for row in expected["children"]]
    rate_column = sections[5][1].index(rate_labels["scan_rate"])
    assert [row[rate_column] for row in children] == [
        _pct(row["scan_rate"]) for row in expected["children"]
    ]
    heat = sections[6][2:]
    assert [[int(x) for x in row[1:]] for row in heat] == [
        row["held_by_month"] for row in expected["children"]
    ]
    assert len(sections[7]) - 2 == len(expected["gaps"]["not_reached"])
    assert len(sections[8]) - 2 == len(expected["stale_partners"])


def test_xlsx_has_a_sheet_per_breakdown_in_the_chosen_language(app, client, auth, cw):
    auth.login("admin")
    for language in ("zh_CN", "en"):
        client.set_cookie("outreach_lang", language)
        _check_xlsx(app, client, cw, language)


def _check_xlsx(app, client, cw, language: str) -> None:
    first, last = twelve_months(local_today())
    response = client.get(f"/coverage/{cw.city_id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    expected = _expected(app, "admin", cw.city_id, first, last)
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.worksheets) == 9
    with app.test_request_context(), force_locale(language):
        titles = [str(_l(t)) for t in ("Summary", "By kind", "By target group", "By topic")]
        header = [str(_l("Kind")), str(_l("Events held"))]
    assert book.sheetnames[:4] == titles
    summary, kinds, groups, topics, trend, children, heat, gaps, partners = book.worksheets
    assert [c.value for c in kinds[1]][:2] == header
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    total = expected["total"]
    assert list(values.values())[2:4] == [total["events_held"], total["events_planned"]]
    with app.test_request_context(), force_locale(language):
        for name in (
            "reached",
            "check_ins",
            "signed_on_paper",
            "copies",
            "copies_scanned",
            "scan_rate",
        ):
            assert values[figures.FIGURES[name].label_in(figures.EXPORT_SUMMARY)] == total[name]
    kind_rows = list(kinds.iter_rows(min_row=2, values_only=True))
    assert [r[1:3] for r in kind_rows] == [
        (row["events_held"], row["events_planned"]) for row in expected["by_kind"]
    ]
    assert [r[4] for r in kind_rows] == [row["check_ins"] for row in expected["by_kind"]]
    group_rows = list(groups.iter_rows(min_row=2, values_only=True))
    assert [list(r[1:9]) for r in group_rows] == [
        [
            row["events_held"],
            row["events_planned"],
            row["reached"],
            row["check_ins"],
            row["signed_on_paper"],
            row["quiz_total"],
            row["quiz_correct"],
            row["quiz_rate"],
        ]
        for row in expected["by_group"]
    ]
    assert any(row["quiz_total"] for row in expected["by_group"])
    topic_rows = list(topics.iter_rows(min_row=2, values_only=True))
    assert [r[1:5] for r in topic_rows] == [
        (row["events_held"], row["events_planned"], row["quiz_total"], row["quiz_correct"])
        for row in expected["by_topic"]
    ]
    trend_rows = list(trend.iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in trend_rows] == [
        (row["month"], row["events_held"], row["events_planned"], row["reached"])
        for row in expected["trend"]
    ]
    child_rows = list(children.iter_rows(min_row=2, values_only=True))
    assert [r[1:3] for r in child_rows] == [
        (row["events_held"], row["events_planned"]) for row in expected["children"]
    ]
    heat_rows = list(heat.iter_rows(min_row=2, values_only=True))
    assert [list(r[1:]) for r in heat_rows] == [
        row["held_by_month"] for row in expected["children"]
    ]
    assert gaps.max_row - 1 == len(expected["gaps"]["not_reached"])
    assert partners.max_row - 1 == len(expected["stale_partners"])
    assert summary.freeze_panes == "A2"


def test_pdf_summary_has_the_headline_numbers(app, client, auth, cw, tmp_path):
    first, last = twelve_months(local_today())
    auth.login("admin")
    response = client.get(f"/coverage/{cw.city_id}/export.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    path: Path = tmp_path / "summary.pdf"
    path.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    expected = _expected(app, "admin", cw.city_id, first, last)
    total = expected["total"]
    for name in ("events_held", "events_planned", "reached", "check_ins", "copies"):
        assert f"{total[name]:,}" in text, name
    assert _pct(total["scan_rate"]) in text
    assert f"{expected['gaps']['reached']}/{expected['gaps']['total']}" in text
    assert "青岛市" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "HandoutSans" in fonts.stdout or "WenQuanYi" in fonts.stdout


def test_staff_see_only_their_branch(app, client, auth, cw):
    first, last = twelve_months(local_today())
    auth.login("staff_a")
    response = client.get("/coverage/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/coverage/{cw.street_a_id}")
    data = _json(client, cw.street_a_id, {"period": "12m"})
    expected = _expected(app, "staff_a", cw.street_a_id, first, last)
    assert slim_json(data)["total"] == expected["total"]
    assert data["branch"]["id"] == cw.branch_a_id
    # District A is above the branch's area; branch A2's area is beside it.
    for region_id in (cw.district_a_id, cw.street_a2_id, cw.village_a3_id, cw.city_id):
        assert client.get(f"/coverage/{region_id}").status_code == 404
    with app.app_context():
        ids = expected["event_ids"]
        branches = {db.session.get(Event, i).branch_id for i in ids}
    assert branches == {cw.branch_a_id}


SCOPED_SUFFIXES = ("", ".json", "/export.csv", "/export.xlsx", "/export.pdf")


def test_head_never_sees_another_region(app, client, auth, cw):
    auth.login("head_a")
    for suffix in SCOPED_SUFFIXES:
        for region_id in (
            cw.district_b_id,
            cw.community_b_id,
            cw.village_b2_id,
            cw.city_id,
            999999,
        ):
            response = client.get(f"/coverage/{region_id}{suffix}")
            assert response.status_code == 404, (region_id, suffix)
            assert "崂山".encode() not in response.data
        assert client.get(f"/coverage/{cw.district_a_id}{suffix}").status_code == 200


def test_heads_totals_leave_out_other_regions(app, client, auth, cw):
    first, last = shift(cw.this_month, -17), shift(cw.this_month, 1)
    args = period_args(first, last)
    auth.login("head_a")
    mine = _json(client, cw.district_a_id, args)
    auth.logout()
    auth.login("admin")
    city = _json(client, cw.city_id, args)
    district_b = _json(client, cw.district_b_id, args)
    for name in ("events", "reached", "check_ins", "copies"):
        assert mine["total"][name] + district_b["total"][name] == city["total"][name]
    # District B's events counted thousands of people; district A's never approach that.
    assert district_b["total"]["reached"] > 10_000 > mine["total"]["reached"]
    gap_ids = {row["region"]["id"] for row in mine["gaps"]["not_reached"]}
    assert cw.village_b2_id not in gap_ids and cw.community_b_id not in gap_ids


def test_index_redirects_to_the_users_region(client, auth, cw):
    auth.login("head_a")
    response = client.get("/coverage/?period=quarter")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/coverage/{cw.district_a_id}?period=quarter"
    # The region picker: any region in scope, nothing outside it.
    picked = client.get(f"/coverage/?region={cw.street_a2_id}&period=year")
    assert picked.headers["Location"] == f"/coverage/{cw.street_a2_id}?period=year"
    for region in (cw.district_b_id, cw.city_id, "x", "-1", "99999999999"):
        assert client.get(f"/coverage/?region={region}").status_code == 404
    page = client.get(f"/coverage/{cw.district_a_id}").get_data(as_text=True)
    options = lxml_html.fromstring(page).xpath("//select[@id='region']/option/@value")
    assert str(cw.district_a_id) in options and str(cw.district_b_id) not in options
    auth.logout()
    auth.login("admin")
    assert client.get("/coverage/").headers["Location"] == f"/coverage/{cw.city_id}"
    picked = client.get(f"/coverage/?region={cw.district_b_id}")
    assert picked.headers["Location"] == f"/coverage/{cw.district_b_id}"


BAD_FILTERS = [
    ({"period": "custom", "from": "2026-13", "to": "2026-11"}, "from"),
    ({"period": "custom", "from": "2026-05", "to": "2026-01"}, "to"),
    ({"period": "custom", "from": "2010-01", "to": "2026-01"}, "to"),
    ({"period": "custom", "from": "' OR 1=1--", "to": "2026-01"}, "from"),
    ({"period": "decade"}, "period"),
    ({"stale": "0"}, "stale"),
    ({"stale": "37"}, "stale"),
    ({"stale": "0x10"}, "stale"),
    ({"stale": "-3"}, "stale"),
]


def test_bad_filter_input(client, auth, english, cw):
    auth.login("admin")
    for args, field in BAD_FILTERS:
        _check_bad_filter(client, cw, args, field)


def _check_bad_filter(client, cw, args: dict[str, str], field: str) -> None:
    page = client.get(f"/coverage/{cw.city_id}", query_string=args)
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.data)
    assert tree.xpath("//*[@data-testid='filter-error']")
    assert tree.xpath(f"//*[@id='{field}' and contains(@class, 'is-invalid')]")
    for suffix in ("/export.csv", "/export.xlsx", "/export.pdf"):
        assert client.get(f"/coverage/{cw.city_id}{suffix}", query_string=args).status_code == 400
    response = client.get(f"/coverage/{cw.city_id}.json", query_string=args)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_named_periods(app, client, auth, cw):
    auth.login("admin")
    for period in ("month", "quarter", "year", "12m"):
        _check_named_period(app, client, cw, period)


def _check_named_period(app, client, cw, period: str) -> None:
    data = _json(client, cw.city_id, {"period": period})
    today = local_today()
    this = cw.this_month
    first, last = {
        "month": (this, this),
        "quarter": (
            today.year * 100 + (today.month - 1) // 3 * 3 + 1,
            shift(today.year * 100 + (today.month - 1) // 3 * 3 + 1, 2),
        ),
        "year": (today.year * 100 + 1, today.year * 100 + 12),
        "12m": twelve_months(today),
    }[period]
    assert (data["period"]["from"], data["period"]["to"]) == (month_text(first), month_text(last))
    expected = _expected(app, "admin", cw.city_id, first, last)
    assert slim_json(data)["total"] == expected["total"]
    assert len(data["trend"]) == len(expected["trend"])
    with app.app_context():
        kinds = db.session.scalars(select(EventKind).order_by(EventKind.sort_order))
        codes = [k.code for k in kinds]
    kinds = [row["kind"] for row in data["by_kind"]]
    assert kinds == [row["kind"] for row in expected["by_kind"]]
    # Every kind, then what had no event when the period holds any.
    assert kinds[: len(codes)] == codes
    assert kinds[len(codes) :] in ([], [figures.EVENTLESS_KIND])


def test_page_in_english_and_xss_safe(app, client, auth, english, cw):
    with app.app_context():
        region = db.session.get(Region, cw.community_a4_id)
        region.name = "<script>alert(1)</script>"
        region.name_en = "Badaguan <b>Community</b>"
        db.session.commit()
    auth.login("admin")
    page = client.get(f"/coverage/{cw.street_a_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "Badaguan &lt;b&gt;Community&lt;/b&gt;" in page
    assert "Events held" in page and "By target group" in page
    csv_text = client.get(f"/coverage/{cw.street_a_id}/export.csv").get_data(as_text=True)
    assert "Badaguan <b>Community</b>" in csv_text
    pdf = client.get(f"/coverage/{cw.street_a_id}/export.pdf")
    assert pdf.status_code == 200


FORMULA_NAMES = ("=1+1", "+86 532 8000 0000", "-x", "@x")


def test_formula_names_stay_text_in_exports(app, client, auth, cw):
    with app.app_context():
        region = db.session.get(Region, cw.community_a4_id)
        region.name = '=HYPERLINK("http://evil")'
        branch = db.session.get(Branch, cw.branch_a_id)
        for name in FORMULA_NAMES:
            make_partner(name, branch, region)
        db.session.commit()
    auth.login("admin")
    text = client.get(f"/coverage/{cw.street_a_id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    for name in FORMULA_NAMES:
        assert f"'{name}" in text
    book = load_workbook(io.BytesIO(client.get(f"/coverage/{cw.street_a_id}/export.xlsx").data))
    # The workbook holds the names as written, in text cells that are never evaluated.
    gap_cells = {row[0].value: row[0] for row in book.worksheets[7].iter_rows(min_row=2)}
    partner_cells = {row[0].value: row[0] for row in book.worksheets[8].iter_rows(min_row=2)}
    cells = [gap_cells['=HYPERLINK("http://evil")'], *(partner_cells[n] for n in FORMULA_NAMES)]
    for cell in cells:
        assert cell.data_type == "s", cell.value  # a string, never a formula
        assert cell.quotePrefix, cell.value  # still text when someone edits the cell


def test_a_region_without_events_or_children(app, client, auth, cw):
    auth.login("admin")
    response = client.get(f"/coverage/{cw.community_a4_id}")
    assert response.status_code == 200
    data = _json(client, cw.community_a4_id, {"period": "12m"})
    assert data["total"]["events"] == 0 and data["total"]["scan_rate"] is None
    assert data["children"] == []
    assert [row["region"]["id"] for row in data["gaps"]["not_reached"]] == [cw.community_a4_id]
    assert client.get(f"/coverage/{cw.community_a4_id}/export.pdf").status_code == 200


def test_long_gap_lists_are_cut_on_the_page_but_whole_in_exports(app, client, auth, cw):
    with app.app_context():
        street = db.session.get(Region, cw.street_a_id)
        for number in range(55):
            make_region(f"新村{number:02d}", street, access=BranchAccess.NONE, is_rural=True)
        db.session.commit()
    auth.login("admin")
    tree = lxml_html.fromstring(client.get(f"/coverage/{cw.street_a_id}").data)
    shown = tree.xpath("//*[@data-testid='gap-list']//tbody/tr")
    assert len(shown) == GAP_LIST_LIMIT
    data = _json(client, cw.street_a_id, {"period": "12m"})
    assert len(data["gaps"]["not_reached"]) == data["gaps"]["total"] - data["gaps"]["reached"]
    assert len(data["gaps"]["not_reached"]) > GAP_LIST_LIMIT
    book = load_workbook(io.BytesIO(client.get(f"/coverage/{cw.street_a_id}/export.xlsx").data))
    assert book.worksheets[7].max_row - 1 == len(data["gaps"]["not_reached"])


# One rounding everywhere ---------------------------------------------------------------------


def _halfway_event(app, world) -> None:
    """A completed event this month in community A whose rates sit on or near a half: 350 of
    459 copies scanned (76.25…%), 3 of 48 quiz answers right (6.25 %, all by seniors) and 8
    ratings adding up to 9 (1.125)."""
    with app.app_context():
        today = local_today()
        event = make_event(
            "半数测试",
            db.session.get(Branch, world.branch_a_id),
            db.session.get(Region, world.community_a_id),
            starts_at=datetime(today.year, today.month, 1, 9, 30),
            status=EventStatus.COMPLETED,
            groups=("seniors",),
        )
        event.completed_at = utcnow()
        run = make_print_run(event, copies=459)
        db.session.commit()
        seniors = db.session.scalars(select(TargetGroup).where(TargetGroup.code == "seniors"))
        group_id = seniors.one().id
        topic_id = run.version.handout.topic_id
        copy = {"print_run_id": run.id, "event_id": event.id}
        for serial in range(1, 351):
            db.session.add(HandoutScan(serial=serial, is_first=True, **copy))
        for serial in range(1, 17):
            db.session.add(CheckIn(serial=serial, target_group_id=group_id, **copy))
            db.session.add(
                QuizSubmission(
                    serial=serial,
                    topic_id=topic_id,
                    target_group_id=group_id,
                    correct=1 if serial <= 3 else 0,
                    total=3,
                    answers={},
                    **copy,
                )
            )
        for serial in range(1, 9):
            db.session.add(Feedback(serial=serial, rating=2 if serial == 1 else 1, **copy))
        rollups.rebuild_all(db.session)
        db.session.commit()


def test_every_output_rounds_the_same_way(app, client, auth, world, tmp_path):
    """Half up on the exact fraction: 350/459 is 76.3 % (not 76.2 % from 0.7625), 3/48 is
    6.3 % and 9/8 is 1.13 (not 6.2 % and 1.12 as binary floats round 6.25 and 1.125)."""
    _halfway_event(app, world)
    auth.login("admin")
    url = f"/coverage/{world.district_a_id}"
    args = {"period": "month"}
    shown = {"scan_rate": "76.3%", "quiz_rate": "6.3%", "feedback_average": "1.13"}
    numbers = {"scan_rate": 0.763, "quiz_rate": 0.063, "feedback_average": 1.13}

    data = _json(client, world.district_a_id, args)
    seniors = next(row for row in data["by_group"] if row["group"] == "seniors")
    (street,) = data["children"]
    for name, number in numbers.items():
        assert data["total"][name] == number, name
        assert street[name] == number, name
    assert seniors["quiz_rate"] == numbers["quiz_rate"]

    tree = lxml_html.fromstring(client.get(url, query_string=args).data)
    kpis = tree.xpath("//*[@data-testid='kpis']")[0]
    child = tree.xpath("//*[@data-testid='children-table']//tbody/tr")[0]
    for name, text in shown.items():
        assert kpis.xpath(f".//*[@data-figure='{name}']")[0].text_content().startswith(text)
        assert child.xpath(f".//*[@data-figure='{name}']")[0].text_content() == text
    month = tree.xpath("//*[@data-testid='trend-table']//tr[@data-month]")[0]
    assert month.xpath(".//*[@data-figure='scan_rate']")[0].text_content() == shown["scan_rate"]
    group = tree.xpath("//tr[@data-group='seniors']//*[@data-figure='quiz_rate']")[0]
    assert group.text_content() == shown["quiz_rate"]

    sections = _csv_sections(client.get(f"{url}/export.csv", query_string=args).text)
    with app.test_request_context(), force_locale("zh_CN"):
        labels = {n: str(_l(t)) for n, t in RATE_LABELS.items()}
    summary = {row[0]: row[1] for row in sections[0][2:]}
    for name, text in shown.items():
        assert summary[labels[name]] == text, name
    street_csv = dict(zip(sections[5][1], sections[5][2], strict=True))
    assert [street_csv[labels[name]] for name in shown] == list(shown.values())
    this_month = dict(zip(sections[4][1], sections[4][2], strict=True))
    assert this_month[labels["scan_rate"]] == shown["scan_rate"]
    group_rows = {row[0]: row for row in sections[2][2:]}
    assert group_rows[seniors["name_zh"]][-1] == shown["quiz_rate"]

    book = load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx", query_string=args).data))
    cells = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    formats = {"scan_rate": "0.0%", "quiz_rate": "0.0%", "feedback_average": "0.00"}
    for name, number in numbers.items():
        cell = cells[labels[name]]
        assert (cell.value, cell.number_format) == (number, formats[name]), name
    header, street_row = list(book.worksheets[5].iter_rows(max_row=2, values_only=True))
    street_xlsx = dict(zip(header, street_row, strict=True))
    assert [street_xlsx[labels[name]] for name in numbers] == list(numbers.values())

    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"{url}/export.pdf", query_string=args).data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for value in shown.values():
        assert value in text, value
    assert "76.2%" not in text and "6.2%" not in text and "1.12" not in text


RATE_LABELS = {
    "scan_rate": "Scan rate",
    "quiz_rate": "Quiz correct rate",
    "feedback_average": "Feedback average",
}


@pytest.mark.parametrize(
    ("numerator", "denominator", "places", "expected"),
    [
        (350, 459, 3, "0.763"),
        (1, 16, 3, "0.063"),  # 0.0625: half, up
        (1, 80, 3, "0.013"),  # 0.0125
        (3, 8, 2, "0.38"),  # 0.375
        (9, 8, 2, "1.13"),  # 1.125
        (2, 3, 3, "0.667"),
        (1, 3, 3, "0.333"),
        (0, 7, 3, "0.000"),
        (7, 7, 3, "1.000"),
        (5, 0, 3, None),
    ],
)
def test_rounded_ratio_rounds_half_up_on_the_exact_fraction(
    numerator, denominator, places, expected
):
    result = rounded_ratio(numerator, denominator, places)
    assert (None if result is None else str(result)) == expected


# Held and planned ----------------------------------------------------------------------------


def test_events_held_are_the_completed_ones(app, client, auth, world, tmp_path):
    """A planned event already past, a confirmed one still ahead and the world's two planned
    ones are all planned; only the completed one is held, and only it reaches an area."""
    with app.app_context():
        today = local_today()
        this_month = month_of(today)
        last_month = shift(this_month, -1)
        branch_b = db.session.get(Branch, world.branch_b_id)
        village = db.session.get(Region, world.community_b_id)  # no branch there
        # The world's two planned events, on the first of this month (maybe today).
        for event_id in (world.event_a_id, world.event_b_id):
            event = db.session.get(Event, event_id)
            event.starts_at = datetime(today.year, today.month, 1, 9, 30)
            event.ends_at = datetime(today.year, today.month, 1, 11, 30)
        for title, month, status in (
            ("已办", last_month, EventStatus.COMPLETED),
            ("过期未办", last_month, EventStatus.PLANNED),
            ("将办", shift(this_month, 1), EventStatus.CONFIRMED),
        ):
            event = make_event(
                title,
                branch_b,
                village,
                starts_at=datetime(month // 100, month % 100, 12, 9, 30),
                status=status,
            )
            if status is EventStatus.COMPLETED:
                event.completed_at = utcnow()
        db.session.commit()
    first, last = shift(this_month, -1), shift(this_month, 1)
    args = period_args(first, last)
    auth.login("admin")
    data = _json(client, world.city_id, args)
    total = data["total"]
    assert (total["events"], total["events_held"], total["events_planned"]) == (5, 1, 4)
    trend = {row["month"]: row for row in data["trend"]}
    assert trend[month_text(last_month)]["events_held"] == 1
    assert trend[month_text(last_month)]["events_planned"] == 1
    assert trend[month_text(shift(this_month, 1))]["events_held"] == 0
    seniors = next(row for row in data["by_group"] if row["group"] == "seniors")
    assert (seniors["events_held"], seniors["events_planned"]) == (1, 4)
    district_b = next(c for c in data["children"] if c["region"]["id"] == world.district_b_id)
    assert district_b["held_by_month"] == [1, 0, 0]
    assert district_b["planned_by_month"] == [1, 1, 1]
    # The village is reached in last month, when the event was held, not by the planned one.
    assert data["gaps"]["reached"] == 1
    this_only = _json(client, world.city_id, {"period": "month"})
    assert this_only["gaps"]["reached"] == 0
    assert this_only["total"]["events_held"] == 0

    tree = lxml_html.fromstring(client.get(f"/coverage/{world.city_id}", query_string=args).data)
    kpis = _figures(tree.xpath("//*[@data-testid='kpis']")[0])
    assert (kpis["events_held"], kpis["events_planned"]) == (1, 4)
    help_text = tree.xpath("//*[@data-testid='held-help']")[0].text_content()
    with app.test_request_context(), force_locale("zh_CN"):
        assert help_text == str(HELD_AND_PLANNED)
        held, planned = str(_l("Events held")), str(_l("Events planned"))
    sections = _csv_sections(
        client.get(f"/coverage/{world.city_id}/export.csv", query_string=args).text
    )
    summary = {row[0]: row[1] for row in sections[0][2:]}
    assert (summary[held], summary[planned]) == ("1", "4")
    xlsx = client.get(f"/coverage/{world.city_id}/export.xlsx", query_string=args)
    book = load_workbook(io.BytesIO(xlsx.data))
    values = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert (values[held], values[planned]) == (1, 4)
    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"/coverage/{world.city_id}/export.pdf", query_string=args).data)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"1 {held}" in text.replace("\n", " ") and f"4 {planned}" in text.replace("\n", " ")


def _run_migration(name: str, step: str) -> None:
    """Run ``upgrade`` or ``downgrade`` of one migration script on the test database."""
    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        getattr(module, step)()


def test_migration_counts_completed_events_by_group_and_topic(app, cw):
    script = "0010_completed_events_by_group_and_topic.py"
    with app.app_context():
        # The rollups as older code wrote them: no completed events by group or topic.
        _run_migration(script, "downgrade")
        db.session.expire_all()
        breakdowns = select(CoverageRollup).where(CoverageRollup.dim.in_(("group", "topic")))
        assert not any(row.events_completed for row in db.session.scalars(breakdowns))
        assert rollups.stored(db.session) != rollups.recount(db.session)
        _run_migration(script, "upgrade")
        db.session.expire_all()
        own = rollups.recount(db.session)
        assert any(key[4] == "group" and row["events_completed"] for key, row in own.items())
        assert rollups.stored(db.session) == own
        paths = {r.id: r.path for r in db.session.scalars(select(Region))}
        assert rollups.stored(db.session, subtree=True) == rollups.subtree_totals(own, paths)


# A figure added to the registry --------------------------------------------------------------


@pytest.fixture
def check_in_rate():
    """A figure registered for one test only: QR check-ins per copy scanned, computed from two
    existing counts, shown in every place that has no target group or topic breakdown."""
    registered = dict(figures.FIGURES)
    figure = figures.register(
        figures.Figure(
            "check_in_rate",
            _l("QR check-in rate"),
            figures.Format.PERCENT,
            figures.Ratio("check_ins", "copies_scanned", figures.RATE_PLACES),
            places=dict.fromkeys(
                (
                    figures.PAGE_KPIS,
                    figures.PAGE_TREND,
                    figures.PAGE_KINDS,
                    figures.PAGE_REGIONS,
                    figures.EXPORT_SUMMARY,
                    figures.EXPORT_TABLE,
                    figures.PDF_KPIS,
                    figures.PDF_KINDS,
                    figures.PDF_REGIONS,
                ),
                figures.LABEL,
            ),
        )
    )
    yield figure
    # The registry is one dict that other modules hold by name: put its entries back in place.
    figures.FIGURES.clear()
    figures.FIGURES.update(registered)


def test_a_figure_added_to_the_registry_shows_everywhere(
    app, client, auth, cw, check_in_rate, tmp_path
):
    """Registering a figure is all it takes: the JSON, the page's headline cards and tables,
    the CSV, the workbook and the PDF show it, equal to the independent computation."""
    first, last = twelve_months(local_today())
    auth.login("admin")
    expected = _expected(app, "admin", cw.district_a_id, first, last)
    rate = expected["total"]["check_in_rate"]
    assert rate is not None and 0 < rate < 1
    label = "QR check-in rate"

    data = _json(client, cw.district_a_id, {"period": "12m"})
    got = slim_json(data)
    for key in ("total", "by_kind", "trend", "children"):
        assert got[key] == expected[key], key
    assert data["total"]["check_in_rate"] == rate

    tree = lxml_html.fromstring(client.get(f"/coverage/{cw.district_a_id}").data)
    card = tree.xpath("//*[@data-testid='kpis']//*[@data-figure='check_in_rate']")[0]
    assert _number(card.text_content()) == rate
    assert label in tree.xpath("//*[@data-testid='kpis']")[0].text_content()
    for table, rows, attribute in (
        ("trend-table", expected["trend"], "data-month"),
        ("kind-table", [row for row in expected["by_kind"] if row["kind"]], "data-kind"),
        ("children-table", expected["children"], None),
    ):
        node = tree.xpath(f"//*[@data-testid='{table}']")[0]
        assert label in node.xpath(".//thead")[0].text_content(), table
        cells = node.xpath(".//tbody/tr//*[@data-figure='check_in_rate']")
        assert [_number(c.text_content()) for c in cells] == [
            row["check_in_rate"] for row in rows
        ], table
        if attribute:
            assert len(node.xpath(f".//tbody/tr[@{attribute}]")) == len(rows)

    url = f"/coverage/{cw.district_a_id}"
    sections = _csv_sections(client.get(f"{url}/export.csv").text)
    summary = {row[0]: row[1] for row in sections[0][2:]}
    assert summary[label] == _pct(rate)
    for index, rows in (
        (1, expected["by_kind"]),
        (4, expected["trend"]),
        (5, expected["children"]),
    ):
        column = sections[index][1].index(label)
        assert [row[column] for row in sections[index][2:]] == [
            _pct(row["check_in_rate"]) for row in rows
        ], index

    book = load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx").data))
    cells = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    assert (cells[label].value, cells[label].number_format) == (rate, "0.0%")
    header = [c.value for c in book.worksheets[5][1]]
    column = header.index(label)
    assert [r[column] for r in book.worksheets[5].iter_rows(min_row=2, values_only=True)] == [
        row["check_in_rate"] for row in expected["children"]
    ]

    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"{url}/export.pdf").data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    assert f"{_pct(rate)} {label}" in text


def test_the_registry_takes_each_figure_once(check_in_rate):
    with pytest.raises(ValueError):
        figures.register(check_in_rate)


@pytest.fixture
def scans_per_copy():
    """A figure registered for one test only in the events' record places."""
    registered = dict(figures.FIGURES)
    figure = figures.register(
        figures.Figure(
            "scans_per_copy",
            _l("QR check-in rate"),
            figures.Format.AVERAGE,
            figures.Ratio("scans", "copies_scanned", figures.AVERAGE_PLACES),
            places={figures.PAGE_RECORD: figures.LABEL, figures.PDF_RECORD: figures.LABEL},
        )
    )
    yield figure
    figures.FIGURES.clear()
    figures.FIGURES.update(registered)


def _record_section(client, region_id):
    tree = lxml_html.fromstring(client.get(f"/coverage/{region_id}").data)
    return tree.xpath("//*[@data-testid='record']")


def test_the_record_section_shows_exactly_the_figures_registered_for_it(client, auth, cw):
    """The 'Event records' cards are the figures registered for them, in registry order, and
    the section is left out while there are none."""
    auth.login("admin")
    sections = _record_section(client, cw.district_a_id)
    keys = [f.key for f in figures.shown_in(figures.PAGE_RECORD)]
    if not keys:
        assert sections == []
    else:
        assert [c.get("data-figure") for c in sections[0].xpath(".//*[@data-figure]")] == keys


def test_a_figure_registered_for_the_record_shows_there(
    app, client, auth, cw, scans_per_copy, tmp_path
):
    auth.login("admin")
    first, last = twelve_months(local_today())
    expected = _expected(app, "admin", cw.district_a_id, first, last)
    value = expected["total"]["scans_per_copy"]
    assert value is not None and value >= 1
    section = _record_section(client, cw.district_a_id)[0]
    card = section.xpath(".//*[@data-figure='scans_per_copy']")[0]
    assert _number(card.text_content()) == value
    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"/coverage/{cw.district_a_id}/export.pdf").data)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    assert "活动记录" in text  # the PDF is in the default language
    assert f"{value:.2f} QR check-in rate" in text
