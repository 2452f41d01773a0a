"""The handout ledger of the post-event report: one line per print run and lines of uncoded
material, never more handed out than printed, the rollups kept equal to a recount, and the
figures in coverage and every export."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from flask_babel import force_locale
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import select

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.coverage import figures
from outreach_app.event_reports import services
from outreach_app.events.models import Event, EventAttendance, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.ledger import LedgerEntries, MaterialEntry
from outreach_app.handouts.models import HandoutLedgerLine, PrintRun
from outreach_app.handouts.services import revoke_print_run
from tests.coverage_data import (
    assert_consistent,
    expected_report,
    local_today,
    month_of,
    period_args,
    twelve_months,
)
from tests.factories import confirm, make_print_run
from tests.helpers import audit_entries, group_ids, report_form, snapshot

# What a report is stored in: a refused request leaves all of it as it was.
LEDGER_TABLES = (Event, EventAttendance, HandoutLedgerLine, AuditLog)


def add_run(app, event_id: int, copies: int = 400, code: str = "pension-scams") -> int:
    """A print run of ``copies`` for the event (committed); its id."""
    with app.app_context():
        run = make_print_run(db.session.get(Event, event_id), code=code, copies=copies)
        db.session.commit()
        return run.id


def lines(app, event_id: int) -> list[tuple]:
    """The event's ledger lines as (run id, material, label, quantity), in id order."""
    with app.app_context():
        stmt = (
            select(HandoutLedgerLine)
            .where(HandoutLedgerLine.event_id == event_id)
            .order_by(HandoutLedgerLine.id)
        )
        return [
            (line.print_run_id, line.material and str(line.material), line.label, line.quantity)
            for line in db.session.scalars(stmt)
        ]


def post_report(client, event_id: int, app, **fields):
    return client.post(f"/events/{event_id}/report", data=report_form(app, **fields))


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def event_totals(app, client, world) -> dict:
    """District A's coverage totals (JSON) for the month of event A."""
    with app.app_context():
        month = month_of(db.session.get(Event, world.event_a_id).starts_at)
    url = f"/coverage/{world.district_a_id}.json"
    return client.get(url, query_string=period_args(month, month)).get_json()["total"]


def consistent(app) -> None:
    with app.app_context():
        assert_consistent()


# --- the form --------------------------------------------------------------------------------


def test_the_form_has_an_input_per_print_run_with_its_printed_copies(app, english, auth, world):
    first = add_run(app, world.event_a_id, copies=400)
    second = add_run(app, world.event_a_id, copies=30, code="click-farming")
    other_event = add_run(app, world.event_b_id, copies=50)
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    runs = tree.xpath("//*[@data-testid='ledger-run']")
    assert len(runs) == 2
    assert [r.xpath(".//input/@name")[0] for r in runs] == [
        f"handed_out_{first}",
        f"handed_out_{second}",
    ]
    assert [r.xpath(".//input/@max")[0] for r in runs] == ["400", "30"]
    assert "of 400 printed" in runs[0].text_content()
    assert f"handed_out_{other_event}" not in page
    assert len(tree.xpath("//*[@data-testid='ledger-material']")) == 3
    options = tree.xpath("//select[@name='material_0']/option/@value")
    assert options == ["", "poster", "booklet", "leaflet", "gift", "other"]
    for index in range(3):
        for name in ("material", "material_label", "material_quantity"):
            field_id = f"{name}_{index}"
            assert tree.xpath(f"//label[@for='{field_id}']"), field_id


def test_the_form_offers_at_most_twenty_rows_of_material(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("admin")
    fields = {}
    for index in range(18):
        fields |= {f"material_{index}": "poster", f"material_quantity_{index}": str(index + 1)}
    assert post_report(english, world.event_a_id, app, **fields).status_code == 302
    assert len(lines(app, world.event_a_id)) == 18
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert len(tree.xpath("//*[@data-testid='ledger-material']")) == 20
    assert "Need more lines?" not in page


def test_no_print_run_says_so(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    assert 'data-testid="no-runs"' in page


def test_the_ledger_is_saved_audited_and_shown(app, english, auth, world):
    run_id = add_run(app, world.event_a_id, copies=400)
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = post_report(
        english,
        world.event_a_id,
        app,
        **{
            f"handed_out_{run_id}": "300",
            "material_0": "booklet",
            "material_quantity_0": "５０",  # full-width digits are read too
            "material_1": "gift",
            "material_label_1": " 环保袋 ",
            "material_quantity_1": "40",
            "material_2": "poster",
            "material_quantity_2": "",  # a blank row stores nothing
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert lines(app, world.event_a_id) == [
        (run_id, None, "", 300),
        (None, "booklet", "", 50),
        (None, "gift", "环保袋", 40),
    ]
    action, detail = audit_entries(app, "event", world.event_a_id)[-1]
    assert action == "event_report.save"
    assert detail["handed_out"] == 300
    assert detail["handout_ledger"] == [
        {"print_run_id": run_id, "quantity": 300},
        {"material": "booklet", "label": "", "quantity": 50},
        {"material": "gift", "label": "环保袋", "quantity": 40},
    ]
    consistent(app)

    page = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    table = lxml_html.fromstring(page).xpath("//*[@data-testid='ledger-table']")[0]
    rows = [" ".join(r.text_content().split()) for r in table.xpath(".//tbody/tr")]
    assert rows[0].endswith("400 300")
    assert rows[1] == "Booklets — 50"
    assert rows[2] == "Gifts 环保袋 — 40"
    totals = lxml_html.fromstring(page).xpath("//*[@data-testid='ledger-totals']")[0]
    assert "300 handed out of 400 printed" in totals.text_content()
    assert 'data-testid="run-handed-out">300<' in page  # beside the run in the Handouts section


def test_edit_and_removal_keep_the_rollups_equal_to_a_recount(app, client, auth, world):
    run_id = add_run(app, world.event_a_id, copies=100)
    confirm(app, world.event_a_id)
    auth.login("admin")
    fields = {
        f"handed_out_{run_id}": "80",
        "material_0": "leaflet",
        "material_quantity_0": "20",
        "material_1": "other",
        "material_label_1": "宣传扇",
        "material_quantity_1": "5",
    }
    assert post_report(client, world.event_a_id, app, **fields).status_code == 302
    consistent(app)
    page = client.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.xpath(f"//input[@name='handed_out_{run_id}']/@value") == ["80"]
    assert tree.xpath("//select[@name='material_1']/option[@selected]/@value") == ["other"]
    assert tree.xpath("//input[@name='material_label_1']/@value") == ["宣传扇"]
    assert len(tree.xpath("//*[@data-testid='ledger-material']")) == 5  # two and three blank

    # Edit one line, remove the run's (0) and the leaflets (blank), add a gift.
    fields = {
        f"handed_out_{run_id}": "0",
        "material_0": "leaflet",
        "material_quantity_0": "",
        "material_1": "other",
        "material_label_1": "宣传扇",
        "material_quantity_1": "7",
        "material_4": "gift",
        "material_label_4": "雨伞",
        "material_quantity_4": "3",
    }
    assert post_report(client, world.event_a_id, app, **fields).status_code == 302
    assert lines(app, world.event_a_id) == [
        (None, "other", "宣传扇", 7),
        (None, "gift", "雨伞", 3),
    ]
    consistent(app)
    assert post_report(client, world.event_a_id, app).status_code == 302
    assert lines(app, world.event_a_id) == []
    consistent(app)


# --- refusals --------------------------------------------------------------------------------


def test_more_handed_out_than_printed_is_refused_beside_the_run(app, english, auth, world):
    run_id = add_run(app, world.event_a_id, copies=400)
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *LEDGER_TABLES)
    response = post_report(
        english,
        world.event_a_id,
        app,
        **{f"handed_out_{run_id}": "401", "material_0": "booklet", "material_quantity_0": "5"},
    )
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    error = tree.xpath(f"//*[@id='handed_out_{run_id}-error']")[0]
    assert error.text_content() == (
        "Enter a whole number from 0 to 400: 400 copies of this run were printed."
    )
    assert tree.xpath(f"//input[@name='handed_out_{run_id}']/@aria-invalid") == ["true"]
    assert "Nothing was saved." in response.get_data(as_text=True)
    assert snapshot(app, *LEDGER_TABLES) == before


def test_the_service_refuses_more_than_printed_under_the_lock(app, world):
    run_id = add_run(app, world.event_a_id, copies=10)
    confirm(app, world.event_a_id)
    seniors = group_ids(app)["seniors"]
    before = snapshot(app, *LEDGER_TABLES)
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        details = services.ReportDetails(
            {seniors: 5},
            "好",
            ledger=LedgerEntries(runs={run_id: 11}, materials=[MaterialEntry("booklet", "", 3)]),
        )
        with pytest.raises(ServiceError) as error:
            services.save_report(event, user("admin"), details)
        db.session.rollback()
    assert error.value.problems == {
        f"handed_out_{run_id}": "Enter a whole number from 0 to 10: 10 copies of this run "
        "were printed."
    }
    assert snapshot(app, *LEDGER_TABLES) == before


def test_a_withdrawn_runs_copies_still_cap_its_line(app, client, auth, world):
    run_id = add_run(app, world.event_a_id, copies=10)
    with app.app_context():
        revoke_print_run(user("admin"), db.session.get(PrintRun, run_id), "印错了")
        db.session.commit()
    confirm(app, world.event_a_id)
    auth.login("admin")
    response = post_report(client, world.event_a_id, app, **{f"handed_out_{run_id}": "11"})
    assert response.status_code == 200
    response = post_report(client, world.event_a_id, app, **{f"handed_out_{run_id}": "10"})
    assert response.status_code == 302
    assert lines(app, world.event_a_id) == [(run_id, None, "", 10)]
    consistent(app)


BAD_QUANTITIES = ["-1", "1000001", "99999999999999999999", "lots", "0x10", "1e3", "12.5", "١٢"]


@pytest.mark.parametrize("value", BAD_QUANTITIES)
@pytest.mark.parametrize("where", ["run", "material"])
def test_bad_quantities_are_refused_and_change_nothing(app, english, auth, world, value, where):
    run_id = add_run(app, world.event_a_id, copies=400)
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    if where == "run":
        fields = {f"handed_out_{run_id}": value}
        field_id = f"handed_out_{run_id}"
        message = "Enter a whole number from 0 to 400"
    else:
        fields = {"material_0": "poster", "material_quantity_0": value}
        field_id = "material_quantity_0"
        message = "Enter a whole number from 0 to 1000000."
    before = snapshot(app, *LEDGER_TABLES)
    response = post_report(english, world.event_a_id, app, **fields)
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    assert message in tree.xpath(f"//*[@id='{field_id}-error']")[0].text_content()
    assert snapshot(app, *LEDGER_TABLES) == before


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"material_0": "gift", "material_quantity_0": "5"}, "material_label_0", "Say what it"),
        ({"material_1": "other", "material_quantity_1": "5"}, "material_label_1", "Say what it"),
        (
            {"material_0": "gift", "material_label_0": "  ", "material_quantity_0": "5"},
            "material_label_0",
            "Say what it",
        ),
        ({"material_quantity_0": "5"}, "material_0", "Choose what was handed out."),
        (
            {"material_0": "weapon", "material_quantity_0": "5"},
            "material_0",
            "Choose what was handed out.",
        ),
        (
            {"material_0": "gift", "material_label_0": "袋" * 41, "material_quantity_0": "5"},
            "material_label_0",
            "Keep it to 40 characters or fewer.",
        ),
        (
            {"material_0": "gift", "material_label_0": "环保\x07袋", "material_quantity_0": "5"},
            "material_label_0",
            "invisible characters",
        ),
        (
            {"material_0": "poster", "material_quantity_0": "5\x1b"},
            "material_quantity_0",
            "Enter a whole number",
        ),
    ],
)
def test_incomplete_or_bad_material_lines_are_refused(
    app, english, auth, world, fields, field_id, message
):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *LEDGER_TABLES)
    response = post_report(english, world.event_a_id, app, **fields)
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    assert message in tree.xpath(f"//*[@id='{field_id}-error']")[0].text_content()
    assert snapshot(app, *LEDGER_TABLES) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"material_0": "gift", "material_label_0": "环保\x00袋", "material_quantity_0": "5"},
        {"material_0": "poster", "material_quantity_0": "5\x00"},
        {"material_0": "poster\x00", "material_quantity_0": "5"},
        {"handed_out_1": "\x005"},
    ],
)
def test_a_nul_anywhere_in_the_ledger_is_the_400_page(app, client, auth, world, fields):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *LEDGER_TABLES)
    assert post_report(client, world.event_a_id, app, **fields).status_code == 400
    assert snapshot(app, *LEDGER_TABLES) == before


def test_a_poster_needs_no_label(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = post_report(
        client, world.event_a_id, app, material_0="poster", material_quantity_0="3"
    )
    assert response.status_code == 302
    assert lines(app, world.event_a_id) == [(None, "poster", "", 3)]


def test_the_service_refuses_what_the_form_would(app, world):
    confirm(app, world.event_a_id)
    seniors = group_ids(app)["seniors"]
    cases = [
        ([MaterialEntry("gift", "", 5)], {"material_label_0": "Say what it was"}),
        ([MaterialEntry("nonsense", "x", 5)], {"material_0": "Choose what was handed out."}),
        ([MaterialEntry("poster", "", -1)], {"material_quantity_0": "Enter a whole number"}),
        ([MaterialEntry("poster", "", 10**7)], {"material_quantity_0": "Enter a whole number"}),
        ([MaterialEntry("gift", "环保\x00袋", 5)], {"material_label_0": "invisible"}),
        ([MaterialEntry("gift", "袋" * 41, 5)], {"material_label_0": "40 characters"}),
        ([MaterialEntry("poster", "", 1)] * 21, {"ledger": "at most 20 lines"}),
    ]
    before = snapshot(app, *LEDGER_TABLES)
    with app.app_context(), force_locale("en"):
        event = db.session.get(Event, world.event_a_id)
        for materials, expected in cases:
            details = services.ReportDetails(
                {seniors: 5}, "好", ledger=LedgerEntries(materials=materials)
            )
            with pytest.raises(ServiceError) as error:
                services.save_report(event, user("admin"), details)
            db.session.rollback()
            for name, text in expected.items():
                assert text in error.value.problems[name], (materials, error.value.problems)
    assert snapshot(app, *LEDGER_TABLES) == before


def test_a_print_run_of_another_event_is_refused(app, client, auth, world):
    own = add_run(app, world.event_a_id, copies=20)
    other = add_run(app, world.event_b_id, copies=20)
    confirm(app, world.event_a_id)
    seniors = group_ids(app)["seniors"]
    before = snapshot(app, *LEDGER_TABLES)
    with app.app_context(), force_locale("en"):
        event = db.session.get(Event, world.event_a_id)
        details = services.ReportDetails(
            {seniors: 5}, "好", ledger=LedgerEntries(runs={own: 5, other: 5})
        )
        with pytest.raises(ServiceError) as error:
            services.save_report(event, user("admin"), details)
        db.session.rollback()
    assert "print runs only" in error.value.problems["ledger"]
    assert snapshot(app, *LEDGER_TABLES) == before
    # Through the form, another event's run (or a huge id) is no input of this report: the
    # report saves its own run's line and nothing for the other run.
    auth.login("admin")
    response = post_report(
        client,
        world.event_a_id,
        app,
        **{
            f"handed_out_{own}": "5",
            f"handed_out_{other}": "5",
            f"handed_out_{2**63}": "5",
            "material_quantity_99999999999999999999": "5",
            "material_99999999999999999999": "poster",
        },
    )
    assert response.status_code == 302
    assert lines(app, world.event_a_id) == [(own, None, "", 5)]
    assert lines(app, world.event_b_id) == []


@pytest.mark.parametrize("username", ["head_a", "staff_a"])
def test_another_regions_event_is_404(app, client, auth, world, username):
    run_id = add_run(app, world.event_b_id, copies=20)
    confirm(app, world.event_b_id)
    auth.login(username)
    before = snapshot(app, *LEDGER_TABLES)
    assert client.get(f"/events/{world.event_b_id}/report").status_code == 404
    response = post_report(client, world.event_b_id, app, **{f"handed_out_{run_id}": "5"})
    assert response.status_code == 404
    assert snapshot(app, *LEDGER_TABLES) == before


# --- withdrawn runs and coverage ---------------------------------------------------------------


def test_withdrawing_a_run_takes_its_line_out_of_coverage(app, client, auth, world):
    run_id = add_run(app, world.event_a_id, copies=50)
    confirm(app, world.event_a_id)
    auth.login("admin")
    fields = {f"handed_out_{run_id}": "40", "material_0": "booklet", "material_quantity_0": "9"}
    assert post_report(client, world.event_a_id, app, **fields).status_code == 302
    consistent(app)
    data = event_totals(app, client, world)
    assert (data["copies"], data["handed_out"], data["materials_handed_out"]) == (50, 40, 9)
    with app.app_context():
        revoke_print_run(user("admin"), db.session.get(PrintRun, run_id), "内容有误")
        db.session.commit()
    consistent(app)
    data = event_totals(app, client, world)
    assert (data["copies"], data["handed_out"], data["materials_handed_out"]) == (0, 0, 9)
    assert lines(app, world.event_a_id)[0] == (run_id, None, "", 40)  # the line is kept
    page = client.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "Withdrawn: not counted in coverage" in page or "已作废：不计入覆盖统计" in page


def test_a_cancelled_events_ledger_counts_nowhere(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("admin")
    fields = {"material_0": "gift", "material_label_0": "环保袋", "material_quantity_0": "30"}
    assert post_report(client, world.event_a_id, app, **fields).status_code == 302
    data = event_totals(app, client, world)
    assert data["gifts_handed_out"] == 30
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        event.status = EventStatus.CANCELLED
        event.cancel_reason = "台风"
        db.session.commit()
    consistent(app)
    data = event_totals(app, client, world)
    assert data["gifts_handed_out"] == 0


LEDGER_FIGURES = (
    "copies",
    "handed_out",
    "copies_scanned",
    "handed_out_scan_rate",
    "materials_handed_out",
    "gifts_handed_out",
)


def _pct(value) -> str:
    return f"{value * 100:.1f}%"


def test_the_ledger_figures_show_side_by_side_everywhere(app, client, auth, cw, tmp_path):
    first, last = twelve_months(local_today())
    auth.login("admin")
    with app.app_context():
        expected = expected_report(cw.admin_id, cw.district_a_id, first, last, local_today())
        assert_consistent()
    total = expected["total"]
    assert all(total[name] for name in LEDGER_FIGURES), total
    assert total["handed_out"] <= total["copies"]
    url = f"/coverage/{cw.district_a_id}"

    # JSON: every count and figure, equal to the independent computation.
    data = client.get(f"{url}.json").get_json()
    for name in (*LEDGER_FIGURES, "handed_out", "materials_handed_out", "gifts_handed_out"):
        assert data["total"][name] == total[name], name

    # The page: the event records' cards, printed, handed out and scanned side by side.
    tree = lxml_html.fromstring(client.get(url).data)
    cards = tree.xpath("//*[@data-testid='record']//*[@data-figure]")
    keys = [c.get("data-figure") for c in cards]
    start = keys.index(LEDGER_FIGURES[0])  # other records may come before them
    assert keys[start : start + len(LEDGER_FIGURES)] == list(LEDGER_FIGURES)
    for card in cards[start : start + len(LEDGER_FIGURES)]:
        text = card.text_content().replace(",", "")
        value = total[card.get("data-figure")]
        assert text == (_pct(value) if isinstance(value, float) else str(value))

    # CSV: the summary and the tables by kind, month and region.
    with app.test_request_context(), force_locale("zh_CN"):
        labels = {
            name: figures.FIGURES[name].label_in(figures.EXPORT_SUMMARY) for name in LEDGER_FIGURES
        }
    text = client.get(f"{url}/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    summary = {row[0]: row[1] for row in rows if len(row) == 2}
    for name, label in labels.items():
        value = total[name]
        assert summary[label] == (_pct(value) if isinstance(value, float) else str(value)), name
    header = next(row for row in rows if row[:1] == ["区域"] and len(row) > 2)
    assert all(labels[n] in header for n in labels)
    columns = [header.index(labels[n]) for n in LEDGER_FIGURES]
    assert columns == sorted(columns)  # side by side, in this order

    # XLSX: the summary sheet, numbers and a percentage format.
    book = load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx").data))
    cells = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    for name, label in labels.items():
        assert cells[label].value == total[name], name
    assert cells[labels["handed_out_scan_rate"]].number_format == "0.0%"
    region_header = [c.value for c in book.worksheets[5][1]]
    assert all(labels[n] in region_header for n in labels)

    # PDF: the events' records grid.
    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"{url}/export.pdf").data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE)
    pdf = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    assert "活动记录" in pdf
    for name, label in labels.items():
        value = total[name]
        shown = _pct(value) if isinstance(value, float) else f"{value:,}"
        assert f"{shown} {label}" in pdf, name
