"""Drawing print runs of handouts into multi-page PDFs with reportlab.

Everything a copy shares with the others (header, text, boxes, footer labels) is drawn once into
a PDF form XObject and reused on every page; per copy only the QR path, token, URL and serial are
drawn. What goes where is decided in ``layout``, which fonts print which characters in
``fonts``, and where Chinese lines break in ``kinsoku``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.colors import Color, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame

from outreach_app.handouts.fonts import (
    FONT_NAME,
    clean_text,
    font_runs,
    line_width,
    markup,
    plain,
    register_fonts,
)
from outreach_app.handouts.kinds import PrintLayout
from outreach_app.handouts.kinsoku import HandoutParagraph
from outreach_app.handouts.layout import (
    BACK_BAND_FACTOR,
    BRAND,
    INK,
    LABELS,
    LAYOUT_SPECS,
    MUTED,
    RULE,
    Composition,
    CopyCode,
    HandoutPage,
    Layout,
    base_style,
    footer_height,
    page_compositions,
    text_area,
)
from outreach_app.handouts.qr import draw_qr


def _draw_line(
    canvas: Canvas, x: float, y: float, text: str, size: float, right: bool = False
) -> None:
    """Draw ``text`` on one line from ``x`` (or ending at ``x`` when ``right``), each run of
    characters in the first font that has them."""
    runs = font_runs(text)
    if right:
        x -= sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)
    for font, chunk in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)


def _fitted_font_size(text: str, size: float, max_width: float) -> float:
    """``size``, reduced if need be so that ``text`` fits on one line of ``max_width``."""
    width = line_width(text, size)
    return size if width <= max_width else size * max_width / width


def _draw_band(
    canvas: Canvas, page: HandoutPage, layout: Layout, height_factor: float = 1.0
) -> float:
    """Draw the brand band with bank, branch and tagline; return the y of its bottom edge."""
    width, height = layout.copy_size
    m = layout.margin
    labels = LABELS.get(page.language, LABELS["en"])
    band_h = layout.header_height * height_factor
    band_y = height - m - band_h
    canvas.setFillColor(BRAND)
    canvas.roundRect(m, band_y, width - 2 * m, band_h, 6, stroke=0, fill=1)
    canvas.setFillColor(white)
    inset = layout.gap * 1.4
    tagline = plain(labels["tagline"])
    tag_size = layout.small_size * 1.05
    tag_w = pdfmetrics.stringWidth(tagline, FONT_NAME, tag_size)
    name_room = width - 2 * m - 2 * inset - tag_w - layout.gap * 2
    bank = page.bank_name
    if height_factor < 1:
        # The slim band of a back page: bank name only, centred vertically.
        size = _fitted_font_size(bank, layout.bank_size * 0.8, name_room)
        _draw_line(canvas, m + inset, band_y + band_h / 2 - size * 0.35, bank, size)
    else:
        size = _fitted_font_size(bank, layout.bank_size, name_room)
        mid = band_y + band_h / 2
        _draw_line(canvas, m + inset, mid + layout.bank_size * 0.02, bank, size)
        branch = page.branch_name
        small = _fitted_font_size(branch, layout.small_size * 1.15, name_room)
        _draw_line(canvas, m + inset, mid - layout.bank_size * 0.85, branch, small)
    canvas.setFont(FONT_NAME, tag_size)
    canvas.drawRightString(width - m - inset, band_y + band_h / 2 - tag_size * 0.35, tagline)
    return band_y


def _draw_composition(
    canvas: Canvas, comp: Composition, layout: Layout, top: float, bottom: float
) -> None:
    """Draw a fitted page: the top block from ``top`` down, the bottom block ending at
    ``bottom``; spare space first widens the gaps of the top block, then separates the two."""
    width = layout.copy_size[0] - 2 * layout.margin
    x = layout.margin
    canvas.saveState()
    if comp.scale < 1:
        canvas.translate(x, top)
        canvas.scale(comp.scale, comp.scale)
        canvas.translate(-x, -top)
        width /= comp.scale
        bottom = top - (top - bottom) / comp.scale
    stretch = 0.0
    if comp.top.gaps():
        stretch = min(comp.spare * 0.5 / comp.top.gaps(), comp.size * 0.55)
    comp.top.draw(canvas, x, top, width, stretch)
    bottom_h = comp.bottom.height(width)
    comp.bottom.draw(canvas, x, bottom + bottom_h, width)
    canvas.restoreState()


def _draw_footer(canvas: Canvas, page: HandoutPage, layout: Layout) -> None:
    """Draw the footer every copy shares: a rule, event details and the caption of the code."""
    width, _ = layout.copy_size
    m = layout.margin
    labels = LABELS.get(page.language, LABELS["en"])
    footer_top = m + footer_height(layout)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.line(m, footer_top, width - m, footer_top)
    qr_x = width - m - layout.qr_size
    qr_top = footer_top - layout.gap * 0.6
    caption_size = layout.small_size * 1.2
    caption_lines = [plain(line) for line in labels["scan"].split("\n")]
    caption_w = min(
        max(pdfmetrics.stringWidth(line, FONT_NAME, caption_size) for line in caption_lines) + 2,
        (qr_x - m) * 0.45,
    )
    info_width = qr_x - m - caption_w - layout.gap * 1.5
    _draw_event_details(canvas, page, layout, qr_top, info_width)
    _draw_scan_caption(canvas, page, layout, (qr_x, qr_top), caption_w, caption_size)


def _draw_event_details(
    canvas: Canvas, page: HandoutPage, layout: Layout, qr_top: float, info_width: float
) -> None:
    """Draw event, partner, date and "printed for" at the left of the footer, beside the code
    and clear of the token and URL printed under it, shrunk if need be to fit."""
    m = layout.margin
    labels = LABELS.get(page.language, LABELS["en"])
    details = [
        (labels["event"], page.event_title),
        (labels["partner"], page.partner_name),
        (labels["date"], page.event_date),
    ]
    info_style = ParagraphStyle(
        "info",
        parent=base_style(page, layout.small_size * 1.15, 1.35),
        spaceAfter=layout.small_size * 0.3,
    )
    info: list[Flowable] = [
        HandoutParagraph(
            f'<font color="#9b1c1c">{markup(label)}</font>  {markup(value)}', info_style
        )
        for label, value in details
        if value
    ]
    printed = labels["printed"].format(who=page.printed_for, when=page.printed_on)
    info.append(
        HandoutParagraph(markup(printed), ParagraphStyle("p", parent=info_style, textColor=MUTED))
    )
    info_bottom = qr_top - layout.qr_size + layout.small_size * 0.4
    info_frame = Frame(
        m,
        info_bottom,
        info_width,
        qr_top - info_bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=2,
        bottomPadding=0,
    )
    info_frame.addFromList([KeepInFrame(info_width, info_frame._aH, info, mode="shrink")], canvas)


def _draw_scan_caption(
    canvas: Canvas,
    page: HandoutPage,
    layout: Layout,
    qr_corner: tuple[float, float],
    caption_w: float,
    caption_size: float,
) -> None:
    """Draw "scan for the full text" beside the code (left of ``qr_corner``, its top-left),
    with an arrow pointing at it."""
    qr_x, qr_top = qr_corner
    labels = LABELS.get(page.language, LABELS["en"])
    caption_style = ParagraphStyle(
        "scan",
        parent=base_style(page, caption_size, 1.3),
        textColor=BRAND,
        alignment=2,  # right
    )
    caption = HandoutParagraph(markup(labels["scan"]), caption_style)
    arrow = layout.small_size * 0.7
    cap_right = qr_x - arrow * 1.6
    _, cap_h = caption.wrap(caption_w, layout.qr_size)
    mid = qr_top - layout.qr_size / 2
    caption.drawOn(canvas, cap_right - caption_w, mid - cap_h / 2)
    canvas.setFillColor(BRAND)
    path = canvas.beginPath()
    path.moveTo(cap_right + arrow * 0.3, mid + arrow * 0.55)
    path.lineTo(cap_right + arrow * 1.2, mid)
    path.lineTo(cap_right + arrow * 0.3, mid - arrow * 0.55)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_front(canvas: Canvas, page: HandoutPage, layout: Layout, comp: Composition) -> None:
    """Draw the shared part of a copy's first (or only) page, in copy coordinates."""
    _draw_band(canvas, page, layout)
    _draw_composition(canvas, comp, layout, *text_area(layout, front=True))
    _draw_footer(canvas, page, layout)


def _draw_back(canvas: Canvas, page: HandoutPage, layout: Layout, comp: Composition) -> None:
    """Draw the shared part of a copy's second page (large print): the tips."""
    width, _ = layout.copy_size
    m = layout.margin
    _draw_band(canvas, page, layout, height_factor=BACK_BAND_FACTOR)
    _draw_composition(canvas, comp, layout, *text_area(layout, front=False))
    labels = LABELS.get(page.language, LABELS["en"])
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.line(m, m + layout.small_size * 1.8, width - m, m + layout.small_size * 1.8)
    # The title, right-aligned, so that a loose back page still says what it belongs to.
    canvas.setFillColor(MUTED)
    serial_note = f"{labels['serial']} 00000  ·  " + labels["page"].format(n=2, total=2)
    used = pdfmetrics.stringWidth(plain(serial_note), FONT_NAME, layout.small_size)
    room = width - 2 * m - used - layout.gap * 2
    size = _fitted_font_size(page.title, layout.small_size, room)
    _draw_line(canvas, width - m, m, page.title, size, right=True)


def _draw_copy(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw one copy's QR code, token, URL and serial in copy coordinates."""
    width, _ = layout.copy_size
    m = layout.margin
    footer_top = m + footer_height(layout)
    qr_x = width - m - layout.qr_size
    qr_y = footer_top - layout.gap * 0.6 - layout.qr_size
    draw_qr(canvas, code.url, qr_x, qr_y, layout.qr_size)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    right = width - m
    canvas.drawRightString(right, qr_y - layout.small_size * 0.9, plain(code.printed_token))
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, max(layout.small_size * 0.85, 7))
    canvas.drawRightString(right, qr_y - layout.small_size * 2.1, plain(code.url))
    _draw_serial(canvas, code, layout, language)


def _draw_serial(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw the copy's serial number in the lower left corner."""
    labels = LABELS.get(language, LABELS["en"])
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    text = f"{plain(labels['serial'])} {code.serial:05d}"
    if layout.pages_per_copy > 1:
        text += "  ·  " + plain(labels["page"].format(n=1, total=layout.pages_per_copy))
    canvas.drawString(layout.margin, layout.margin, text)


def _draw_back_serial(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw the serial and page number on a copy's second page."""
    labels = LABELS.get(language, LABELS["en"])
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size)
    text = f"{plain(labels['serial'])} {code.serial:05d}  ·  "
    text += plain(labels["page"].format(n=2, total=layout.pages_per_copy))
    canvas.drawString(layout.margin, layout.margin, text)


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
    stream: BinaryIO,
    page: HandoutPage,
    codes: Iterable[CopyCode],
    layout: PrintLayout = PrintLayout.A4,
) -> int:
    """Write a PDF with one copy per code to `stream` in the given layout; return the page count.

    A4: one copy per page. A5: two copies per landscape A4 sheet, left then right, with cut
    marks. Large print: two pages per copy (front with the code, back with the tips).
    """
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
    canvas.setTitle(clean_text(page.title).replace("\n", " ")[:200])
    canvas.setAuthor(clean_text(page.bank_name).replace("\n", " ")[:200])
    compositions = page_compositions(page, spec)
    canvas.beginForm("handout")
    _draw_front(canvas, page, spec, compositions[0])
    canvas.endForm()
    if spec.pages_per_copy > 1:
        canvas.beginForm("handout-back")
        _draw_back(canvas, page, spec, compositions[1])
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
        if spec.pages_per_copy > 1:
            (code,) = chunk
            canvas.doForm("handout-back")
            _draw_back_serial(canvas, code, spec, page.language)
            canvas.showPage()
            pages += 1
    canvas.save()
    return pages
