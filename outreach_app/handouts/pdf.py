"""Render print runs of handouts to multi-page PDFs with reportlab.

Everything a copy shares with the others (header, text, boxes, footer labels) is drawn once into
a PDF form XObject and reused on every page; per copy only the QR path, token, URL and serial are
drawn. All user text is escaped before it reaches Paragraph markup (CVE-2023-33733 class bugs).

Fonts: WenQuanYi Micro Hei (TrueType, subset and embedded) for everything; characters it lacks
go to DejaVu Sans when that covers them (e.g. many emoji and symbols); characters neither covers
(e.g. the rare CJK character U+20BB7) print as a visible "□" rather than an invisible box.
"""

from __future__ import annotations

import io
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph

from outreach_app.handouts.qr import draw_qr
from outreach_app.handouts.tokens import format_for_print, make_token

FONT_NAME = "HandoutSans"
FALLBACK_FONT_NAME = "HandoutFallback"
REPLACEMENT_CHAR = "\u25a1"  # □, present in the main font
BRAND = HexColor("#9b1c1c")
BRAND_TINT = HexColor("#fdf1f1")
INK = HexColor("#1f1f1f")
MUTED = HexColor("#555555")
RULE = HexColor("#d9c5c5")

_PACKAGE_FONTS = Path(__file__).resolve().parent / "fonts"
MAIN_FONT_CANDIDATES = (
    _PACKAGE_FONTS / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
FALLBACK_FONT_CANDIDATES = (
    _PACKAGE_FONTS / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

LAYOUTS = ("a4", "a5x2", "large")


@dataclass(frozen=True)
class HandoutPage:
    """The text every copy of one print run shares (plain text, never markup)."""

    title: str
    lead: str
    tips: list[str]
    never_ask: str
    hotline_note: str
    language: str
    bank_name: str
    branch_name: str
    event_title: str
    partner_name: str
    event_date: str
    printed_for: str
    printed_on: str


@dataclass(frozen=True)
class CopyCode:
    """One copy's serial, the URL its QR code encodes and the token printed under it."""

    serial: int
    url: str
    printed_token: str


@dataclass(frozen=True)
class Layout:
    """Geometry and type sizes of one copy of a handout, in points."""

    name: str
    page_size: tuple[float, float]
    copy_size: tuple[float, float]
    copies_per_page: int
    margin: float
    header_height: float
    bank_size: float
    title_size: float
    body_size: float
    small_size: float
    leading: float
    qr_size: float
    gap: float = field(default=10.0)


LAYOUT_SPECS: dict[str, Layout] = {
    "a4": Layout("a4", A4, A4, 1, 20 * mm, 22 * mm, 17, 26, 12, 9, 1.45, 34 * mm),
    "a5x2": Layout(
        "a5x2",
        landscape(A4),
        (A4[1] / 2, A4[0]),
        2,
        13 * mm,
        17 * mm,
        13,
        18,
        9,
        7,
        1.4,
        27 * mm,
        gap=6.0,
    ),
    "large": Layout("large", A4, A4, 1, 16 * mm, 20 * mm, 20, 30, 18, 13, 1.35, 36 * mm),
}

LABELS = {
    "zh_CN": {
        "tips": "防骗要点",
        "never": "我们绝不会向您索要",
        "hotline": "求助热线",
        "event": "活动",
        "partner": "合作机构",
        "date": "日期",
        "printed": "印制：{who}，{when}",
        "scan": "扫码查看全文、签到与答题",
        "serial": "编号",
    },
    "en": {
        "tips": "Stay safe",
        "never": "We will never ask you for",
        "hotline": "Hotlines",
        "event": "Event",
        "partner": "Partner",
        "date": "Date",
        "printed": "Printed for {who} on {when}",
        "scan": "Scan for the full text, check-in and quiz",
        "serial": "No.",
    },
}

_fonts_ready = False
_main_cmap: dict[int, int] = {}
_fallback_cmap: dict[int, int] = {}


def register_fonts() -> None:
    """Register the main and fallback TrueType fonts once per process."""
    global _fonts_ready, _main_cmap, _fallback_cmap
    if _fonts_ready:
        return
    main_path = next((p for p in MAIN_FONT_CANDIDATES if p.is_file()), None)
    if main_path is None:
        raise RuntimeError("WenQuanYi Micro Hei not found; install fonts-wqy-microhei")
    main = TTFont(FONT_NAME, str(main_path), subfontIndex=0)
    pdfmetrics.registerFont(main)
    _main_cmap = main.face.charToGlyph
    fallback_path = next((p for p in FALLBACK_FONT_CANDIDATES if p.is_file()), None)
    if fallback_path is not None:
        fallback = TTFont(FALLBACK_FONT_NAME, str(fallback_path))
        pdfmetrics.registerFont(fallback)
        _fallback_cmap = fallback.face.charToGlyph
    _fonts_ready = True


def _clean(text: str) -> str:
    """Drop control and format characters (bidi overrides, zero-width) from user text."""
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def markup(text: str) -> str:
    """Return reportlab Paragraph markup that prints `text` literally, with font fallback."""
    register_fonts()
    parts: list[str] = []
    run: list[str] = []
    run_is_fallback = False

    def flush() -> None:
        if run:
            chunk = escape("".join(run)).replace("\n", "<br/>")
            if run_is_fallback:
                chunk = f'<font name="{FALLBACK_FONT_NAME}">{chunk}</font>'
            parts.append(chunk)
            run.clear()

    for ch in _clean(text):
        code = ord(ch)
        if ch == "\n" or ch == " " or code in _main_cmap:
            is_fallback = False
        elif code in _fallback_cmap:
            is_fallback = True
        else:
            ch, is_fallback = REPLACEMENT_CHAR, False
        if is_fallback != run_is_fallback:
            flush()
            run_is_fallback = is_fallback
        run.append(ch)
    flush()
    return "".join(parts)


def _plain(text: str) -> str:
    """Return text safe for drawString with the main font (unknown glyphs replaced)."""
    register_fonts()
    return "".join(
        ch if ord(ch) in _main_cmap else REPLACEMENT_CHAR for ch in _clean(text).replace("\n", " ")
    )


def _styles(layout: Layout) -> dict[str, ParagraphStyle]:
    """Return the paragraph styles of a layout."""
    body = ParagraphStyle(
        "body",
        fontName=FONT_NAME,
        fontSize=layout.body_size,
        leading=layout.body_size * layout.leading,
        textColor=INK,
        alignment=TA_LEFT,
        wordWrap="CJK",
    )
    return {
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontSize=layout.title_size,
            leading=layout.title_size * 1.25,
            textColor=BRAND,
            spaceAfter=layout.body_size * 0.6,
        ),
        "lead": ParagraphStyle(
            "lead", parent=body, textColor=MUTED, spaceAfter=layout.body_size * 0.9
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontSize=layout.body_size * 1.25,
            leading=layout.body_size * 1.25 * 1.3,
            textColor=BRAND,
            spaceAfter=layout.body_size * 0.3,
        ),
        "tip": ParagraphStyle(
            "tip",
            parent=body,
            leftIndent=layout.body_size * 1.8,
            bulletIndent=0,
            bulletFontName=FONT_NAME,
            bulletFontSize=layout.body_size,
            bulletColor=BRAND,
            spaceAfter=layout.body_size * 0.35,
        ),
        "never": ParagraphStyle(
            "never",
            parent=body,
            backColor=BRAND_TINT,
            borderColor=BRAND,
            borderWidth=1.2,
            borderPadding=(layout.body_size * 0.7,) * 4,
            borderRadius=4,
            spaceBefore=layout.body_size * 1.2,
            spaceAfter=layout.body_size * 1.4,
            leftIndent=layout.body_size * 0.7,
            rightIndent=layout.body_size * 0.7,
        ),
        "hotline": ParagraphStyle(
            "hotline",
            parent=body,
            fontSize=layout.body_size * 1.1,
            leading=layout.body_size * 1.1 * layout.leading,
        ),
    }


def _footer_height(layout: Layout) -> float:
    """Return the height reserved at the bottom of a copy for the QR code and its captions."""
    return layout.qr_size + layout.small_size * 3.2 + layout.gap


def _draw_static(canvas: Canvas, page: HandoutPage, layout: Layout) -> None:
    """Draw the parts every copy shares, in copy coordinates (origin at its lower left)."""
    width, height = layout.copy_size
    m = layout.margin
    labels = LABELS.get(page.language, LABELS["en"])
    styles = _styles(layout)

    # Header band: bank and branch.
    band_y = height - m - layout.header_height
    canvas.setFillColor(BRAND)
    canvas.roundRect(m, band_y, width - 2 * m, layout.header_height, 6, stroke=0, fill=1)
    canvas.setFillColor(white)
    text_y = band_y + layout.header_height / 2
    canvas.setFont(FONT_NAME, layout.bank_size)
    canvas.drawString(m + layout.gap * 1.4, text_y - layout.bank_size * 0.1, _plain(page.bank_name))
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    canvas.drawString(
        m + layout.gap * 1.4, text_y - layout.bank_size * 0.95, _plain(page.branch_name)
    )

    # Body text in a frame between header and footer.
    footer_top = m + _footer_height(layout)
    frame_top = band_y - layout.gap * 1.5
    story = [Paragraph(markup(page.title), styles["title"])]
    if page.lead:
        story.append(Paragraph(markup(page.lead), styles["lead"]))
    if page.tips:
        story.append(Paragraph(markup(labels["tips"]), styles["heading"]))
        for number, tip in enumerate(page.tips, start=1):
            story.append(Paragraph(markup(tip), styles["tip"], bulletText=f"{number}."))
    # The warning box and hotlines sit just above the footer, where the eye lands last.
    bottom: list[Paragraph] = []
    if page.never_ask:
        bottom.append(
            Paragraph(
                f'<font color="#9b1c1c" size="{layout.body_size * 1.15:.1f}">'
                f"{markup(labels['never'])}</font><br/>{markup(page.never_ask)}",
                styles["never"],
            )
        )
    if page.hotline_note:
        bottom.append(
            Paragraph(
                f'<font color="#9b1c1c">{markup(labels["hotline"])}</font>  '
                f"{markup(page.hotline_note)}",
                styles["hotline"],
            )
        )
    text_width = width - 2 * m - 4
    text_bottom = footer_top + layout.gap * 1.5
    available = frame_top - text_bottom
    # Over-long user text shrinks to fit rather than spilling onto the footer.
    bottom_block = KeepInFrame(text_width, available * 0.45, bottom, mode="shrink")
    _, bottom_height = bottom_block.wrapOn(canvas, text_width, available * 0.45)
    bottom_block.drawOn(canvas, m + 2, text_bottom)
    top_height = available - bottom_height - layout.body_size * 1.5
    top_block = KeepInFrame(text_width, top_height, story, mode="shrink")
    _, used = top_block.wrapOn(canvas, text_width, top_height)
    top_block.drawOn(canvas, m + 2, frame_top - used)

    # Footer: a rule, event details on the left, QR code on the right (drawn per copy).
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.line(m, footer_top, width - m, footer_top)
    qr_x = width - m - layout.qr_size
    qr_top = footer_top - layout.gap * 0.6
    info_width = qr_x - m - layout.gap
    details = [
        (labels["event"], page.event_title),
        (labels["partner"], page.partner_name),
        (labels["date"], page.event_date),
    ]
    info_style = ParagraphStyle(
        "info",
        fontName=FONT_NAME,
        fontSize=layout.small_size * 1.15,
        leading=layout.small_size * 1.15 * 1.35,
        textColor=INK,
        wordWrap="CJK",
        spaceAfter=layout.small_size * 0.3,
    )
    info = [
        Paragraph(f'<font color="#9b1c1c">{markup(label)}</font>  {markup(value)}', info_style)
        for label, value in details
        if value
    ]
    printed = labels["printed"].format(who=page.printed_for, when=page.printed_on)
    info.append(Paragraph(markup(printed), ParagraphStyle("p", parent=info_style, textColor=MUTED)))
    info_frame = Frame(
        m,
        m + layout.small_size * 2.2,
        info_width,
        qr_top - m - layout.small_size * 2.2,
        leftPadding=2,
        rightPadding=0,
        topPadding=2,
        bottomPadding=0,
    )
    info_frame.addFromList(
        [KeepInFrame(info_width - 2, info_frame._aH, info, mode="shrink")], canvas
    )  # noqa: SLF001
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size)
    canvas.drawRightString(
        qr_x - layout.gap * 0.5,
        qr_top - layout.qr_size / 2 - layout.small_size * 0.2,
        _plain(labels["scan"]),
    )


def _draw_copy(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw one copy's QR code, token, URL and serial in copy coordinates."""
    width, _ = layout.copy_size
    m = layout.margin
    footer_top = m + _footer_height(layout)
    qr_x = width - m - layout.qr_size
    qr_y = footer_top - layout.gap * 0.6 - layout.qr_size
    draw_qr(canvas, code.url, qr_x, qr_y, layout.qr_size)
    labels = LABELS.get(language, LABELS["en"])
    canvas.setFillColor(INK)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    right = width - m
    canvas.drawRightString(right, qr_y - layout.small_size * 0.9, _plain(code.printed_token))
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, max(layout.small_size * 0.85, 7))
    canvas.drawRightString(right, qr_y - layout.small_size * 2.1, _plain(code.url))
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    canvas.drawString(m + 2, m, f"{_plain(labels['serial'])} {code.serial:05d}")


def _draw_cut_marks(canvas: Canvas, layout: Layout) -> None:
    """Draw cut marks and a faint dashed cut line between the two A5 copies."""
    page_w, page_h = layout.page_size
    x = page_w / 2
    canvas.saveState()
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.5)
    canvas.line(x, 0, x, 8 * mm)
    canvas.line(x, page_h - 8 * mm, x, page_h)
    canvas.setStrokeColor(Color(0.75, 0.75, 0.75))
    canvas.setDash(3, 4)
    canvas.line(x, 10 * mm, x, page_h - 10 * mm)
    canvas.restoreState()


def _chunks(codes: Iterable[CopyCode], size: int) -> Iterator[list[CopyCode]]:
    """Yield lists of `size` consecutive copies (the last may be shorter)."""
    chunk: list[CopyCode] = []
    for code in codes:
        chunk.append(code)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def render_handouts(
    stream: BinaryIO, page: HandoutPage, codes: Iterable[CopyCode], layout: str = "a4"
) -> int:
    """Write a PDF with one copy per code to `stream` in the given layout; return the page count."""
    if layout not in LAYOUT_SPECS:
        raise ValueError(f"unknown layout {layout!r}")
    spec = LAYOUT_SPECS[layout]
    register_fonts()
    rl_config.useA85 = 0  # raw binary streams: ASCII85 encoding costs time and 25% size
    canvas = Canvas(
        stream,
        pagesize=spec.page_size,
        invariant=1,
        initialFontName=FONT_NAME,
        initialFontSize=spec.body_size,
        lang="zh-CN" if page.language.startswith("zh") else "en",
    )
    canvas.setTitle(_plain(page.title)[:200])
    canvas.setAuthor(_plain(page.bank_name)[:200])
    canvas.beginForm("handout")
    _draw_static(canvas, page, spec)
    canvas.endForm()
    pages = 0
    copy_w = spec.copy_size[0]
    for chunk in _chunks(codes, spec.copies_per_page):
        for index, code in enumerate(chunk):
            canvas.saveState()
            canvas.translate(index * copy_w, 0)
            canvas.doForm("handout")
            _draw_copy(canvas, code, spec, page.language)
            canvas.restoreState()
        if spec.copies_per_page == 2:
            _draw_cut_marks(canvas, spec)
        canvas.showPage()
        pages += 1
    canvas.save()
    return pages


def sample_page(language: str = "zh_CN") -> HandoutPage:
    """Return a realistic handout used by the benchmark and previews."""
    return HandoutPage(
        title="警惕冒充客服退款诈骗",
        lead="接到自称电商或快递客服的电话，说您的商品有问题要给您退款或理赔？先挂断，"
        "再通过官方App或官方电话核实。",
        tips=[
            "正规退款直接原路退回，不需要您下载任何会议软件或共享屏幕。",
            "不要点击短信或聊天中陌生人发来的链接，不要扫描陌生二维码。",
            "任何要求“先转账、再退款”的说法都是诈骗。",
            "验证码就是您的钱包钥匙，任何人索要都不要给。",
            "拿不准时，先挂断电话，和家人商量，或拨打 96110 咨询。",
        ],
        never_ask="银行卡密码、短信验证码，或要求您向“安全账户”转账。",
        hotline_note="全国反诈专线 96110 · 本行客服热线 95xxx",
        language=language,
        bank_name="城市银行",
        branch_name="东城支行 · 消费者权益保护",
        event_title="金融知识进社区：守好养老钱",
        partner_name="东城街道和平社区居委会",
        event_date="2026-12-03",
        printed_for="张老师",
        printed_on="2026-11-27",
    )


def render_benchmark(copies: int = 1000, layout: str = "a4") -> float:
    """Render a `copies`-copy print run into one in-memory PDF; return pages per second."""
    register_fonts()
    secret = "benchmark-secret"
    page = sample_page()
    base = "https://outreach.example-bank.cn/s/"
    start = time.perf_counter()

    def codes() -> Iterator[CopyCode]:
        for serial in range(1, copies + 1):
            token = make_token(secret, 0x1234_5678_9ABC_DEF0, serial)
            yield CopyCode(serial=serial, url=base + token, printed_token=format_for_print(token))

    pages = render_handouts(io.BytesIO(), page, codes(), layout)
    return pages / (time.perf_counter() - start)
