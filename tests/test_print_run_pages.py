"""Print runs on an event: the print form with its preview, the PDF download, withdrawing a run,
and the "Handouts" section of the event page."""

from __future__ import annotations

import io
import math
import re
from urllib.parse import unquote

import pypdfium2
import pytest
from PIL import Image
from sqlalchemy import select

from outreach_app.attendee.models import CheckIn, HandoutScan
from outreach_app.audit.models import AuditLog
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.layout import LAYOUT_SPECS
from outreach_app.handouts.models import HandoutVersion, PrintRun
from outreach_app.handouts.services import handout_by_code
from tests.factories import make_print_run
from tests.helpers import count, csrf_token_from, login


def _handout_id(app, code: str = "pension-scams", language: str = "zh_CN") -> int:
    with app.app_context():
        return handout_by_code(code, language).id


def _make_run(app, event_id: int, **kwargs) -> int:
    with app.app_context():
        run = make_print_run(db.session.get(Event, event_id), **kwargs)
        db.session.commit()
        return run.id


def _set_event(app, event_id: int, **values) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        for name, value in values.items():
            setattr(event, name, value)
        db.session.commit()


def _print(client, app, event_id: int, button: str = "print_run", **overrides):
    data = {"handout": str(_handout_id(app)), "copies": "10", "layout": "a4", button: "1"}
    data.update(overrides)
    return client.post(f"/events/{event_id}/print-runs/new", data=data)


# The print form ---------------------------------------------------------------------------------


def test_print_form_defaults_from_the_event(english, auth, world, app):
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    # event_a is about telecom fraud for seniors, expecting 40 people.
    police = _handout_id(app, "impersonating-police", "zh_CN")
    assert re.search(rf'<option selected value="{police}">', html) or re.search(
        rf'<option value="{police}" selected', html
    )
    assert 'name="copies"' in html and 'value="40"' in html
    assert "守好养老钱，谨防养老诈骗 · 中文 · for Seniors" in html
    assert "Protect your retirement savings from scams · English · for Seniors" in html
    assert 'value="a4" selected' in html or 'selected value="a4"' in html
    assert 'data-testid="preview-image"' not in html


@pytest.mark.parametrize(
    "attendance, expected",
    [(None, 50), (0, 50), (9000, 5000), (1, 1), (120, 120)],
)
def test_default_copies(english, auth, world, app, attendance, expected):
    _set_event(app, world.event_a_id, expected_attendance=attendance)
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert re.search(rf'name="copies"[^>]*value="{expected}"', html) or re.search(
        rf'value="{expected}"[^>]*name="copies"', html
    )


def test_seniors_handout_defaults_to_large_print(english, auth, world, app):
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        event.topics = [handout_by_code("pension-scams", "zh_CN").topic]
        db.session.commit()
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert 'value="large" selected' in html or 'selected value="large"' in html


def test_preview_shows_page_one_and_creates_nothing(english, auth, world, app):
    auth.login("staff_a")
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id, button="preview", layout="a5x2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = re.search(r'<img[^>]*src="([^"]+)"[^>]*alt="([^"]+)"', html)
    assert match, "no preview image"
    src, alt = match.group(1).replace("&amp;", "&"), match.group(2)
    assert "Page one of" in alt and "守好养老钱" in alt
    assert f"handout={_handout_id(app)}" in src and "layout=a5x2" in src
    assert count(app, PrintRun) == before
    image = english.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "private" in image.headers["Cache-Control"]
    picture = Image.open(io.BytesIO(image.data))
    picture.verify()
    # Two A5 copies side by side on a landscape A4 sheet.
    width, height = Image.open(io.BytesIO(image.data)).size
    assert width > height and 900 < width < 1400


@pytest.mark.parametrize("layout", ["a4", "large"])
def test_preview_png_is_a_portrait_a4(auth, world, app, client, layout):
    auth.login("head_a")
    url = f"/events/{world.event_a_id}/print-runs/preview.png?handout={_handout_id(app)}"
    response = client.get(f"{url}&layout={layout}")
    assert response.status_code == 200
    width, height = Image.open(io.BytesIO(response.data)).size
    assert height > width and 700 < width < 900
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "query",
    [
        "handout=abc&layout=a4",
        "handout=&layout=a4",
        "handout=999999&layout=a4",
        "handout=99999999999999999999999&layout=a4",
        "handout=-1&layout=a4",
        "handout={id}&layout=a3",
        "handout={id}&layout=",
        "handout={inactive}&layout=a4",
    ],
)
def test_preview_with_bad_parameters_is_404(auth, world, app, client, query):
    inactive = _handout_id(app, "click-farming", "en")
    with app.app_context():
        handout_by_code("click-farming", "en").is_active = False
        db.session.commit()
    auth.login("staff_a")
    query = query.format(id=_handout_id(app), inactive=inactive)
    response = client.get(f"/events/{world.event_a_id}/print-runs/preview.png?{query}")
    assert response.status_code == 404


def test_print_creates_a_run_and_lists_it(english, auth, world, app):
    auth.login("staff_a")
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id, copies="12", layout="large")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{world.event_a_id}#handouts"
    assert count(app, PrintRun) == before + 1
    with app.app_context():
        run = db.session.scalars(select(PrintRun).order_by(PrintRun.id.desc())).first()
        assert (run.event_id, run.copies, run.layout.value) == (world.event_a_id, 12, "large")
        assert run.created_by.username == "staff_a"
        entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert entry.action == "print_run.create" and entry.object_id == run.id
        run_id = run.id
    page = english.get(f"/events/{world.event_a_id}")
    html = page.get_data(as_text=True)
    assert "12 copies of “守好养老钱，谨防养老诈骗” are ready to download." in html
    assert f"/events/{world.event_a_id}/print-runs/{run_id}/pdf" in html
    assert "In force" in html and "张宣教" in html and "version 1" in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"copies": "0"}, "Print between 1 and 5000 copies."),
        ({"copies": "5001"}, "Print between 1 and 5000 copies."),
        ({"copies": "-3"}, "Print between 1 and 5000 copies."),
        ({"copies": "99999999999999999999999"}, "Print between 1 and 5000 copies."),
        ({"copies": "abc"}, "Enter a whole number of copies."),
        ({"copies": "0x10"}, "Enter a whole number of copies."),
        ({"copies": "1.5"}, "Enter a whole number of copies."),
        ({"copies": ""}, "Enter a whole number of copies."),
        ({"copies": "1" * 5000}, "Enter a whole number of copies."),
        ({"layout": "a3"}, "Choose a layout from the list."),
        ({"handout": "999999"}, "Choose a handout from the list."),
        ({"handout": "abc"}, "Choose a handout from the list."),
        ({"handout": ""}, "Choose a handout"),
    ],
)
def test_bad_print_requests_create_nothing(english, auth, world, app, overrides, message):
    auth.login("staff_a")
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id, **overrides)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(app, PrintRun) == before


def test_retired_handout_cannot_be_printed(english, auth, world, app):
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert "守好养老钱" in page
    with app.app_context():
        handout_by_code("pension-scams", "zh_CN").is_active = False
        db.session.commit()
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id)
    assert "Choose a handout from the list." in response.get_data(as_text=True)
    assert count(app, PrintRun) == before


def test_cancelled_event_has_no_print_form(english, auth, world, app):
    _set_event(app, world.event_a_id, status=EventStatus.CANCELLED)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert "This event is cancelled, so no handouts can be printed for it." in page
    assert 'data-testid="print-form"' not in page
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id)
    assert response.status_code == 200 and count(app, PrintRun) == before
    url = f"/events/{world.event_a_id}/print-runs/preview.png?handout={_handout_id(app)}"
    assert english.get(url).status_code == 404
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="print-button"' not in detail


# Downloads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout, copies", [("a4", 3), ("large", 2), ("a5x2", 3), ("a5x2", 4), ("a5x2", 1)]
)
def test_download_has_one_page_per_copy_or_per_sheet(auth, world, app, client, layout, copies):
    run_id = _make_run(app, world.event_a_id, copies=copies, layout=layout)
    auth.login("staff_a")
    response = client.get(f"/events/{world.event_a_id}/print-runs/{run_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.headers["Cache-Control"] == "no-store"
    # a4: one page per copy; a5x2: ceil(copies / 2) sheets; large print may take more than one
    # page per copy, as its layout says.
    spec = LAYOUT_SPECS[layout]
    pages = math.ceil(copies / spec.copies_per_page) * getattr(spec, "pages_per_copy", 1)
    if layout == "a5x2":
        assert pages == math.ceil(copies / 2)
    document = pypdfium2.PdfDocument(response.data)
    try:
        assert len(document) == pages
    finally:
        document.close()


def test_download_name_is_safe_and_keeps_chinese(auth, world, app, client):
    _set_event(app, world.event_a_id, title='湛山社区"防诈"\r\n讲座/第1场')
    run_id = _make_run(app, world.event_a_id, copies=1)
    auth.login("head_a")
    response = client.get(f"/events/{world.event_a_id}/print-runs/{run_id}/pdf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "\r" not in disposition and "\n" not in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    name = unquote(encoded)
    assert "湛山社区防诈讲座第1场" in name
    assert name.endswith("-pension-scams-zh_CN-a4-1.pdf")
    assert "/" not in name and '"' not in name
    response.close()


def test_withdrawn_run_is_gone(english, auth, world, app):
    run_id = _make_run(app, world.event_a_id)
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    assert "Withdraw this print run?" in english.get(url).get_data(as_text=True)
    response = english.post(url, data={"reason": "日期印错了"})
    assert response.status_code == 302
    download = english.get(f"/events/{world.event_a_id}/print-runs/{run_id}/pdf")
    assert download.status_code == 410
    text = download.get_data(as_text=True)
    assert "This print run was withdrawn" in text and "日期印错了" in text
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "Withdrawn" in detail and "日期印错了" in detail
    assert f"/print-runs/{run_id}/pdf" not in detail
    # Asking again says so and changes nothing.
    again = english.get(url, follow_redirects=True).get_data(as_text=True)
    assert "This print run is already withdrawn." in again


# Withdrawing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say why the run is withdrawn."),
        ("   ", "Say why the run is withdrawn."),
        ("r" * 301, "300 characters"),
        ("bad\x01reason", "invisible characters"),
    ],
)
def test_withdraw_needs_a_good_reason(english, auth, world, app, reason, message):
    run_id = _make_run(app, world.event_a_id)
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    response = english.post(url, data={"reason": reason})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        run = db.session.get(PrintRun, run_id)
        assert run.revoked_at is None and run.revoke_reason == ""


def test_withdraw_records_who_and_why(auth, world, app, client):
    run_id = _make_run(app, world.event_a_id)
    auth.login("head_a")
    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    client.post(url, data={"reason": "  印刷厂弄丢了  "})
    with app.app_context():
        run = db.session.get(PrintRun, run_id)
        assert run.is_revoked and run.revoke_reason == "印刷厂弄丢了"
        assert run.revoked_by.username == "head_a"
        entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert entry.action == "print_run.revoke" and entry.object_id == run_id


# The event page --------------------------------------------------------------------------------


def test_event_page_handouts_section(english, auth, world, app):
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'id="handouts"' in html and "No handouts printed yet." in html
    assert f"/events/{world.event_a_id}/print-runs/new" in html
    run_id = _make_run(app, world.event_a_id, copies=5, code="click-farming", language="en")
    with app.app_context():
        db.session.add_all(
            [
                HandoutScan(print_run_id=run_id, serial=1, event_id=world.event_a_id),
                HandoutScan(print_run_id=run_id, serial=1, event_id=world.event_a_id),
                HandoutScan(print_run_id=run_id, serial=2, event_id=world.event_a_id),
                CheckIn(print_run_id=run_id, serial=1, event_id=world.event_a_id),
            ]
        )
        db.session.commit()
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    row = html.split('data-testid="print-run"', 1)[1].split("</tr>", 1)[0]
    assert 'Paid online "tasks" and fake orders are scams' in html.replace("&#34;", '"')
    assert "English" in row and "A4, one per page" in row and "command line" in row
    assert re.search(r">\s*3\s*</td>\s*<td[^>]*>\s*1\s*</td>", row), row
    assert "5 copies in force" in html


# Access and robustness --------------------------------------------------------------------------


def test_runs_of_other_events_are_404(auth, world, app, client):
    run_b = _make_run(app, world.event_b_id)
    run_a = _make_run(app, world.event_a_id)
    auth.login("admin")
    # Even an admin, who may see both events, cannot reach a run through the wrong event.
    for suffix in ("pdf", "revoke"):
        assert (
            client.get(f"/events/{world.event_a_id}/print-runs/{run_b}/{suffix}").status_code == 404
        )
        assert (
            client.get(f"/events/{world.event_b_id}/print-runs/{run_a}/{suffix}").status_code == 404
        )
    client.post(f"/events/{world.event_a_id}/print-runs/{run_b}/revoke", data={"reason": "x"})
    with app.app_context():
        assert db.session.get(PrintRun, run_b).revoked_at is None


@pytest.mark.parametrize("username", ["staff_a", "head_a"])
def test_events_out_of_scope_are_404(auth, world, app, client, username):
    run_b = _make_run(app, world.event_b_id)
    auth.login(username)
    before = count(app, PrintRun)
    base = f"/events/{world.event_b_id}/print-runs"
    assert client.get(f"{base}/new").status_code == 404
    assert _print(client, app, world.event_b_id).status_code == 404
    assert client.get(f"{base}/preview.png?handout={_handout_id(app)}&layout=a4").status_code == 404
    assert client.get(f"{base}/{run_b}/pdf").status_code == 404
    assert client.post(f"{base}/{run_b}/revoke", data={"reason": "x"}).status_code == 404
    assert count(app, PrintRun) == before
    with app.app_context():
        assert db.session.get(PrintRun, run_b).revoked_at is None


@pytest.mark.parametrize(
    "url",
    [
        "/events/0/print-runs/new",
        "/events/99999999999/print-runs/new",
        "/events/abc/print-runs/new",
        "/events/{event}/print-runs/0/pdf",
        "/events/{event}/print-runs/99999999999/pdf",
        "/events/{event}/print-runs/99999999999999999999999/revoke",
        "/events/{event}/print-runs/-1/pdf",
        "/events/{event}/print-runs/abc/pdf",
        "/events/99999999999999999999999/print-runs/preview.png",
    ],
)
def test_bad_ids_are_404(auth, world, client, url):
    auth.login("admin")
    assert client.get(url.format(event=world.event_a_id)).status_code == 404


def test_posts_without_csrf_token_are_refused(app, csrf_app, world):
    client = csrf_app.test_client()
    login(client, "staff_a")
    run_id = _make_run(app, world.event_a_id)
    before = count(app, PrintRun)
    assert _print(client, app, world.event_a_id).status_code == 400
    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    assert client.post(url, data={"reason": "没有令牌"}).status_code == 400
    assert count(app, PrintRun) == before
    with app.app_context():
        assert db.session.get(PrintRun, run_id).revoked_at is None
    # With the form's token, printing works.
    form = client.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    response = _print(client, app, world.event_a_id, csrf_token=csrf_token_from(form))
    assert response.status_code == 302 and count(app, PrintRun) == before + 1


def test_too_long_for_large_print_is_refused_not_shrunk(english, auth, world, app):
    """Large print promises 18 pt: a handout too long for that is refused for large print (and
    prints on A4, which may set it smaller)."""
    with app.app_context():
        handout = handout_by_code("pension-scams", "zh_CN")
        current = max(handout.versions, key=lambda v: v.number)
        db.session.add(
            HandoutVersion(
                handout_id=handout.id,
                number=current.number + 1,
                title="长" * 120,
                lead="骗" * 600,
                tips=["防" * 200] * 8,
                never_ask="密" * 300,
            )
        )
        db.session.commit()
    auth.login("staff_a")
    before = count(app, PrintRun)
    response = _print(english, app, world.event_a_id, layout="large")
    assert response.status_code == 200
    assert "This handout is too long for large print (at least 18 pt on two pages)" in (
        response.get_data(as_text=True)
    )
    assert count(app, PrintRun) == before
    response = _print(english, app, world.event_a_id, layout="a4")
    assert response.status_code == 302
    assert count(app, PrintRun) == before + 1


# Completed events -------------------------------------------------------------------------------


def _event_audit(app, event_id: int) -> list[tuple[str, str]]:
    """The event's own history entries as (action, detail JSON)."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditLog)
            .where(AuditLog.object_type == "event", AuditLog.object_id == event_id)
            .order_by(AuditLog.id)
        )
        return [(row.action, row.detail) for row in rows]


def _revoked(app, run_id: int) -> bool:
    with app.app_context():
        return db.session.get(PrintRun, run_id).revoked_at is not None


def test_staff_cannot_print_for_or_withdraw_runs_of_a_completed_event(english, auth, world, app):
    run_id = _make_run(app, world.event_a_id)
    _set_event(app, world.event_a_id, status=EventStatus.COMPLETED)
    auth.login("staff_a")
    before, history = count(app, PrintRun), _event_audit(app, world.event_a_id)

    form = english.get(f"/events/{world.event_a_id}/print-runs/new")
    assert form.status_code == 403
    page = form.get_data(as_text=True)
    assert "This event can no longer be changed" in page
    assert "Completed events can be changed only by regional heads and administrators." in page
    printed = _print(english, app, world.event_a_id, change_reason="补印")
    assert printed.status_code == 403
    assert 'data-testid="print-form"' not in printed.get_data(as_text=True)

    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    assert english.get(url).status_code == 403
    withdrawn = english.post(url, data={"reason": "日期印错了"})
    assert withdrawn.status_code == 403
    assert "This event can no longer be changed" in withdrawn.get_data(as_text=True)

    assert count(app, PrintRun) == before and not _revoked(app, run_id)
    assert _event_audit(app, world.event_a_id) == history
    # The page offers neither button, and says why; the PDF can still be downloaded.
    detail = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="print-button"' not in detail and 'data-testid="withdraw"' not in detail
    assert f"/print-runs/{run_id}/revoke" not in detail
    assert 'data-testid="runs-locked"' in detail
    assert "only regional heads and administrators can print or withdraw" in detail
    assert f"/print-runs/{run_id}/pdf" in detail
    assert english.get(f"/events/{world.event_a_id}/print-runs/{run_id}/pdf").status_code == 200


@pytest.mark.parametrize("username", ["head_a", "admin"])
def test_heads_and_admins_print_for_a_completed_event_with_a_reason(
    english, auth, world, app, username
):
    _set_event(app, world.event_a_id, status=EventStatus.COMPLETED)
    auth.login(username)
    before = count(app, PrintRun)
    form = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert 'name="change_reason"' in form and "The reason is kept in the event" in form
    # Preview needs no reason; printing does, and nothing is saved without one.
    preview = _print(english, app, world.event_a_id, button="preview")
    assert 'data-testid="preview-image"' in preview.get_data(as_text=True)
    assert "say why it is being changed" not in preview.get_data(as_text=True)
    for reason in ("", "   "):
        refused = _print(english, app, world.event_a_id, change_reason=reason)
        assert refused.status_code == 200
        assert "This event is completed: say why it is being changed." in refused.get_data(
            as_text=True
        )
    assert count(app, PrintRun) == before

    response = _print(english, app, world.event_a_id, change_reason="居委会要补发  20 份")
    assert response.status_code == 302
    assert count(app, PrintRun) == before + 1
    action, detail = _event_audit(app, world.event_a_id)[-1]
    assert action == "event.change_after_completion"
    assert '"change": "print_run_created"' in detail and "居委会要补发 20 份" in detail
    page = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    history = page.split('data-testid="history"', 1)[1]
    assert "Changed after completion" in history and "Print run added" in history
    assert "Reason: 居委会要补发 20 份" in history


@pytest.mark.parametrize("username", ["head_a", "admin"])
def test_heads_and_admins_withdraw_runs_of_a_completed_event_into_its_history(
    english, auth, world, app, username
):
    run_id = _make_run(app, world.event_a_id)
    _set_event(app, world.event_a_id, status=EventStatus.COMPLETED)
    auth.login(username)
    url = f"/events/{world.event_a_id}/print-runs/{run_id}/revoke"
    form = english.get(url).get_data(as_text=True)
    assert "the reason is also kept in the event" in form
    refused = english.post(url, data={"reason": ""})
    assert "Say why the run is withdrawn." in refused.get_data(as_text=True)
    assert not _revoked(app, run_id)
    assert english.post(url, data={"reason": "活动日期印错了"}).status_code == 302
    assert _revoked(app, run_id)
    action, detail = _event_audit(app, world.event_a_id)[-1]
    assert action == "event.change_after_completion"
    assert '"change": "print_run_withdrawn"' in detail and "活动日期印错了" in detail
    page = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    history = page.split('data-testid="history"', 1)[1]
    assert "Print run withdrawn" in history and "Reason: 活动日期印错了" in history


def test_changes_before_completion_ask_no_reason(english, auth, world, app):
    auth.login("head_a")
    form = english.get(f"/events/{world.event_a_id}/print-runs/new").get_data(as_text=True)
    assert 'name="change_reason"' not in form
    assert _print(english, app, world.event_a_id).status_code == 302
    assert [a for a, _ in _event_audit(app, world.event_a_id)] == []
