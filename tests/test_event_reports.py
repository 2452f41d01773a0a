"""The post-event report and event photos: scope, lifecycle, bad input, image handling, serving."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import login_user
from PIL import ExifTags, Image
from sqlalchemy import func, select

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.event_reports import photos, services
from outreach_app.events.models import Event, EventAttendance, EventPhoto, EventStatus
from outreach_app.extensions import db
from outreach_app.reference.models import TargetGroup
from tests.factories import (
    blank_png,
    confirm,
    jpeg,
    jpeg_with_exif,
    make_photo,
    png_header,
    set_status,
)
from tests.helpers import (
    audit_entries,
    group_ids,
    report_form,
    snapshot,
    sql_statements,
    stored,
    stored_files,
    upload_photo,
)

MB = 1024 * 1024
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# What a report is stored in: a refused request leaves all of it as it was.
REPORT_TABLES = (Event, EventAttendance, EventPhoto, AuditLog)


# --- fixtures and helpers --------------------------------------------------------------------


# Every test writes its photos to a temporary upload folder, never the instance folder.
pytestmark = pytest.mark.usefixtures("uploads")


def complete(app, client, auth, world, event_id: int | None = None, **counts) -> None:
    """Confirm and complete an event through the report form as staff_a (event A by default)."""
    event_id = event_id or world.event_a_id
    confirm(app, event_id)
    auth.login("admin")
    response = client.post(f"/events/{event_id}/report", data=report_form(app, **counts))
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()


def photo_count(app, event_id: int) -> int:
    with app.app_context():
        stmt = select(func.count(EventPhoto.id)).where(EventPhoto.event_id == event_id)
        return db.session.execute(stmt).scalar_one()


def add_photos(app, event_id: int, count: int = 1, caption: str = "") -> list[int]:
    with app.app_context():
        event = db.session.get(Event, event_id)
        ids = [
            make_photo(event, app.config["UPLOAD_FOLDER"], caption=caption).id for _ in range(count)
        ]
        db.session.commit()
        return ids


def get_photo(app, photo_id: int) -> EventPhoto | None:
    with app.app_context():
        photo = db.session.get(EventPhoto, photo_id)
        if photo is not None:
            db.session.expunge(photo)
        return photo


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def open_image(path: Path) -> Image.Image:
    """An image read from a file without leaving the file open."""
    return Image.open(io.BytesIO(path.read_bytes()))


# --- images ------------------------------------------------------------------------------------


def png_with_transparency() -> bytes:
    """Left half fully transparent, right half opaque blue."""
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (150, 0, 300, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


# --- anonymous and scope -----------------------------------------------------------------------

ROUTES = [
    ("GET", "/events/{e}/report"),
    ("POST", "/events/{e}/report"),
    ("GET", "/events/{e}/photos"),
    ("POST", "/events/{e}/photos"),
    ("GET", "/events/{e}/photos/{p}"),
    ("GET", "/events/{e}/photos/{p}/thumb"),
    ("GET", "/events/{e}/photos/{p}/delete"),
    ("POST", "/events/{e}/photos/{p}/delete"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_is_sent_to_login(app, client, world, uploads, method, path):
    confirm(app, world.event_a_id)
    [photo_id] = add_photos(app, world.event_a_id)
    before, files = snapshot(app, *REPORT_TABLES), stored_files(uploads)
    url = path.format(e=world.event_a_id, p=photo_id)
    response = client.open(url, method=method, data=report_form(app))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot(app, *REPORT_TABLES) == before
    assert stored_files(uploads) == files


@pytest.mark.parametrize("username", ["staff_b", "head_a", "staff_a"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_out_of_scope_event_is_404(app, client, auth, world, uploads, username, method, path):
    # staff_b may not see event A; head_a and staff_a may not see event B.
    event_id = world.event_a_id if username == "staff_b" else world.event_b_id
    confirm(app, event_id)
    [photo_id] = add_photos(app, event_id, caption="港东村活动照片")
    auth.login(username)  # before the snapshot: logging in writes an audit entry
    before, files = snapshot(app, *REPORT_TABLES), stored_files(uploads)
    url = path.format(e=event_id, p=photo_id)
    if method == "POST" and url.endswith("/photos"):
        response = upload_photo(client, event_id, jpeg())
    else:
        response = client.open(url, method=method, data=report_form(app))
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "港东村活动照片" not in response.get_data(as_text=True)
    assert snapshot(app, *REPORT_TABLES) == before
    assert stored_files(uploads) == files


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a"])
def test_pages_open_for_users_in_scope(app, client, auth, world, username):
    confirm(app, world.event_a_id)
    [photo_id] = add_photos(app, world.event_a_id)
    auth.login(username)
    base = f"/events/{world.event_a_id}"
    for url in ("/report", "/photos", f"/photos/{photo_id}", f"/photos/{photo_id}/thumb"):
        assert client.get(base + url).status_code == 200, url
    assert client.get(f"{base}/photos/{photo_id}/delete").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/events/0/report",
        "/events/99999/report",
        "/events/99999999999999999999999/report",
        "/events/-1/report",
        "/events/abc/photos",
        "/events/{a}/photos/0",
        "/events/{a}/photos/99999",
        "/events/{a}/photos/99999999999999999999999/thumb",
        "/events/{a}/photos/99999999999999999999999/delete",
    ],
)
def test_unknown_ids_are_404(client, auth, world, path):
    auth.login("admin")
    assert client.get(path.format(a=world.event_a_id)).status_code == 404


@pytest.mark.parametrize("suffix", ["", "/thumb", "/delete"])
def test_photo_of_another_event_is_404(app, client, auth, world, suffix):
    """Admin sees both events, but a photo is only found under its own event."""
    confirm(app, world.event_b_id)
    [photo_b] = add_photos(app, world.event_b_id)
    auth.login("admin")
    assert client.get(f"/events/{world.event_a_id}/photos/{photo_b}{suffix}").status_code == 404
    assert client.post(f"/events/{world.event_a_id}/photos/{photo_b}/delete").status_code == 404
    assert get_photo(app, photo_b) is not None


# --- the report --------------------------------------------------------------------------------


def test_form_has_a_number_input_for_every_target_group(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    html = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    with app.app_context():
        groups = db.session.execute(select(TargetGroup).order_by(TargetGroup.sort_order)).scalars()
        names = [(g.id, g.name_en) for g in groups]
    positions = []
    for group_id, name in names:
        assert f'name="attendance_{group_id}"' in html
        assert name in html
        positions.append(html.index(f'name="attendance_{group_id}"'))
    assert positions == sorted(positions)
    # and the quantities of the blank rows of handout material (event A has no print run)
    assert html.count('type="number"') == len(names) + 3
    assert 'max="100000"' in html and 'max="1000000"' in html
    assert "Planned for this event" in html  # event A is for seniors
    assert "Save and complete the event" in html
    assert "novalidate" in html


def test_report_completes_a_confirmed_event(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    data = report_form(
        app,
        seniors=30,
        youth="０",  # full-width digits are read too
        disabled=" 2 ",
        material_0="booklet",
        material_quantity_0="120",
        issues_raised="一位老人反映手机银行转账限额问题，需回访。",
    )
    response = english.post(f"/events/{world.event_a_id}/report", data=data)
    assert response.status_code == 302
    ids = group_ids(app)
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        assert event.status is EventStatus.COMPLETED
        assert event.completed_at is not None
        assert event.report_summary == "讲解了电信诈骗的常见手法。"
        assert event.issues_raised == "一位老人反映手机银行转账限额问题，需回访。"
        stored = {a.target_group_id: a.headcount for a in event.attendance}
    assert stored == {ids["seniors"]: 30, ids["disabled"]: 2}  # zeros are not stored
    actions = audit_entries(app, "event", world.event_a_id)
    assert [a for a, _ in actions][-2:] == ["event.change_status", "event_report.save"]
    detail = actions[-1][1]
    assert detail["attendance_total"] == 32
    assert detail["attendance"] == {"seniors": 30, "disabled": 2}
    assert detail["handed_out"] == 0
    assert detail["handout_ledger"] == [{"material": "booklet", "label": "", "quantity": 120}]
    assert detail["completed"] is True
    assert actions[-2][1]["status"] == "completed"
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Report saved. The event is now completed." in page


def test_planned_event_must_be_confirmed_first(app, english, auth, world):
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    assert "This event is still planned. Confirm it first" in page
    assert 'data-testid="report-form"' not in page
    before = snapshot(app, *REPORT_TABLES)
    response = english.post(f"/events/{world.event_a_id}/report", data=report_form(app))
    assert response.status_code == 302
    assert snapshot(app, *REPORT_TABLES) == before
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirm the event before you fill in its report." in page


def test_cancelled_event_has_no_report(app, english, auth, world):
    set_status(app, world.event_a_id, EventStatus.CANCELLED, reason="暴雨")
    auth.login("head_a")
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    assert "This event was cancelled, so it has no report." in page
    before = snapshot(app, *REPORT_TABLES)
    response = english.post(f"/events/{world.event_a_id}/report", data=report_form(app))
    assert response.status_code == 403
    assert snapshot(app, *REPORT_TABLES) == before


@pytest.mark.parametrize("username", ["admin", "head_a"])
def test_completed_report_is_editable_by_admins_and_heads(app, english, auth, world, username):
    complete(
        app,
        english,
        auth,
        world,
        seniors=30,
        youth=5,
        material_0="gift",
        material_label_0="环保袋",
        material_quantity_0="50",
    )
    auth.login(username)
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    ids = group_ids(app)
    assert 'value="30"' in input_tag(page, f"attendance_{ids['seniors']}")
    assert 'value="5"' in input_tag(page, f"attendance_{ids['youth']}")
    assert 'value="50"' in input_tag(page, "material_quantity_0")
    assert 'value="环保袋"' in input_tag(page, "material_label_0")
    assert 'name="material_quantity_3"' in page  # three blank rows below the stored one
    assert "讲解了电信诈骗的常见手法。" in page
    assert "Save the report" in page
    data = report_form(app, summary="修改后的总结", seniors=0, youth=12, general=8)
    response = english.post(f"/events/{world.event_a_id}/report", data=data)
    assert response.status_code == 302
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        assert event.status is EventStatus.COMPLETED
        assert event.report_summary == "修改后的总结"
        stored = {a.target_group_id: a.headcount for a in event.attendance}
    assert stored == {ids["youth"]: 12, ids["general"]: 8}
    actions = audit_entries(app, "event", world.event_a_id)
    assert actions[-1][0] == "event_report.save"
    assert actions[-1][1]["completed"] is False
    assert actions[-1][1]["attendance_total"] == 20
    assert "Report saved." in english.get(response.headers["Location"]).get_data(as_text=True)


def test_completed_report_is_read_only_for_staff(app, english, auth, world):
    complete(app, english, auth, world, seniors=30)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    assert "Only administrators and regional heads may change its report." in page
    assert 'data-testid="report-form"' not in page
    assert 'data-testid="report-panel"' in page
    assert 'data-testid="edit-report"' not in page
    before = snapshot(app, *REPORT_TABLES)
    response = english.post(
        f"/events/{world.event_a_id}/report", data=report_form(app, summary="员工改的")
    )
    assert response.status_code == 403
    assert snapshot(app, *REPORT_TABLES) == before


BAD_REPORTS = [
    ({"seniors": "-1"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "1e9"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "abc"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "0x10"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "12.5"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "1_000"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "100001"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "99999999999999999999999"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "١٢"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "30", "youth": "' OR 1=1--"}, "Enter a whole number from 0 to 100000."),
    ({"seniors": "0"}, "at least one number above 0"),
    ({"seniors": ""}, "at least one number above 0"),
    ({"seniors": "30", "material_0": "poster", "material_quantity_0": "-5"}, "from 0 to 1000000."),
    ({"seniors": "30", "material_0": "poster", "material_quantity_0": "1000001"}, "0 to 1000000."),
    ({"seniors": "30", "material_0": "poster", "material_quantity_0": "lots"}, "0 to 1000000."),
    ({"seniors": "30", "summary": ""}, "Write a short summary of the event."),
    ({"seniors": "30", "summary": "  \n\t "}, "Write a short summary of the event."),
    ({"seniors": "30", "summary": "长" * 2001}, "Keep the summary to 2000 characters or fewer."),
    ({"seniors": "30", "issues_raised": "x" * 2001}, "Keep the problems to 2000 characters"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_REPORTS)
def test_bad_input_is_refused_and_changes_nothing(app, english, auth, world, fields, message):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *REPORT_TABLES)
    response = english.post(f"/events/{world.event_a_id}/report", data=report_form(app, **fields))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Please correct the marked fields. Nothing was saved." in html
    assert snapshot(app, *REPORT_TABLES) == before


def test_a_500_character_summary_is_fine(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = client.post(
        f"/events/{world.event_a_id}/report", data=report_form(app, summary="好" * 500)
    )
    assert response.status_code == 302


def test_unknown_target_group_is_refused_by_the_service(app, world):
    confirm(app, world.event_a_id)
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        details = services.ReportDetails(attendance={999999: 5}, summary="x")
        with pytest.raises(ServiceError):
            services.save_report(event, admin, details)
        db.session.rollback()
    assert stored(app, Event, world.event_a_id).status is EventStatus.CONFIRMED


def test_report_text_is_escaped(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("head_a")
    data = report_form(app, summary=XSS, issues_raised=XSS)
    assert client.post(f"/events/{world.event_a_id}/report", data=data).status_code == 302
    auth.logout()
    auth.login("staff_a")  # staff read the completed report through the panel
    html = client.get(f"/events/{world.event_a_id}/report").get_data(as_text=True)
    assert XSS not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == 2


def test_invisible_characters_are_removed_from_the_texts(app, client, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    data = report_form(app, summary="讲座\u202e顺利完成\u200b", issues_raised="\r\n无\r\n")
    assert client.post(f"/events/{world.event_a_id}/report", data=data).status_code == 302
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        assert event.report_summary == "讲座顺利完成"
        assert event.issues_raised == "无"


# --- the panel ---------------------------------------------------------------------------------


def render_panel(app, event_id: int, username: str) -> tuple[str, int]:
    """The panel as the event page includes it, and how many queries rendering it took."""
    with app.test_request_context("/?lang=en"):
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        login_user(user)
        event = db.session.get(Event, event_id)
        _ = user.role, event.status
        with sql_statements(app) as statements:
            html = render_template_string(
                '{% include "event_reports/_panel.html" ignore missing %}', event=event
            )
    return html, len(statements)


def test_panel_shows_the_report_in_four_queries(app, client, auth, world):
    complete(
        app,
        client,
        auth,
        world,
        seniors=30,
        youth=4,
        material_0="booklet",
        material_quantity_0="77",
    )
    add_photos(app, world.event_a_id, 3, caption="现场")
    html, queries = render_panel(app, world.event_a_id, "head_a")
    assert queries <= 4
    assert html.count('data-testid="attendance-row"') == 2
    assert 'data-testid="attendance-total">34<' in html
    assert 'data-testid="ledger-quantity">77<' in html
    assert html.count('data-testid="photo"') == 3
    assert 'data-testid="edit-report"' in html
    assert 'data-testid="add-photos"' in html
    # An empty paper and QR check-in cell per group and in the totals.
    assert html.count("—</span>") == 6
    add_photos(app, world.event_a_id, 5)
    more_html, more_queries = render_panel(app, world.event_a_id, "head_a")
    assert more_queries == queries
    assert more_html.count('data-testid="photo"') == 8


def test_panel_offers_what_the_user_may_do(app, client, auth, world):
    html, _ = render_panel(app, world.event_a_id, "staff_a")
    assert "The report is filled in once the event is confirmed" in html
    assert 'data-testid="fill-report"' not in html
    assert 'data-testid="add-photos"' not in html
    confirm(app, world.event_a_id)
    html, _ = render_panel(app, world.event_a_id, "staff_a")
    assert 'data-testid="fill-report"' in html
    assert 'data-testid="add-photos"' in html
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        staff = db.session.execute(select(User).where(User.username == "staff_a")).scalar_one()
        services.save_report(
            event, staff, services.ReportDetails({group_ids(app)["seniors"]: 3}, "好")
        )
        db.session.commit()
    html, _ = render_panel(app, world.event_a_id, "staff_a")
    assert 'data-testid="attendance-table"' in html
    assert 'data-testid="edit-report"' not in html
    assert 'data-testid="add-photos"' not in html


# --- photo uploads -----------------------------------------------------------------------------


def only_photo(app, event_id: int) -> EventPhoto:
    with app.app_context():
        photo = db.session.execute(
            select(EventPhoto).where(EventPhoto.event_id == event_id)
        ).scalar_one()
        db.session.expunge(photo)
        return photo


def test_upload_a_jpeg(app, english, auth, world, uploads):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_photo(
        english, world.event_a_id, jpeg((3000, 1500)), filename="../../etc/x.jpg"
    )
    assert response.status_code == 302
    photo = only_photo(app, world.event_a_id)
    assert (photo.width, photo.height) == (2000, 1000)
    assert photo.file_name.endswith(".jpg") and "etc" not in photo.file_name
    assert len(photo.file_name) == 36
    assert stored_files(uploads) == sorted([photo.file_name, photo.file_name[:-4] + ".thumb.jpg"])
    full = open_image(uploads / photo.file_name)
    assert (full.format, full.mode, full.size) == ("JPEG", "RGB", (2000, 1000))
    assert photo.byte_size == (uploads / photo.file_name).stat().st_size
    thumb = open_image(uploads / (photo.file_name[:-4] + ".thumb.jpg"))
    assert thumb.format == "JPEG" and max(thumb.size) == 400
    assert audit_entries(app, "event", world.event_a_id)[-1][0] == "event_photo.add"
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Photo added." in page
    assert 'data-testid="photo"' in page


def test_png_with_transparency_becomes_a_jpeg_on_white(app, client, auth, world, uploads):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_photo(client, world.event_a_id, png_with_transparency(), "a.png", "image/png")
    assert response.status_code == 302
    photo = only_photo(app, world.event_a_id)
    image = open_image(uploads / photo.file_name)
    assert image.format == "JPEG" and image.mode == "RGB"
    left, right = image.getpixel((20, 100)), image.getpixel((280, 100))
    assert min(left) > 240  # the transparent half is white
    assert right[2] > 200 and right[0] < 40


def test_exif_orientation_is_applied_and_metadata_dropped(app, client, auth, world, uploads):
    source = jpeg_with_exif()
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry GPS
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    assert upload_photo(client, world.event_a_id, source).status_code == 302
    photo = only_photo(app, world.event_a_id)
    assert (photo.width, photo.height) == (200, 300)  # turned upright
    for name in (photo.file_name, photo.file_name[:-4] + ".thumb.jpg"):
        raw = (uploads / name).read_bytes()
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
        for secret in (b"SecretCam", b"secret-comment", b"secret-xmp", b"Exif", b"GPS"):
            assert secret not in raw
    image = open_image(uploads / photo.file_name)
    top, bottom = image.getpixel((100, 30)), image.getpixel((100, 270))
    assert top[0] > 200 and top[2] < 60  # the red left half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def transparent_gif() -> bytes:
    image = Image.new("P", (60, 40), 0)
    image.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    image.paste(1, (30, 0, 60, 40))
    return image_bytes(image, "GIF", transparency=0)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (50, 50), color) for color in ((255, 0, 0), (0, 0, 255))]
    return image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])


@pytest.mark.parametrize(
    ("content", "size"),
    [
        (image_bytes(Image.new("I;16", (120, 80), 40000), "PNG"), (120, 80)),
        (image_bytes(Image.new("LA", (120, 80), (90, 128)), "PNG"), (120, 80)),
        (image_bytes(Image.new("L", (120, 80), 90), "PNG"), (120, 80)),
        (image_bytes(Image.new("1", (120, 80), 1), "PNG"), (120, 80)),
        (image_bytes(Image.new("CMYK", (120, 80), (0, 255, 255, 0)), "JPEG"), (120, 80)),
        (image_bytes(Image.new("RGB", (120, 80), (0, 200, 0)), "WEBP"), (120, 80)),
        (transparent_gif(), (60, 40)),
        (animated_gif(), (50, 50)),
        (jpeg((4000, 3000)), (2000, 1500)),
        (jpeg((900, 12000)), (150, 2000)),
    ],
)
def test_every_kind_of_image_becomes_an_rgb_jpeg(content, size):
    processed = photos.process_photo(content)
    assert (processed.width, processed.height) == size
    for data in (processed.jpeg, processed.thumb):
        image = Image.open(io.BytesIO(data))
        assert (image.format, image.mode) == ("JPEG", "RGB")
        assert not {"exif", "icc_profile", "comment", "transparency"} & set(image.info)
    assert max(Image.open(io.BytesIO(processed.thumb)).size) == min(400, max(size))


def test_greys_and_transparency_keep_their_look():
    grey16 = photos.process_photo(image_bytes(Image.new("I;16", (40, 40), 40000), "PNG"))
    assert 145 < Image.open(io.BytesIO(grey16.jpeg)).getpixel((5, 5))[0] < 165
    gif = Image.open(io.BytesIO(photos.process_photo(transparent_gif()).jpeg))
    assert min(gif.getpixel((5, 20))) > 240  # transparent: white
    assert gif.getpixel((50, 20))[1] > 100  # green


BAD_FILES = [
    (b"this is not a picture\n" * 10, "photo.jpg", "image/jpeg", "This file is not a photo."),
    (jpeg()[:1500], "cut.jpg", "image/jpeg", "The photo could not be read"),
    (SVG, "photo.svg", "image/svg+xml", "This file is not a photo."),
    (SVG, "photo.jpg", "image/jpeg", "This file is not a photo."),
    (png_header(30000, 30000), "bomb.png", "image/png", "too many pixels"),
    (png_header(10000, 10000), "big.png", "image/png", "too many pixels"),
    (png_header(13000, 10), "wide.png", "image/png", "at most 12000 × 12000 pixels"),
    (png_header(100, 100), "short.png", "image/png", "The photo could not be read"),
    (b"GIF89a" + b"\x00" * 40, "x.gif", "image/gif", "This file is not a photo."),
    (b"", "empty.jpg", "image/jpeg", "The file is empty."),
]


@pytest.mark.parametrize(("content", "filename", "content_type", "message"), BAD_FILES)
def test_bad_files_are_refused(
    app, english, auth, world, uploads, content, filename, content_type, message
):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    before = snapshot(app, *REPORT_TABLES)
    response = upload_photo(english, world.event_a_id, content, filename, content_type=content_type)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, *REPORT_TABLES) == before
    assert stored_files(uploads) == []


def test_a_real_image_over_50_megapixels_is_refused_before_it_is_decoded(
    app, client, english, auth, world, uploads
):
    content = blank_png(8000, 6300)  # 50.4 megapixels in about 7 KB
    assert len(content) < 20_000
    assert Image.open(io.BytesIO(content)).size == (8000, 6300)
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_photo(
        english, world.event_a_id, content, "huge.png", content_type="image/png"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The photo has too many pixels: at most 50 megapixels, for example 8000 × 6000." in html
    client.set_cookie("outreach_lang", "zh_CN")
    response = upload_photo(client, world.event_a_id, content, "huge.png", content_type="image/png")
    assert "照片像素过多：最多 50 百万像素（例如 8000 × 6000）。" in response.get_data(as_text=True)
    assert photo_count(app, world.event_a_id) == 0
    assert stored_files(uploads) == []


def test_the_pixel_cap_is_checked_before_decoding(monkeypatch):
    def no_decoding(self):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(ServiceError, match="too many pixels"):
        photos.process_photo(blank_png(7072, 7071))  # 50,006,112 pixels


def test_a_real_image_just_under_50_megapixels_is_a_photo():
    processed = photos.process_photo(blank_png(7071, 7071))  # 49,999,041 pixels
    assert (processed.width, processed.height) == (2000, 2000)
    assert Image.open(io.BytesIO(processed.jpeg)).getpixel((1000, 1000)) == (0, 0, 0)


def test_a_9_mb_file_is_refused(app, english, auth, world, uploads):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    content = jpeg() + os.urandom(9 * MB)
    response = upload_photo(english, world.event_a_id, content)
    assert response.status_code == 200
    assert "The photo is too large: send at most 8 MB." in response.get_data(as_text=True)
    assert photo_count(app, world.event_a_id) == 0
    assert stored_files(uploads) == []


def test_a_file_just_over_8_mb_is_refused_by_its_size(app, english, auth, world, uploads):
    """Small enough that the request's length passes; the file's own size is checked too."""
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    image = jpeg()
    content = image + b"\x00" * (8 * MB + 1 - len(image))
    response = upload_photo(english, world.event_a_id, content)
    assert "The photo is too large: send at most 8 MB." in response.get_data(as_text=True)
    assert stored_files(uploads) == []


def test_the_service_reads_at_most_8_mb(app, world, uploads):
    confirm(app, world.event_a_id)
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        stream = io.BytesIO(jpeg() + b"\x00" * (8 * MB))
        with pytest.raises(ServiceError, match="at most 8 MB"):
            services.add_photo(event, admin, uploads, stream)
        db.session.rollback()
    assert stored_files(uploads) == []


def test_a_body_over_16_mb_is_refused(app, client, auth, world, uploads):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    response = upload_photo(client, world.event_a_id, b"\xff" * (17 * MB))
    assert response.status_code == 413
    assert stored_files(uploads) == []


def test_the_21st_photo_is_refused(app, english, auth, world, uploads):
    confirm(app, world.event_a_id)
    add_photos(app, world.event_a_id, 20)
    auth.login("staff_a")
    page = english.get(f"/events/{world.event_a_id}/photos").get_data(as_text=True)
    assert "This event has the most photos it can have (20)." in page
    assert 'data-testid="photo-form"' not in page
    response = upload_photo(english, world.event_a_id, jpeg())
    assert response.status_code == 200
    assert "An event can have at most 20 photos." in response.get_data(as_text=True)
    assert photo_count(app, world.event_a_id) == 20
    assert len(stored_files(uploads)) == 40


def test_caption_is_kept_escaped_and_limited(app, english, auth, world):
    confirm(app, world.event_a_id)
    auth.login("staff_a")
    no_file = english.post(f"/events/{world.event_a_id}/photos", data={"caption": "x"})
    assert "Choose a photo to upload." in no_file.get_data(as_text=True)
    long_caption = upload_photo(english, world.event_a_id, jpeg(), caption="长" * 201)
    assert "Keep the caption to 200 characters or fewer." in long_caption.get_data(as_text=True)
    long_caption = upload_photo(english, world.event_a_id, jpeg(), caption="x" * 500)
    assert "Keep the caption to 200 characters or fewer." in long_caption.get_data(as_text=True)
    assert photo_count(app, world.event_a_id) == 0
    assert upload_photo(english, world.event_a_id, jpeg(), caption=XSS).status_code == 302
    assert only_photo(app, world.event_a_id).caption == XSS
    html = english.get(f"/events/{world.event_a_id}/photos").get_data(as_text=True)
    assert XSS not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("status", "username", "allowed"),
    [
        ("planned", "staff_a", False),
        ("planned", "admin", False),
        ("confirmed", "staff_a", True),
        ("completed", "staff_a", False),
        ("completed", "head_a", True),
        ("completed", "admin", True),
        ("cancelled", "admin", False),
    ],
)
def test_who_may_upload_when(app, client, auth, world, uploads, status, username, allowed):
    if status == "confirmed":
        confirm(app, world.event_a_id)
    elif status == "completed":
        complete(app, client, auth, world)
    elif status == "cancelled":
        set_status(app, world.event_a_id, EventStatus.CANCELLED, reason="取消")
    auth.login(username)
    response = upload_photo(client, world.event_a_id, jpeg())
    assert response.status_code == (302 if allowed else 403)
    assert photo_count(app, world.event_a_id) == (1 if allowed else 0)
    assert len(stored_files(uploads)) == (2 if allowed else 0)
    page = client.get(f"/events/{world.event_a_id}/photos").get_data(as_text=True)
    assert ('data-testid="photo-form"' in page) is allowed


def test_files_are_removed_when_the_commit_fails(app, client, auth, world, uploads, monkeypatch):
    confirm(app, world.event_a_id)
    auth.login("staff_a")

    def fail():
        raise RuntimeError("database gone")

    with app.app_context():
        monkeypatch.setattr(db.session, "commit", fail)
        with pytest.raises(RuntimeError):
            upload_photo(client, world.event_a_id, jpeg())
    monkeypatch.undo()
    assert stored_files(uploads) == []
    assert photo_count(app, world.event_a_id) == 0


def test_files_are_removed_when_the_flush_fails(app, client, auth, world, uploads, monkeypatch):
    confirm(app, world.event_a_id)
    auth.login("staff_a")

    def fail(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record", fail)
    with pytest.raises(RuntimeError):
        upload_photo(client, world.event_a_id, jpeg())
    assert stored_files(uploads) == []
    assert photo_count(app, world.event_a_id) == 0


# --- serving and removing photos ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/thumb"])
def test_photos_are_served_privately(app, client, auth, world, uploads, suffix):
    confirm(app, world.event_a_id)
    [photo_id] = add_photos(app, world.event_a_id)
    photo = get_photo(app, photo_id)
    auth.login("staff_a")
    response = client.get(f"/events/{world.event_a_id}/photos/{photo_id}{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    name = f"event-{world.event_a_id}-photo-{photo_id}{'-thumb' if suffix else ''}.jpg"
    assert response.headers["Content-Disposition"] == f"inline; filename={name}"
    file_name = photo.file_name if not suffix else photo.file_name[:-4] + ".thumb.jpg"
    assert response.data == (uploads / file_name).read_bytes()
    assert photo.file_name not in response.headers.get("Content-Disposition", "")
    etag = response.headers["ETag"]
    again = client.get(
        f"/events/{world.event_a_id}/photos/{photo_id}{suffix}",
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_a_photo_without_its_file_is_404(app, client, auth, world, uploads):
    confirm(app, world.event_a_id)
    [photo_id] = add_photos(app, world.event_a_id)
    for path in uploads.iterdir():
        path.unlink()
    auth.login("admin")
    assert client.get(f"/events/{world.event_a_id}/photos/{photo_id}").status_code == 404


def test_remove_a_photo(app, english, auth, world, uploads):
    confirm(app, world.event_a_id)
    [keep, remove] = add_photos(app, world.event_a_id, 2, caption="合影")
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/photos/{remove}/delete"
    page = english.get(url)
    assert page.status_code == 200
    assert "Remove this photo?" in page.get_data(as_text=True)
    assert get_photo(app, remove) is not None  # GET changes nothing
    assert len(stored_files(uploads)) == 4
    response = english.post(url)
    assert response.status_code == 302
    assert get_photo(app, remove) is None
    kept = get_photo(app, keep)
    assert stored_files(uploads) == sorted([kept.file_name, kept.file_name[:-4] + ".thumb.jpg"])
    assert audit_entries(app, "event", world.event_a_id)[-1] == (
        "event_photo.delete",
        {"caption": "合影", "photo_id": remove},
    )
    assert "Photo removed." in english.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_may_not_remove_photos_of_a_completed_event(app, client, auth, world, uploads):
    complete(app, client, auth, world)
    [photo_id] = add_photos(app, world.event_a_id)
    auth.login("staff_a")
    url = f"/events/{world.event_a_id}/photos/{photo_id}/delete"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert get_photo(app, photo_id) is not None
    assert len(stored_files(uploads)) == 2
    page = client.get(f"/events/{world.event_a_id}/photos").get_data(as_text=True)
    assert "/delete" not in page
    auth.logout()
    auth.login("head_a")
    assert client.post(url).status_code == 302
    assert stored_files(uploads) == []


def test_the_free_text_of_problems_shows_only_where_a_report_has_it(app, client, auth, world):
    """Problems are recorded one by one; the old free-text field is offered only to read, move
    and clear what an older report holds."""
    confirm(app, world.event_a_id)
    auth.login("head_a")
    url = f"/events/{world.event_a_id}/report"
    assert 'name="issues_raised"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data=report_form(app)).status_code == 302  # completed
    assert 'name="issues_raised"' not in client.get(url).get_data(as_text=True)
    with app.app_context():
        db.session.get(Event, world.event_a_id).issues_raised = "一位老人反映转账限额问题"
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert 'name="issues_raised"' in html and "一位老人反映转账限额问题" in html
    assert client.post(url, data=report_form(app)).status_code == 302  # cleared on saving
    assert stored(app, Event, world.event_a_id).issues_raised == ""
    assert 'data-testid="issues-raised"' not in client.get(f"/events/{world.event_a_id}").get_data(
        as_text=True
    )
