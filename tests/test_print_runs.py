"""Print runs end to end: real runs in the database, real PDFs, codes read back by a decoder.

Every rendered page goes through poppler (pdftoppm, pdftotext, pdffonts) and zxing-cpp, so
these tests check what a printer would print and a phone would scan, not what the code meant.
"""

from __future__ import annotations

import random
import re
import shutil
import string
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts import fonts as handout_fonts
from outreach_app.handouts import services
from outreach_app.handouts.content import HANDOUTS
from outreach_app.handouts.layout import LAYOUT_SPECS, body_size_for
from outreach_app.handouts.models import HandoutVersion, PrintRun
from outreach_app.handouts.qr import QUIET_ZONE_MODULES
from outreach_app.handouts.tokens import format_for_print, make_token
from tests.factories import World, make_print_run
from tests.helpers import count

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils not installed",
)

BASE_URL = "https://fanzha.qr-test.example"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "handouts"
DPI = 150
MM_PER_INCH = 25.4
MIN_QR_MM = 25
# Copies per layout: enough for a second sheet (and a half-filled one for A5).
COPIES = {"a4": 3, "a5x2": 3, "large": 2}
TITLES = {"zh_CN": "守好养老钱，谨防养老诈骗", "en": "Protect your retirement savings from scams"}


# Helpers -----------------------------------------------------------------------------------------


def _poppler(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _page_text(pdf: Path, page: int) -> str:
    """pdftotext of one page (1-based)."""
    return _poppler("pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-")


def _flat(text: str) -> str:
    """Text without whitespace: line wrapping may split a string anywhere."""
    return "".join(text.split())


def _rasterize(pdf: Path, page: int, out: Path) -> Path:
    """Render one page to PNG at 150 dpi."""
    prefix = out / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-f", str(page), "-l", str(page), "-singlefile"]
        + [str(pdf), str(prefix)],
        check=True,
        capture_output=True,
    )
    return prefix.with_suffix(".png")


def _qr_codes(png: Path) -> list[zxingcpp.Result]:
    """Every QR code on a page image, left to right."""
    with Image.open(png) as image:
        results = zxingcpp.read_barcodes(image.convert("L"))
    codes = [r for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    return sorted(codes, key=lambda r: r.position.top_left.x)


def _printed_mm_with_quiet_zone(png: Path, code: zxingcpp.Result) -> float:
    """The code's printed width including its quiet zone, in mm, after checking the quiet zone
    is blank in the image."""
    p = code.position
    left, right = min(p.top_left.x, p.bottom_left.x), max(p.top_right.x, p.bottom_right.x)
    top, bottom = min(p.top_left.y, p.top_right.y), max(p.bottom_left.y, p.bottom_right.y)
    modules = 17 + 4 * int(code.extra["Version"])
    module_px = (right - left) / modules
    quiet = QUIET_ZONE_MODULES * module_px
    with Image.open(png) as image:
        gray = image.convert("L")
        # A ring around the symbol, one module wide, just inside the quiet zone's outer edge.
        for box in (
            (left - quiet, top - quiet, right + quiet, top - quiet + module_px),
            (left - quiet, bottom + quiet - module_px, right + quiet, bottom + quiet),
            (left - quiet, top - quiet, left - quiet + module_px, bottom + quiet),
            (right + quiet - module_px, top - quiet, right + quiet, bottom + quiet),
        ):
            crop = gray.crop(tuple(round(v) for v in box))
            assert crop.getextrema()[0] > 200, f"ink in the quiet zone near {box}"
    return (right - left + 2 * quiet) / DPI * MM_PER_INCH


def _fonts(pdf: Path) -> list[list[str]]:
    """pdffonts rows, split into columns."""
    return [line.split() for line in _poppler("pdffonts", str(pdf)).splitlines()[2:]]


def _page_count(pdf: Path) -> int:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


def _write(run: PrintRun, path: Path) -> int:
    with path.open("wb") as stream:
        return services.write_print_run(run, stream)


@pytest.fixture
def public_app(app: Flask) -> Flask:
    """``app`` with a distinctive public base URL, so the codes can only have come from it."""
    app.config["PUBLIC_BASE_URL"] = BASE_URL
    return app


# Rendering, decoding and resolving ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("layout", ["a4", "a5x2", "large"])
def test_every_code_decodes_to_its_own_copy(
    public_app: Flask, world: World, layout: str, language: str, tmp_path: Path
) -> None:
    spec = LAYOUT_SPECS[layout]
    copies = COPIES[layout]
    # A request from another host is active while printing: the codes must not notice it.
    with public_app.test_request_context("/", base_url="http://evil.example"):
        event = db.session.get(Event, world.event_a_id)
        staff = db.session.get(User, world.staff_a_id)
        run = make_print_run(event, "pension-scams", language, copies, layout, user=staff)
        db.session.commit()
        pdf = tmp_path / "run.pdf"
        pages = _write(run, pdf)
        sheets = -(-copies // spec.copies_per_page)
        assert pages == _page_count(pdf) == sheets * spec.pages_per_copy

        expected_serials = list(range(1, copies + 1))
        seen_serials: list[int] = []
        for page in range(1, pages + 1):
            is_front = (page - 1) % spec.pages_per_copy == 0
            text = _page_text(pdf, page)
            flat = _flat(text)
            if not is_front:
                # The back of a large-print copy: the tips, its serial and no code.
                assert "不要" in flat or "Do" in flat
                continue
            png = _rasterize(pdf, page, tmp_path)
            if page == 1:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shutil.copy(png, ARTIFACTS / f"run-{layout}-{language}-page1.png")
            codes = _qr_codes(png)
            sheet = (page - 1) // spec.pages_per_copy
            serials_here = expected_serials[
                sheet * spec.copies_per_page : (sheet + 1) * spec.copies_per_page
            ]
            assert len(codes) == len(serials_here), f"page {page}"
            for code, serial in zip(codes, serials_here, strict=True):
                token = services.copy_token(run, serial)
                url = services.copy_url(token)
                assert url == f"{BASE_URL}/s/{token}"
                assert "evil" not in code.text.lower()
                # The code holds the URL in capitals (QR alphanumeric mode): same URL.
                assert code.text == url.upper()
                assert code.ec_level in ("M", "Q", "H")
                scanned = code.text.rsplit("/", 1)[1]
                for typed in (scanned, scanned.lower(), format_for_print(scanned)):
                    ref = services.resolve_copy(typed)
                    assert ref is not None and ref.run.id == run.id and ref.serial == serial
                    assert not ref.withdrawn
                # The token printed under the code, readable and in groups of six.
                assert format_for_print(token) in text
                assert _printed_mm_with_quiet_zone(png, code) >= MIN_QR_MM
                seen_serials.append(serial)
            # The page says who, where and when.
            assert _flat(TITLES[language]) in flat
            for value in ("示范银行", "市南支行", "湛山社区防诈讲座", "湛山社区居委会"):
                assert value in flat, value
            assert run.page["event_date"] in flat
            assert ("印制：张宣教" if language == "zh_CN" else "Printedfor张宣教") in flat
            assert run.page["printed_on"] in flat
        assert seen_serials == expected_serials

        fonts = _fonts(pdf)
        assert fonts and any("WenQuanYi" in row[0] for row in fonts)
        for row in fonts:
            assert row[-5] == "yes", row  # emb

        again = tmp_path / "again.pdf"
        assert _write(run, again) == pages
        assert again.read_bytes() == pdf.read_bytes()


def test_scanned_url_opens_the_copy_page(
    public_app: Flask, world: World, client, tmp_path: Path
) -> None:
    with public_app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, "pension-scams", "zh_CN", 1, "a4")
        db.session.commit()
        pdf = tmp_path / "one.pdf"
        _write(run, pdf)
    (code,) = _qr_codes(_rasterize(pdf, 1, tmp_path))
    # A phone opens the URL exactly as decoded: capitals, /S/ and all.
    scanned = urlsplit(code.text)
    assert f"{scanned.scheme}://{scanned.netloc}".lower() == BASE_URL
    response = client.get(scanned.path)
    assert response.status_code == 200
    assert "守好养老钱" in response.get_data(as_text=True)


def test_qr_geometry_meets_the_minimum(app: Flask) -> None:
    for spec in LAYOUT_SPECS.values():
        assert spec.qr_size / 72 * MM_PER_INCH >= MIN_QR_MM, spec.name
        # The code sits inside the copy, clear of the margins.
        assert spec.qr_size + 2 * spec.margin < spec.copy_size[0]
    a5 = LAYOUT_SPECS["a5x2"]
    assert a5.copies_per_page == 2 and a5.copy_size[0] * 2 == pytest.approx(a5.page_size[0])


def test_a5_sheets_have_cut_marks(public_app: Flask, world: World, tmp_path: Path) -> None:
    with public_app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, "pension-scams", "zh_CN", 2, "a5x2")
        db.session.commit()
        pdf = tmp_path / "a5.pdf"
        _write(run, pdf)
    png = _rasterize(pdf, 1, tmp_path)
    with Image.open(png) as image:
        gray = image.convert("L")
        middle = gray.width // 2
        # Solid marks at the top and bottom edges of the fold line, nothing else near it there.
        top = [gray.getpixel((x, 10)) for x in range(middle - 3, middle + 4)]
        bottom = [gray.getpixel((x, gray.height - 10)) for x in range(middle - 3, middle + 4)]
    assert min(top) < 160 and min(bottom) < 160


# Large print ------------------------------------------------------------------------------------


def test_large_print_body_is_at_least_18_pt(public_app: Flask, world: World, tmp_path: Path):
    spec = LAYOUT_SPECS["large"]
    assert spec.body_size >= 18 and spec.leading >= 1.3
    with public_app.app_context():
        event = db.session.get(Event, world.event_a_id)
        staff = db.session.get(User, world.staff_a_id)
        # Every shipped handout fits its large-print pages without shrinking below 18 pt.
        for text in HANDOUTS:
            handout = services.handout_by_code(text.code, text.language)
            page, _ = services.preview_page(staff, event, handout)
            assert body_size_for(page, "large") >= 18, (text.code, text.language)
        run = make_print_run(event, "fake-investment", "zh_CN", 1, "large")
        db.session.commit()
        pdf = tmp_path / "large.pdf"
        _write(run, pdf)
    # Measure the tips on the back page: word boxes of body text are >= 18 pt tall, and lines
    # of one tip are >= 1.3 times the type size apart.
    xhtml = _poppler("pdftotext", "-bbox", "-f", "2", "-l", "2", str(pdf), "-")
    boxes = [
        (float(y0), float(y1), word)
        for y0, y1, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
            xhtml,
        )
    ]
    # Between the slim band at the top and the serial line at the bottom (y grows downwards).
    text_top = spec.margin + spec.header_height
    text_bottom = spec.page_size[1] - spec.margin - spec.small_size * 2
    body = [
        (y0, y1)
        for y0, y1, word in boxes
        if text_top < y0 and y1 < text_bottom and re.search(r"[\u4e00-\u9fff]", word)
    ]
    body = [(y0, y1) for y0, y1 in body if y1 - y0 < 25]  # not the heading
    assert len(body) >= 8
    assert min(y1 - y0 for y0, y1 in body) >= 18
    tops = sorted({round(y0, 1) for y0, _ in body})
    size = min(y1 - y0 for y0, y1 in body)
    assert min(b - a for a, b in zip(tops, tops[1:], strict=False)) >= 1.3 * size * 0.99


# Hostile text -----------------------------------------------------------------------------------

HOSTILE_TITLE = '警惕<font color="[[[...]]]">注入 & 𠮷 🙂'
HOSTILE_LEAD = "看 <img src=/etc/passwd> 链接 &amp; 裸 & 号 \u202eevil\u202c 完"
HOSTILE_TIPS = [
    "<b><i>未闭合的标签",
    "</para>多余的结束标签 </font>",
    "Tom & Jerry &amp; <br/> &#x41;",
    "罕见字 𠮷 与表情 🙂 😀",
    '<a href="javascript:alert(1)">点我</a>',
]
HOSTILE_NEVER = "<font size=200>密码</font> 验证码 转账"


def _as_printed(text: str) -> list[str]:
    """The pieces of ``text`` pdftotext finds in the PDF: format characters dropped, split at
    characters outside the main font (reportlab writes their ToUnicode entries in one 16-bit
    unit, so pdftotext garbles the astral ones; pdffonts shows their fonts embedded)."""
    pieces = [""]
    for ch in handout_fonts.clean_text(text):
        font = handout_fonts.font_for(ord(ch))
        assert font is not None, f"no font has {ch!r}"
        if font == handout_fonts.FONT_NAME or ch.isspace():
            pieces[-1] += ch
        else:
            pieces.append("")
    return [_flat(piece) for piece in pieces if _flat(piece)]


@pytest.mark.parametrize("layout", ["a4", "large"])
def test_hostile_version_prints_literally(
    public_app: Flask, world: World, layout: str, tmp_path: Path
) -> None:
    with public_app.app_context():
        handout = services.handout_by_code("pension-scams", "zh_CN")
        current = services.current_version(handout)
        db.session.add(
            HandoutVersion(
                handout_id=handout.id,
                number=current.number + 1,
                title=HOSTILE_TITLE,
                lead=HOSTILE_LEAD,
                tips=HOSTILE_TIPS,
                never_ask=HOSTILE_NEVER,
            )
        )
        db.session.commit()
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, "pension-scams", "zh_CN", 1, layout)
        db.session.commit()
        assert run.version.title == HOSTILE_TITLE
        pdf = tmp_path / "hostile.pdf"
        pages = _write(run, pdf)
        text = _poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
        flat = _flat(text)
        for value in [HOSTILE_TITLE, HOSTILE_LEAD, *HOSTILE_TIPS, HOSTILE_NEVER]:
            assert all(piece in flat for piece in _as_printed(value)), value
        assert "\u202e" not in text
        assert '<font color="[[[...]]]">' in text  # not one character lost to markup
        assert "<img src=/etc/passwd>" in text
        assert "&amp;" in text and " & " in text
        assert handout_fonts.REPLACEMENT_CHAR not in text  # 𠮷 and 🙂 too have their glyphs
        fonts = _fonts(pdf)
        assert any("DejaVu" in row[0] for row in fonts)  # 😀 from the fallback font
        assert any("Symbola" in row[0] for row in fonts)  # 🙂
        assert any("HanaMinA" in row[0] for row in fonts)  # 𠮷
        assert all(row[-5] == "yes" for row in fonts)
        png = _rasterize(pdf, 1, tmp_path)
        (code,) = _qr_codes(png)
        ref = services.resolve_copy(code.text.rsplit("/", 1)[1])
        assert ref is not None and ref.run.id == run.id and ref.serial == 1
        assert pages == LAYOUT_SPECS[layout].pages_per_copy


# Refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("copies", "layout", "field"),
    [
        (0, "a4", "copies"),
        (5001, "a4", "copies"),
        (-3, "a4", "copies"),
        ("abc", "a4", "copies"),
        ("0x10", "a4", "copies"),
        (None, "a4", "copies"),
        (3, "letter", "layout"),
        (3, "", "layout"),
    ],
)
def test_bad_print_requests_are_refused(
    app: Flask, world: World, copies: object, layout: str, field: str
) -> None:
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        before = count(app, PrintRun)
        with pytest.raises(ServiceError) as caught:
            make_print_run(event, "pension-scams", "zh_CN", copies, layout)  # type: ignore[arg-type]
        assert caught.value.field == field
        db.session.rollback()
        assert count(app, PrintRun) == before


def test_cancelled_event_and_inactive_handout_are_refused(app: Flask, world: World) -> None:
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        event.status = EventStatus.CANCELLED
        db.session.commit()
        with pytest.raises(ServiceError) as caught:
            make_print_run(event, "pension-scams", "zh_CN", 3, "a4")
        assert caught.value.field == "event"
        other = db.session.get(Event, world.event_b_id)
        handout = services.handout_by_code("pension-scams", "zh_CN")
        handout.is_active = False
        db.session.commit()
        with pytest.raises(ServiceError) as caught:
            make_print_run(other, "pension-scams", "zh_CN", 3, "a4")
        assert caught.value.field == "handout"
        db.session.rollback()
        assert count(app, PrintRun) == 0


def test_revoked_run_resolves_as_withdrawn(app: Flask, world: World) -> None:
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        admin = db.session.get(User, world.admin_id)
        run = make_print_run(event, copies=2)
        db.session.commit()
        token = services.copy_token(run, 2)
        services.revoke_print_run(admin, run, "wrong date printed")
        db.session.commit()
        ref = services.resolve_copy(token)
        assert ref is not None and ref.withdrawn and ref.serial == 2


def test_resolve_copy_refuses_what_was_not_printed(app: Flask, world: World) -> None:
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, copies=3)
        db.session.commit()
        secret = app.config["SECRET_KEY"]
        good = services.copy_token(run, 3)
        assert services.resolve_copy(good) is not None
        flipped = good[:20] + ("A" if good[20] != "A" else "B") + good[21:]
        rng = random.Random(7)
        refused = [
            make_token(secret, run.public_id, 0),
            make_token(secret, run.public_id, 4),
            make_token(secret, run.public_id + 1, 1),
            flipped,
            make_token("another-secret-key", run.public_id, 1),
            "A" * 10_000,
            good * 250,
            "".join(rng.choices(string.ascii_uppercase + "234567", k=42)),
            "",
            good[:-1],
            good + "A",
            "\u202e" + good,
        ]
        for token in refused:
            assert services.resolve_copy(token) is None, token[:60]


# The command line -------------------------------------------------------------------------------


def test_cli_prints_a_run(app: Flask, world: World, runner, tmp_path: Path) -> None:
    out = tmp_path / "handouts.pdf"
    result = runner.invoke(
        args=[
            "print-handouts",
            "--event",
            str(world.event_a_id),
            "--handout",
            "pension-scams",
            "--copies",
            "3",
            "--layout",
            "a5x2",
            "--lang",
            "en",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "3 copies on 2 pages" in result.output and str(out) in result.output
    assert _page_count(out) == 2
    assert not out.with_name(out.name + ".part").exists()
    with app.app_context():
        (run,) = db.session.scalars(select(PrintRun)).all()
        assert run.copies == 3 and run.layout == "a5x2" and run.language == "en"
        assert run.page["printed_for"] == "市南支行"  # a command-line run is printed for the branch


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--event": "999999"}, "No event with id 999999"),
        ({"--handout": "no-such-handout"}, "No handout 'no-such-handout'"),
        ({"--layout": "letter"}, "Invalid value for '--layout'"),
        ({"--copies": "0"}, "Invalid value for '--copies'"),
        ({"--copies": "5001"}, "Invalid value for '--copies'"),
        ({"--copies": "abc"}, "Invalid value for '--copies'"),
        ({"--lang": "fr"}, "Invalid value for '--lang'"),
    ],
)
def test_cli_refuses_bad_input(
    app: Flask, world: World, runner, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    out = tmp_path / "handouts.pdf"
    options = {
        "--event": str(world.event_a_id),
        "--handout": "pension-scams",
        "--copies": "2",
        "--layout": "a4",
        "--lang": "zh_CN",
        "--out": str(out),
        **change,
    }
    args = ["print-handouts"] + [item for pair in options.items() for item in pair]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
    with app.app_context():
        assert count(app, PrintRun) == 0


def test_cli_refuses_a_cancelled_event(app: Flask, world: World, runner, tmp_path: Path) -> None:
    with app.app_context():
        db.session.get(Event, world.event_a_id).status = EventStatus.CANCELLED
        db.session.commit()
    out = tmp_path / "handouts.pdf"
    result = runner.invoke(
        args=["print-handouts", "--event", str(world.event_a_id), "--handout", "pension-scams"]
        + ["--copies", "2", "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "cancelled" in result.output.lower() or "取消" in result.output
    assert not out.exists()
    with app.app_context():
        assert count(app, PrintRun) == 0


def test_completed_events_take_print_runs_only_from_heads_and_admins(
    app: Flask, world: World
) -> None:
    """The rule lives in the service: whatever the page does, staff cannot print for or
    withdraw runs of a completed event, and heads and admins must say why."""
    from outreach_app.core.validation import ServiceError

    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, copies=2)
        event.status = EventStatus.COMPLETED
        db.session.commit()
        staff = db.session.get(User, world.staff_a_id)
        head = db.session.get(User, world.head_a_id)
        handout = services.handout_by_code("pension-scams", "zh_CN")
        with pytest.raises(ServiceError) as caught:
            services.create_print_run(staff, event, handout, 3, "a4", "补印")
        assert caught.value.field == "event"
        with pytest.raises(ServiceError) as caught:
            services.revoke_print_run(staff, run, "日期印错了")
        assert caught.value.field == "event"
        with pytest.raises(ServiceError) as caught:
            services.create_print_run(head, event, handout, 3, "a4")
        assert caught.value.field == "change_reason"
        db.session.rollback()
        assert count(app, PrintRun) == 1
        assert db.session.get(PrintRun, run.id).revoked_at is None
        made = services.create_print_run(head, event, handout, 3, "a4", "补印")
        services.revoke_print_run(head, run, "日期印错了")
        db.session.commit()
        assert count(app, PrintRun) == 2 and made.copies == 3
        assert db.session.get(PrintRun, run.id).revoked_at is not None
