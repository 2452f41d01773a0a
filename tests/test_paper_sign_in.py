"""Paper sign-in: head counts read off the sheet (validation, the report's rule, the panel, the
rollups), the sheets (photos and PDFs re-encoded, refused files, scope, headers, removal) and
their deletion after the retention period."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from lxml import html as lxml_html
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.event_reports import sheets as sheet_files
from outreach_app.event_reports.sign_in import MAX_SHEETS_PER_EVENT, save_paper_counts
from outreach_app.events.models import (
    Event,
    EventAttendance,
    EventPaperAttendance,
    EventStatus,
    SignInSheet,
    SignInSheetPage,
)
from outreach_app.extensions import db
from tests.coverage_data import (
    assert_consistent,
    expected_report,
    local_today,
    month_of,
    slim_json,
    twelve_months,
)
from tests.factories import (
    blank_png,
    confirm,
    jpeg,
    jpeg_with_exif,
    make_sheet,
    set_status,
    sheet_pdf,
)
from tests.helpers import (
    audit_entries,
    group_ids,
    paper_form,
    report_form,
    snapshot,
    stored_files,
    upload_sheet,
)

MB = 1024 * 1024
TABLES = (Event, EventAttendance, EventPaperAttendance, SignInSheet, SignInSheetPage, AuditLog)
HEADCOUNT_MESSAGE = "Enter a whole number from 0 to 100000."

# Every test writes its sheets to a temporary upload folder, never the instance folder.
pytestmark = pytest.mark.usefixtures("uploads")


@pytest.fixture
def sheets(uploads):
    """The folder sign-in sheet pages are written to (beside the photos' folder)."""
    return uploads.parent / "sign-in-sheets"


def paper_rows(app, event_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(EventPaperAttendance).where(EventPaperAttendance.event_id == event_id)
        ).scalars()
        return {row.target_group.code: row.headcount for row in rows}


def add_sheets(app, event_id: int, count: int = 1, pages: int = 1) -> list[int]:
    with app.app_context():
        event = db.session.get(Event, event_id)
        ids = [make_sheet(event, app.config["UPLOAD_FOLDER"], pages).id for _ in range(count)]
        db.session.commit()
        return ids


def only_sheet(app, event_id: int) -> tuple[SignInSheet, list[SignInSheetPage]]:
    with app.app_context():
        (sheet,) = db.session.execute(
            select(SignInSheet).where(SignInSheet.event_id == event_id)
        ).scalars()
        pages = list(sheet.pages)
        db.session.expunge_all()
        return sheet, pages


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- paper head counts -------------------------------------------------------------------------


def test_paper_counts_are_kept_apart_and_counted_in_the_rollups(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/sign-in"
    page = english.get(url).get_data(as_text=True)
    assert 'data-testid="paper-counts-form"' in page and "Signed on paper, by target group" in page

    response = english.post(url, data=paper_form(app, seniors=25, general="５"))
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert paper_rows(app, world.event_a_id) == {"seniors": 25, "general": 5}
    [(action, detail)] = [
        e for e in audit_entries(app, "event", world.event_a_id) if "paper" in e[0]
    ]
    assert action == "paper_sign_in.save"
    assert detail["signed_on_paper"] == 30 and detail["counts"] == {"general": 5, "seniors": 25}
    with app.app_context():
        assert_consistent()

    # The staff's count and the QR check-ins stay apart: the panel shows the three.
    assert (
        english.post(
            f"/events/{world.event_a_id}/report", data=report_form(app, seniors=20)
        ).status_code
        == 302
    )
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "Counted by staff" in html and "Signed on paper" in html and "QR check-ins" in html
    assert 'data-testid="on-paper-total">30<' in html
    assert 'data-testid="attendance-total">20<' in html

    auth.logout()
    auth.login("head_a")
    assert english.post(url, data=paper_form(app, seniors=12)).status_code == 302
    assert paper_rows(app, world.event_a_id) == {"seniors": 12}
    with app.app_context():
        assert_consistent()


def test_the_report_may_rest_on_paper_counts_alone(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    report = f"/events/{world.event_a_id}/report"
    blank = report_form(app, seniors="")
    response = english.post(report, data=blank)
    assert response.status_code == 200
    assert "Enter how many people came" in response.get_data(as_text=True)

    page = english.get(report).get_data(as_text=True)
    assert 'data-testid="sign-in-section"' in page
    response = english.post(
        f"/events/{world.event_a_id}/sign-in?back=report", data=paper_form(app, seniors=18)
    )
    assert response.headers["Location"] == report
    assert "these may stay blank" in english.get(report).get_data(as_text=True)
    assert english.post(report, data=blank).status_code == 302
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        assert event.status is EventStatus.COMPLETED and event.attendance == []
        assert_consistent()

    # Now the paper counts are all the report has: they cannot all go.
    auth.logout()
    auth.login("admin")
    before = snapshot(app, *TABLES)
    response = english.post(f"/events/{world.event_a_id}/sign-in", data=paper_form(app))
    assert response.status_code == 200
    assert "the paper sign-in must count at least one person" in response.get_data(as_text=True)
    assert snapshot(app, *TABLES) == before


@pytest.mark.parametrize(
    "value",
    ["-1", "100001", "9999999999", "1e3", "12abc", " +5", "1_000", "1.5", "٣", "1\x00", "\x1b5"],
)
def test_bad_paper_counts_are_refused_and_change_nothing(app, english, auth, world, value):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *TABLES)
    response = english.post(
        f"/events/{world.event_a_id}/sign-in", data=paper_form(app, general=3, seniors=value)
    )
    if "\x00" in value:
        assert response.status_code == 400  # every request with a NUL byte is refused at once
    else:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert HEADCOUNT_MESSAGE in html and "Nothing was saved" in html
    assert snapshot(app, *TABLES) == before


def test_fields_for_unknown_groups_are_ignored(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    data = paper_form(app, seniors=4)
    data.update({"paper_99999": "7", "paper_99999999999999999999": "7", "paper_-1": "7"})
    assert client.post(f"/events/{world.event_a_id}/sign-in", data=data).status_code == 302
    assert paper_rows(app, world.event_a_id) == {"seniors": 4}


@pytest.mark.parametrize(
    "counts",
    [{99999: 3}, {2**31: 3}, {"seniors": -1}, {"seniors": 10**12}, {"seniors": True}],
)
def test_the_service_refuses_what_no_form_sends(app, world, counts):
    ids = group_ids(app)
    counts = {ids.get(key, key): n for key, n in counts.items()}
    confirm(app, world.event_a_id)
    with app.test_request_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.get(User, world.admin_id)
        with pytest.raises(ServiceError):
            save_paper_counts(event, admin, counts)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(EventPaperAttendance)) == 0


@pytest.mark.parametrize(
    ("statuses", "username", "allowed"),
    [
        ((), "admin", False),  # planned
        ((EventStatus.CONFIRMED,), "staff_a", True),
        ((EventStatus.CONFIRMED, EventStatus.COMPLETED), "staff_a", False),
        ((EventStatus.CONFIRMED, EventStatus.COMPLETED), "head_a", True),
        ((EventStatus.CANCELLED,), "admin", False),
    ],
)
def test_who_may_record_paper_sign_in_when(
    app, client, auth, world, sheets, statuses, username, allowed
):
    set_status(app, world.event_a_id, *statuses, reason="台风")
    if EventStatus.COMPLETED in statuses:
        with app.app_context():
            db.session.add(
                EventPaperAttendance(
                    event_id=world.event_a_id, target_group_id=group_ids(app)["youth"], headcount=2
                )
            )
            db.session.commit()
    auth.login(username)
    url = f"/events/{world.event_a_id}/sign-in"
    assert client.get(url).status_code == 200
    counts = client.post(url, data=paper_form(app, seniors=9))
    upload = upload_sheet(client, world.event_a_id, jpeg())
    if allowed:
        assert counts.status_code == 302 and upload.status_code == 302
    else:
        assert counts.status_code == 403 and upload.status_code == 403
        assert stored_files(sheets) == []


# --- scope -------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/events/{e}/sign-in"),
    ("POST", "/events/{e}/sign-in"),
    ("POST", "/events/{e}/sign-in/sheets"),
    ("GET", "/events/{e}/sign-in/sheets/{s}/pages/1"),
    ("GET", "/events/{e}/sign-in/sheets/{s}/pages/1/thumb"),
    ("GET", "/events/{e}/sign-in/sheets/{s}/delete"),
    ("POST", "/events/{e}/sign-in/sheets/{s}/delete"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_is_sent_to_login(app, client, world, sheets, method, path):
    confirm(app, world.event_a_id)
    [sheet_id] = add_sheets(app, world.event_a_id)
    before, files = snapshot(app, *TABLES), stored_files(sheets)
    response = client.open(
        path.format(e=world.event_a_id, s=sheet_id), method=method, data=paper_form(app, seniors=3)
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot(app, *TABLES) == before
    assert stored_files(sheets) == files


@pytest.mark.parametrize("username", ["staff_b", "head_a", "staff_a"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_out_of_scope_is_404(app, client, auth, world, sheets, username, method, path):
    # staff_b (another branch) may not see event A; head_a (another region) nor staff_a event B.
    event_id = world.event_a_id if username == "staff_b" else world.event_b_id
    confirm(app, event_id)
    [sheet_id] = add_sheets(app, event_id)
    auth.login(username)
    before, files = snapshot(app, *TABLES), stored_files(sheets)
    url = path.format(e=event_id, s=sheet_id)
    if url.endswith("/sheets"):
        response = upload_sheet(client, event_id, jpeg())
    else:
        response = client.open(url, method=method, data=paper_form(app, seniors=3))
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert snapshot(app, *TABLES) == before
    assert stored_files(sheets) == files


@pytest.mark.parametrize(
    "path",
    [
        "/events/99999999999999999999999/sign-in",
        "/events/0/sign-in",
        "/events/{a}/sign-in/sheets/{b}/pages/1",
        "/events/{a}/sign-in/sheets/{b}/delete",
        "/events/{a}/sign-in/sheets/99999/pages/1",
        "/events/{a}/sign-in/sheets/99999999999999999999999/pages/1",
        "/events/{a}/sign-in/sheets/{s}/pages/0",
        "/events/{a}/sign-in/sheets/{s}/pages/2",
        "/events/{a}/sign-in/sheets/{s}/pages/99999999999999999999/thumb",
        "/events/{a}/sign-in/sheets/{s}/pages/-1",
    ],
)
def test_unknown_ids_are_404(app, client, auth, world, path):
    confirm(app, world.event_a_id)
    confirm(app, world.event_b_id)
    [sheet_a] = add_sheets(app, world.event_a_id)
    [sheet_b] = add_sheets(app, world.event_b_id)
    auth.login("admin")
    url = path.format(a=world.event_a_id, s=sheet_a, b=sheet_b)
    assert client.get(url).status_code == 404
    assert (
        client.post(f"/events/{world.event_a_id}/sign-in/sheets/{sheet_b}/delete").status_code
        == 404
    )


# --- uploads -----------------------------------------------------------------------------------


def test_a_photo_of_the_sheet_is_re_encoded_without_its_metadata(app, english, auth, world, sheets):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_sheet(english, world.event_a_id, jpeg_with_exif())
    assert response.status_code == 302
    sheet, [page] = only_sheet(app, world.event_a_id)
    assert sheet.sent_as == "photo" and page.number == 1
    assert (page.width, page.height) == (200, 300)  # turned upright
    for name in (page.file_name, page.file_name[:-4] + ".thumb.jpg"):
        raw = (sheets / name).read_bytes()
        image = open_image(raw)
        assert (image.format, image.mode) == ("JPEG", "RGB")
        assert not image.getexif()
        for secret in (b"SecretCam", b"secret-comment", b"secret-xmp", b"Exif", b"GPS"):
            assert secret not in raw
    [(action, detail)] = [
        e for e in audit_entries(app, "event", world.event_a_id) if e[0].startswith("sign_in")
    ]
    assert action == "sign_in_sheet.add" and detail["pages"] == 1 and detail["sent_as"] == "photo"
    assert "Sign-in sheet added." in english.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_png_sheet_is_kept_as_a_jpeg(app, client, auth, world, sheets):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 400), (0, 0, 0, 0)).save(buffer, "PNG")
    response = upload_sheet(
        client, world.event_a_id, buffer.getvalue(), "s.png", content_type="image/png"
    )
    assert response.status_code == 302
    _sheet, [page] = only_sheet(app, world.event_a_id)
    image = open_image((sheets / page.file_name).read_bytes())
    assert image.format == "JPEG" and min(image.getpixel((10, 10))) > 240


def test_a_pdf_becomes_page_images_and_nothing_of_the_pdf_stays(app, english, auth, world, sheets):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_sheet(
        english, world.event_a_id, sheet_pdf(3), "签到表.pdf", content_type="application/pdf"
    )
    assert response.status_code == 302
    assert "Sign-in sheet added (3 pages)." in english.get(response.headers["Location"]).get_data(
        as_text=True
    )
    sheet, pages = only_sheet(app, world.event_a_id)
    assert sheet.sent_as == "pdf" and [p.number for p in pages] == [1, 2, 3]
    names = sorted([p.file_name for p in pages] + [p.file_name[:-4] + ".thumb.jpg" for p in pages])
    assert stored_files(sheets) == names  # only images: no PDF is kept
    for page in pages:
        raw = (sheets / page.file_name).read_bytes()
        assert raw.startswith(b"\xff\xd8") and b"%PDF" not in raw and b"SecretAuthor" not in raw
        image = open_image(raw)
        assert (image.format, image.mode) == ("JPEG", "RGB")
        assert max(image.size) <= sheet_files.PHOTO_LONG_SIDE
        assert (page.width, page.height) == image.size
        assert abs(image.size[0] / image.size[1] - 595 / 842) < 0.01  # A4 upright
        # The blue band drawn at the top of each page, on a white page.
        red, green, blue = image.getpixel((image.size[0] // 2, image.size[1] * 100 // 842))
        assert blue > 150 and red < 80
        assert min(image.getpixel((5, image.size[1] // 2))) > 240
        assert not image.getexif() and "comment" not in image.info


def test_a_huge_pdf_page_is_rendered_within_the_pixel_limit():
    pages = sheet_files.render_pdf(sheet_pdf(1, size=(14400, 14400)))
    assert [(p.width, p.height) for p in pages] == [(2000, 2000)]
    small = sheet_files.render_pdf(sheet_pdf(1, size=(144, 72)))  # 2 × 1 inches
    assert [(p.width, p.height) for p in small] == [(400, 200)]  # at most 200 dpi


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x</script></svg>'
BAD_FILES = [
    (b"name,phone\n" * 20, "sheet.csv", "text/csv", "neither a photo nor a PDF"),
    (SVG, "sheet.svg", "image/svg+xml", "neither a photo nor a PDF"),
    (b"PK\x03\x04" + b"\x00" * 200, "sheet.docx", "application/pdf", "neither a photo nor a PDF"),
    (
        b"%PDF-1.7\nthis is not really a pdf\n%%EOF",
        "x.pdf",
        "application/pdf",
        "The PDF could not be read",
    ),
    (sheet_pdf(3)[:600], "cut.pdf", "application/pdf", "The PDF could not be read"),
    (sheet_pdf(11), "long.pdf", "application/pdf", "The PDF has 11 pages: send at most 10"),
    (sheet_pdf(1, encrypt="pw"), "locked.pdf", "application/pdf", "protected by a password"),
    (blank_png(8000, 6300), "huge.png", "image/png", "too many pixels"),
    (jpeg()[:1500], "cut.jpg", "image/jpeg", "could not be read"),
    (b"", "empty.pdf", "application/pdf", "The file is empty. Choose a photo or a PDF"),
]


@pytest.mark.parametrize(("content", "filename", "content_type", "message"), BAD_FILES)
def test_bad_files_are_refused(
    app, english, auth, world, sheets, content, filename, content_type, message
):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *TABLES)
    response = upload_sheet(english, world.event_a_id, content, filename, content_type=content_type)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, *TABLES) == before
    assert stored_files(sheets) == []


def test_a_file_over_8_mb_is_refused(app, english, auth, world, sheets):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    for extra in (9 * MB, 8 * MB - len(jpeg()) + 1):
        response = upload_sheet(english, world.event_a_id, jpeg() + os.urandom(extra))
        assert response.status_code == 200
        assert "The file is too large: send at most 8 MB." in response.get_data(as_text=True)
    assert stored_files(sheets) == []


def test_the_service_reads_at_most_8_mb(app, world, sheets):
    from outreach_app.event_reports.sign_in import add_sheet

    confirm(app, world.event_a_id)

    class Endless(io.RawIOBase):
        read_total = 0

        def read(self, size=-1):
            size = 1 << 20 if size is None or size < 0 else size
            Endless.read_total += size
            return b"\xff" * size

    with app.test_request_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.get(User, world.admin_id)
        with pytest.raises(ServiceError, match="8 MB"):
            add_sheet(event, admin, sheets, Endless())
    assert Endless.read_total <= 8 * MB + 1


def test_the_21st_sheet_is_refused(app, english, auth, world, sheets):
    confirm(app, world.event_a_id)
    add_sheets(app, world.event_a_id, MAX_SHEETS_PER_EVENT)
    files = stored_files(sheets)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/sign-in").get_data(as_text=True)
    assert 'data-testid="sheet-form"' not in page and "the most sign-in sheets" in page
    response = upload_sheet(english, world.event_a_id, jpeg())
    assert response.status_code == 200
    assert "at most 20 sign-in sheets" in response.get_data(as_text=True)
    assert stored_files(sheets) == files


def test_files_are_removed_when_the_commit_fails(app, client, auth, world, sheets, monkeypatch):
    confirm(app, world.event_a_id)
    auth.login("staff_a")

    def failing_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload_sheet(
        client, world.event_a_id, sheet_pdf(2), "s.pdf", content_type="application/pdf"
    )
    assert response.status_code == 500
    assert stored_files(sheets) == []


# --- serving and removing ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a"])
@pytest.mark.parametrize("suffix", ["", "/thumb"])
def test_pages_are_served_privately_and_never_stored(
    app, client, auth, world, sheets, username, suffix
):
    confirm(app, world.event_a_id)
    [sheet_id] = add_sheets(app, world.event_a_id, pages=2)
    _sheet, pages = only_sheet(app, world.event_a_id)
    auth.login(username)
    response = client.get(f"/events/{world.event_a_id}/sign-in/sheets/{sheet_id}/pages/2{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" not in response.headers
    name = f"event-{world.event_a_id}-sign-in-{sheet_id}-page-2{'-thumb' if suffix else ''}.jpg"
    assert response.headers["Content-Disposition"] == f"inline; filename={name}"
    file_name = pages[1].file_name if not suffix else pages[1].file_name[:-4] + ".thumb.jpg"
    assert response.data == (sheets / file_name).read_bytes()
    page = client.get(f"/events/{world.event_a_id}/sign-in")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="sheet-page"') == 2


def test_a_page_without_its_file_is_404(app, client, auth, world, sheets):
    confirm(app, world.event_a_id)
    [sheet_id] = add_sheets(app, world.event_a_id)
    for path in sheets.iterdir():
        path.unlink()
    auth.login("admin")
    url = f"/events/{world.event_a_id}/sign-in/sheets/{sheet_id}/pages/1"
    assert client.get(url).status_code == 404


def test_remove_a_sheet_after_confirming(app, english, auth, world, sheets):
    confirm(app, world.event_a_id)
    [keep, remove] = add_sheets(app, world.event_a_id, 2, pages=2)
    with app.app_context():
        kept_files = {p.file_name for p in db.session.get(SignInSheet, keep).pages}
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/sign-in/sheets/{remove}/delete"
    page = english.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Remove this sign-in sheet?" in html and "2 pages are deleted for good" in html
    assert stored_files(sheets) and len(stored_files(sheets)) == 8  # nothing removed on GET
    response = english.post(url)
    assert response.status_code == 302
    assert "Sign-in sheet removed." in english.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert {name for name in stored_files(sheets) if not name.endswith(".thumb.jpg")} == kept_files
    with app.app_context():
        assert db.session.get(SignInSheet, remove) is None
        assert db.session.scalar(select(func.count()).select_from(SignInSheetPage)) == 2
    entries = [
        e for e in audit_entries(app, "event", world.event_a_id) if e[0] == "sign_in_sheet.delete"
    ]
    assert [(d["sheet_id"], d["pages"], d["reason"]) for _a, d in entries] == [
        (remove, 2, "removed")
    ]


def test_staff_may_not_remove_sheets_of_a_completed_event(app, client, auth, world, sheets):
    confirm(app, world.event_a_id)
    [sheet_id] = add_sheets(app, world.event_a_id)
    set_status(app, world.event_a_id, EventStatus.COMPLETED)
    files = stored_files(sheets)
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/sign-in/sheets/{sheet_id}/delete"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert stored_files(sheets) == files
    page = client.get(f"/events/{world.event_a_id}/sign-in").get_data(as_text=True)
    assert "sheet-remove" not in page and 'data-testid="sheet-page"' in page


def test_the_event_page_links_to_the_sheets(app, english, auth, world):
    confirm(app, world.event_a_id)
    add_sheets(app, world.event_a_id, 2)
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "2 paper sign-in sheets" in html
    assert f'href="/events/{world.event_a_id}/sign-in"' in html


# --- retention ---------------------------------------------------------------------------------


def _date_event(app, event_id: int, days_ago: int) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        starts = datetime.now() - timedelta(days=days_ago)
        event.starts_at, event.ends_at = starts, starts + timedelta(hours=2)
        db.session.commit()


def test_sheets_are_deleted_after_the_retention_period(app, runner, world, sheets):
    confirm(app, world.event_a_id)
    confirm(app, world.event_b_id)
    old = add_sheets(app, world.event_a_id, 2, pages=2)
    [young] = add_sheets(app, world.event_b_id)
    with app.app_context():
        db.session.add(
            EventPaperAttendance(
                event_id=world.event_a_id, target_group_id=group_ids(app)["seniors"], headcount=14
            )
        )
        db.session.commit()
        young_files = {p.file_name for p in db.session.get(SignInSheet, young).pages}
    _date_event(app, world.event_a_id, 3 * 365 + 1)
    _date_event(app, world.event_b_id, 3 * 365 - 1)

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "2 sign-in sheets to delete (paper counts kept)" in dry.output
    assert len(stored_files(sheets)) == 10

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "2 sign-in sheets deleted (paper counts kept): older than 1095 days" in result.output
    assert {n for n in stored_files(sheets) if not n.endswith(".thumb.jpg")} == young_files
    with app.app_context():
        assert list(db.session.scalars(select(SignInSheet.id))) == [young]
        assert db.session.scalar(select(func.count()).select_from(SignInSheetPage)) == 1
        assert_consistent()
    assert paper_rows(app, world.event_a_id) == {"seniors": 14}
    deleted = [
        e for e in audit_entries(app, "event", world.event_a_id) if e[0] == "sign_in_sheet.delete"
    ]
    assert [(d["sheet_id"], d["pages"], d["reason"]) for _a, d in deleted] == [
        (sheet_id, 2, "retention") for sheet_id in old
    ]
    with app.app_context():
        purge = db.session.execute(
            select(AuditLog.detail).where(AuditLog.action == "data.purge")
        ).scalars()
        assert any('"kind": "sign_in_sheets"' in d and '"count": 2' in d for d in purge)

    app.config["SIGN_IN_SHEET_RETENTION_DAYS"] = 30
    assert "1 sign-in sheets deleted" in runner.invoke(args=["purge"]).output
    assert stored_files(sheets) == []


# --- coverage ----------------------------------------------------------------------------------


def test_sign_in_sheets_are_never_in_exports(app, client, auth, world):
    confirm(app, world.event_a_id)
    add_sheets(app, world.event_a_id)
    auth.login("admin")
    for url in (
        f"/coverage/{world.city_id}/export.csv",
        f"/coverage/{world.city_id}.json",
        "/events/export.csv",
    ):
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert b"sign-in/sheets" not in response.data and b"sign_in_sheet" not in response.data


def _add_paper_counts(app, cw) -> dict[str, int]:
    """Paper counts on district A's completed events of this month: seniors and youth."""
    ids = group_ids(app)
    with app.app_context():
        events = db.session.execute(
            select(Event).where(Event.status == EventStatus.COMPLETED).order_by(Event.id)
        ).scalars()
        event = next(
            e
            for e in events
            if e.region_id == cw.community_a_id and month_of(e.starts_at) == cw.this_month
        )
        event.paper_attendance = [
            EventPaperAttendance(target_group_id=ids["seniors"], headcount=23),
            EventPaperAttendance(target_group_id=ids["youth"], headcount=6),
        ]
        db.session.commit()
        assert_consistent()
    return {"seniors": 23, "youth": 6}


def test_signed_on_paper_is_in_every_output(app, client, auth, cw, tmp_path):
    """The figure is counted from the rows (rollups equal a recount) and shown beside the staff
    count and the QR check-ins: JSON, the page's group table and records, CSV, XLSX, PDF."""
    paper = _add_paper_counts(app, cw)
    first, last = twelve_months(local_today())
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.username == "admin")).one()
        expected = expected_report(admin.id, cw.district_a_id, first, last, local_today(), 6)
    total = expected["total"]
    assert total["signed_on_paper"] == sum(paper.values())
    auth.login("admin")
    url = f"/coverage/{cw.district_a_id}"

    data = client.get(f"{url}.json").get_json()
    assert data["total"]["signed_on_paper"] == 29
    groups = {row["group"]: row["signed_on_paper"] for row in data["by_group"]}
    assert {k: v for k, v in groups.items() if v} == paper
    assert slim_json(data)["by_group"] == expected["by_group"]

    tree = lxml_html.fromstring(client.get(url).data)
    record = tree.xpath("//*[@data-testid='record']//*[@data-figure='signed_on_paper']")[0]
    assert record.text_content().strip().startswith("29")
    row = tree.xpath("//tr[@data-group='seniors']")[0]
    figures_in_row = [n.get("data-figure") for n in row.xpath(".//*[@data-figure]")]
    at = figures_in_row.index("signed_on_paper")
    assert figures_in_row[at - 2 : at] == ["reached", "check_ins"]  # beside the other two
    assert row.xpath(".//*[@data-figure='signed_on_paper']")[0].text_content().strip() == "23"

    with app.test_request_context(), force_locale("zh_CN"):
        label = str(_l("Signed on paper"))
    assert label == "纸质签到"
    text = client.get(f"{url}/export.csv").get_data(as_text=True)
    sections = text.lstrip("\ufeff").split("\r\n\r\n")
    rows = [list(csv.reader(io.StringIO(section))) for section in sections]
    summary = {r[0]: r[1] for r in rows[0][2:] if len(r) > 1}
    assert summary[label] == "29"
    group_header = rows[2][1]
    seniors_name = next(g["name_zh"] for g in data["by_group"] if g["group"] == "seniors")
    seniors = next(r for r in rows[2][2:] if r[0] == seniors_name)
    assert seniors[group_header.index(label)] == "23"
    for index in (1, 4, 5):  # by kind, by month and by region: the figure has a column
        assert label in rows[index][1], index

    book = load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx").data))
    cells = {r[0]: r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert cells[label] == 29
    header = [c.value for c in book.worksheets[2][1]]
    values = {
        r[0]: r[header.index(label)]
        for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)
    }
    assert values[seniors_name] == 23

    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"{url}/export.pdf").data)
    pdf_text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    assert f"29 {label}" in pdf_text
