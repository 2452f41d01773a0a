"""The coverage page, its exports and its JSON against figures computed from the raw rows.

``tests.coverage_data`` builds a known data set and computes every figure in Python from the
rows themselves; here each way of reading the figures (page, CSV, XLSX, PDF, JSON) is compared
with that computation, for an administrator, a regional head and a member of staff.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from lxml import html as lxml_html
from openpyxl import load_workbook

from outreach_app.auth.models import User
from outreach_app.coverage import rollups
from outreach_app.coverage.services import GAP_LIST_LIMIT
from outreach_app.events.models import Event, EventKind, EventStatus
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, BranchAccess, Region
from tests.conftest import PASSWORD
from tests.coverage_data import (
    build_coverage_world,
    expected_report,
    local_today,
    month_text,
    period_args,
    shift,
    slim_json,
    twelve_months,
)
from tests.factories import make_partner, make_region


@pytest.fixture
def cw(app, world):
    """The coverage data set."""
    with app.app_context():
        return build_coverage_world(world, PASSWORD)


def _expected(app, username: str, region_id: int, first: int, last: int, stale: int = 6):
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.username == username)).one()
        return expected_report(user.id, region_id, first, last, local_today(), stale)


def _json(client, region_id: int, args: dict[str, str]):
    response = client.get(f"/coverage/{region_id}.json", query_string=args)
    assert response.status_code == 200, response.data
    return response.get_json()


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if text in ("—", ""):
        return None
    if text.endswith("%"):
        return round(float(text[:-1]) / 100, 3)
    return float(text.split("/")[0].strip())


def _figures(element) -> dict[str, float | None]:
    return {
        node.get("data-figure"): _number(node.text_content())
        for node in element.xpath(".//*[@data-figure]")
    }


def _rounded(value):
    return None if value is None else round(value, 3)


def _close(shown, exact) -> bool:
    """A rate or average as the page prints it (one decimal of a percent, two of a rating)."""
    if exact is None or shown is None:
        return shown is exact
    return abs(shown - exact) <= 0.0051


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


def test_page_shows_the_same_figures(app, client, auth, cw):
    first, last = twelve_months(local_today())
    auth.login("admin")
    expected = _expected(app, "admin", cw.district_a_id, first, last)
    response = client.get(f"/coverage/{cw.district_a_id}")
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.data)
    kpis = _figures(tree.xpath("//*[@data-testid='kpis']")[0])
    total = expected["total"]
    for name in ("events", "events_completed", "reached", "check_ins", "copies", "copies_scanned"):
        assert kpis[name] == total[name], name
    for name in ("scan_rate", "quiz_rate", "feedback_average"):
        assert _close(kpis[name], total[name]), name
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

    for row in expected["by_kind"]:
        cells = _figures(tree.xpath(f"//tr[@data-kind='{row['kind']}']")[0])
        assert cells == {"events": row["events"], "reached": row["reached"]}
    for row in expected["by_group"]:
        cells = _figures(tree.xpath(f"//tr[@data-group='{row['group']}']")[0])
        assert _close(cells.pop("quiz_rate"), row["quiz_rate"]), row["group"]
        assert cells == {k: row[k] for k in ("events", "reached", "check_ins")}
    topics = tree.xpath("//*[@data-testid='topic-table']//tr[@data-topic]")
    assert [t.get("data-topic") for t in topics] == [row["topic"] for row in expected["by_topic"]]
    for node, row in zip(topics, expected["by_topic"], strict=True):
        cells = _figures(node)
        assert (cells["events"], cells["quiz_total"]) == (row["events"], row["quiz_total"])
        assert _close(cells["quiz_rate"], row["quiz_rate"])
    months = tree.xpath("//*[@data-testid='trend-table']//tr[@data-month]")
    assert [m.get("data-month") for m in months] == [row["month"] for row in expected["trend"]]
    for node, row in zip(months, expected["trend"], strict=True):
        assert _figures(node) == {k: row[k] for k in ("events", "reached", "check_ins", "copies")}
    children = tree.xpath("//*[@data-testid='children-table']//tbody/tr")
    assert [int(c.get("data-region-id")) for c in children] == [
        row["region_id"] for row in expected["children"]
    ]
    for node, row in zip(children, expected["children"], strict=True):
        cells = _figures(node)
        for name in ("events", "reached", "check_ins", "copies"):
            assert cells[name] == row[name], name
        for name in ("scan_rate", "quiz_rate", "feedback_average"):
            assert _close(cells[name], row[name]), name
    heat = tree.xpath("//*[@data-testid='heat-grid']//tbody/tr")
    for node, row in zip(heat, expected["children"], strict=True):
        assert [int(td.text_content()) for td in node.xpath("./td")] == row["events_by_month"]
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
                ("events", "Events held"),
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
        kind_header = str(_l("Kind"))
    total = expected["total"]
    for name, label in labels.items():
        assert summary[label] == str(total[name]), name
    for name, label in rate_labels.items():
        assert summary[label] == _pct(total[name]), name
    kinds = sections[1]
    assert kinds[1][0] == kind_header
    assert [int(row[1]) for row in kinds[2:]] == [row["events"] for row in expected["by_kind"]]
    assert [int(row[3]) for row in kinds[2:]] == [row["reached"] for row in expected["by_kind"]]
    groups = sections[2][2:]
    assert [[int(x) for x in row[1:6]] + [row[6]] for row in groups] == [
        [row["events"], row["reached"], row["check_ins"], row["quiz_total"], row["quiz_correct"]]
        + [_pct(row["quiz_rate"])]
        for row in expected["by_group"]
    ]
    trend = sections[4][2:]
    assert [row[0] for row in trend] == [row["month"] for row in expected["trend"]]
    assert [int(row[1]) for row in trend] == [row["events"] for row in expected["trend"]]
    children = sections[5][2:]
    assert [int(row[1]) for row in children] == [row["events"] for row in expected["children"]]
    assert [int(row[4]) for row in children] == [row["check_ins"] for row in expected["children"]]
    heat = sections[6][2:]
    assert [[int(x) for x in row[1:]] for row in heat] == [
        row["events_by_month"] for row in expected["children"]
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
    assert list(values.values())[2:4] == [total["events"], total["events_completed"]]
    assert list(values.values())[4:8] == [
        total["reached"],
        total["check_ins"],
        total["copies"],
        total["copies_scanned"],
    ]
    assert round(list(values.values())[8], 4) == total["scan_rate"]
    kind_rows = list(kinds.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in kind_rows] == [row["events"] for row in expected["by_kind"]]
    assert [r[4] for r in kind_rows] == [row["check_ins"] for row in expected["by_kind"]]
    group_rows = list(groups.iter_rows(min_row=2, values_only=True))
    assert [list(r[1:6]) for r in group_rows] == [
        [row["events"], row["reached"], row["check_ins"], row["quiz_total"], row["quiz_correct"]]
        for row in expected["by_group"]
    ]
    assert any(row["quiz_total"] for row in expected["by_group"])
    topic_rows = list(topics.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3]) for r in topic_rows] == [
        (row["events"], row["quiz_total"], row["quiz_correct"]) for row in expected["by_topic"]
    ]
    trend_rows = list(trend.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[3]) for r in trend_rows] == [
        (row["month"], row["events"], row["reached"]) for row in expected["trend"]
    ]
    child_rows = list(children.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in child_rows] == [row["events"] for row in expected["children"]]
    heat_rows = list(heat.iter_rows(min_row=2, values_only=True))
    assert [list(r[1:]) for r in heat_rows] == [
        row["events_by_month"] for row in expected["children"]
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
    for name in ("events", "reached", "check_ins", "copies"):
        assert f"{total[name]:,}" in text, name
    assert f"{total['scan_rate'] * 100:.1f}%" in text
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
    assert [row["kind"] for row in data["by_kind"]] == [str(k) for k in EventKind]


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
