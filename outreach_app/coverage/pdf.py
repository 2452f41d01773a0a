"""A one-page printable summary of the coverage report (A4 portrait) for quarterly reporting.

The handouts' embedded font is used (WenQuanYi Micro Hei, with its fallback), and every piece of
text goes through ``handouts.fonts.markup``, which escapes it, so names can never inject markup.
Whatever the data, the content is shrunk to fit the one page.
"""

from __future__ import annotations

import io
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from outreach_app.core.months import Month
from outreach_app.coverage.charts import nice_ceiling, nice_step
from outreach_app.coverage.exports import HELD_AND_PLANNED, child_label, period_text, region_name
from outreach_app.coverage.figures import (
    EVENTLESS_KIND,
    PDF_GROUPS,
    PDF_KINDS,
    PDF_KPIS,
    PDF_RECORD,
    PDF_REGIONS,
    Figure,
    percent,
    shown_in,
)
from outreach_app.coverage.services import CoverageReport, Figures
from outreach_app.handouts.fonts import FONT_NAME, markup, register_fonts
from outreach_app.handouts.layout import BRAND, INK, MUTED
from outreach_app.regions.models import BRANCH_ACCESS_LABELS

MARGIN = 14 * mm
BAND_HEIGHT = 24 * mm
TABLE_RULE = HexColor("#e3e6ea")
TABLE_HEAD = HexColor("#f5f6f8")
KPI_TINT = HexColor("#fdf1f1")
PLANNED = HexColor("#fde8e8")
KPI_COLUMNS = 5
MAX_CHILD_ROWS = 14
MAX_GAP_ROWS = 8
MAX_PARTNER_ROWS = 6


def _style(size: float, color=INK, leading: float = 1.35, align: int = 0) -> ParagraphStyle:
    locale = get_locale()
    is_chinese = locale is None or locale.language == "zh"
    return ParagraphStyle(
        f"s{size}",
        fontName=FONT_NAME,
        fontSize=size,
        leading=size * leading,
        textColor=color,
        # Chinese breaks between any two characters; English only between words.
        wordWrap="CJK" if is_chinese else None,
        alignment=align,
    )


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _trend(report: CoverageReport, width: float) -> Drawing:
    """Events held (and, stacked on them, events planned) per month as a bar chart."""
    height = 38 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 7 * mm
    chart.width, chart.height = width - 14 * mm, height - 10 * mm
    chart.data = [[f.held for _m, f in report.trend], [f.planned for _m, f in report.trend]]
    chart.categoryAxis.style = "stacked"
    every = max(1, len(report.trend) // 12 + (1 if len(report.trend) % 12 else 0))
    chart.categoryAxis.categoryNames = [
        m.label[2:] if i % every == 0 else "" for i, (m, _f) in enumerate(report.trend)
    ]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT_NAME
        axis.labels.fontSize = 6.5
        axis.labels.fillColor = MUTED
        axis.strokeColor = TABLE_RULE
    chart.valueAxis.valueMin = 0
    # Whole-number grid lines (left alone, reportlab may pick 0.5 steps that round to repeats).
    top = max((f.values["events"] for _m, f in report.trend), default=0)
    chart.valueAxis.valueMax = nice_ceiling(top)
    chart.valueAxis.valueStep = nice_step(top)
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = TABLE_RULE
    chart.valueAxis.labelTextFormat = lambda v: f"{int(v):,}"
    chart.bars[0].fillColor = BRAND
    chart.bars[0].strokeColor = None
    chart.bars[1].fillColor = PLANNED
    chart.bars[1].strokeColor = BRAND
    chart.bars[1].strokeWidth = 0.6
    chart.barSpacing = 1
    drawing.add(chart)
    return drawing


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(str(text)), style)


class _FigureText(str):
    """A figure as written (``Figure.text``), set right-aligned like every number."""


def _is_figure(value: object) -> bool:
    """True for what is set right-aligned: numbers, percentages, and the dash of no figure."""
    return (
        isinstance(value, int | float | _FigureText)
        or str(value).endswith("%")
        or value == percent(None)
    )


def _figure_texts(figures: Figures, place: str) -> list[object]:
    """The figures shown in ``place``, as written."""
    return [_FigureText(figure.text(figures.values)) for figure in shown_in(place)]


# Each compact table's share for its name column and for the figure columns whose headers need
# room; any other figure (one added to the registry) gets an even share, and the figure columns
# are scaled to fill the rest of the width.
_SHARES: dict[str, tuple[float, dict[str, float]]] = {
    PDF_KINDS: (
        0.24,
        {"events_held": 0.17, "events_planned": 0.17, "reached": 0.24, "check_ins": 0.18},
    ),
    PDF_GROUPS: (
        0.22,
        {
            "events_held": 0.12,
            "events_planned": 0.15,
            "reached": 0.17,
            "check_ins": 0.16,
            "quiz_rate": 0.18,
        },
    ),
    PDF_REGIONS: (0.23, {}),
}


def _column_widths(place: str, figures: list[Figure], width: float) -> list[float]:
    """The name column's width, then each figure column's, filling ``width``."""
    first, known = _SHARES[place]
    even = (1 - first) / max(1, len(figures))
    shares = [known.get(figure.key, even) for figure in figures]
    scale = (1 - first) / sum(shares) if shares else 1
    return [width * first, *(width * share * scale for share in shares)]


def _figure_table(first: str, rows: list[tuple[str, Figures]], place: str, width: float) -> Table:
    """A table of a name column and the figures of ``place``."""
    figures = shown_in(place)
    return _table(
        [first, *(figure.label_in(place) for figure in figures)],
        [[name, *_figure_texts(f, place)] for name, f in rows],
        _column_widths(place, figures, width),
    )


def _table(header: list[str], rows: list[list[object]], widths: list[float]) -> Table:
    head = _style(7.5, MUTED)
    cell = _style(8)
    number = _style(8, align=2)
    data = [[_p(h, head) for h in header]]
    for row in rows:
        data.append(
            [
                _p(
                    _cell(v),
                    number if i and _is_figure(v) else cell,
                )
                for i, v in enumerate(row)
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), TABLE_HEAD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, TABLE_RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _kpis(report: CoverageReport, width: float) -> Table:
    total = report.total
    items = [
        (figure.text(total.values), figure.label_in(PDF_KPIS)) for figure in shown_in(PDF_KPIS)
    ]
    items.append((f"{report.gaps.reached}/{report.gaps.total}", _("No-branch areas reached")))
    return _kpi_grid(items, width)


def _record(report: CoverageReport, width: float, h2: ParagraphStyle) -> list:
    """The events' records (handouts handed out, online reach, problems), when any figure is
    registered for them: a heading and a grid like the headline figures'."""
    figures = shown_in(PDF_RECORD)
    if not figures:
        return []
    items = [(f.text(report.total.values), f.label_in(PDF_RECORD)) for f in figures]
    return [_p(_("Event records"), h2), _kpi_grid(items, width), Spacer(0, 3 * mm)]


def _kpi_grid(items: list[tuple[str, str]], width: float) -> Table:
    """Value-over-label cells, ``KPI_COLUMNS`` to a row, on a tinted ground."""
    value = _style(15, BRAND, leading=1.2)
    label = _style(7.5, MUTED)
    cells = [Table([[_p(v, value)], [_p(lbl, label)]], hAlign="LEFT") for v, lbl in items]
    blanks = -len(cells) % KPI_COLUMNS
    cells += [""] * blanks
    data = [cells[i : i + KPI_COLUMNS] for i in range(0, len(cells), KPI_COLUMNS)]
    table = Table(data, colWidths=[width / KPI_COLUMNS] * KPI_COLUMNS, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, -1), KPI_TINT),
        ("BOX", (0, 0), (-1, -1), 0.6, white),
        ("INNERGRID", (0, 0), (-1, -1), 3, white),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if blanks:
        style.append(("BACKGROUND", (KPI_COLUMNS - blanks, -1), (-1, -1), white))
    table.setStyle(TableStyle(style))
    return table


def render_summary(report: CoverageReport, bank_name: str, printed_on: date) -> bytes:
    """The PDF bytes of the one-page summary."""
    register_fonts()
    buffer = io.BytesIO()
    page_width, page_height = A4
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Coverage report")
    canvas.setTitle(f"{title} · {region_name(report.region)} · {period_text(report.period)}")
    canvas.setAuthor(bank_name)
    width = page_width - 2 * MARGIN
    _draw_band(canvas, report, f"{bank_name} · {title}", width)
    body_top = page_height - BAND_HEIGHT - 4 * mm
    footer = 10 * mm
    frame = _frame(MARGIN, footer + 2 * mm, width, body_top - footer - 2 * mm)
    story = _story(report, width)
    frame.addFromList(
        [KeepInFrame(width, body_top - footer - 2 * mm, story, mode="shrink")], canvas
    )
    canvas.setFont(FONT_NAME, 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(
        MARGIN,
        footer - 3 * mm,
        _("Cancelled events are not counted. Printed on %(day)s.", day=printed_on.isoformat()),
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(x: float, y: float, width: float, height: float) -> Frame:
    """A frame with no padding and no border."""
    return Frame(
        x,
        y,
        width,
        height,
        showBoundary=0,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )


def _draw_band(canvas: Canvas, report: CoverageReport, heading: str, width: float) -> None:
    """The coloured band at the top: the bank and title, then the region's name."""
    page_width, page_height = A4
    canvas.setFillColor(BRAND)
    canvas.rect(0, page_height - BAND_HEIGHT, page_width, BAND_HEIGHT, stroke=0, fill=1)
    band = [
        _p(heading, _style(9, white)),
        _p(region_name(report.region), _style(17, white, leading=1.15)),
    ]
    _frame(MARGIN, page_height - BAND_HEIGHT, width, BAND_HEIGHT - 3 * mm).addFromList(band, canvas)


def _story(report: CoverageReport, width: float) -> list:
    """Everything below the band, top to bottom."""
    h2 = _style(10.5, BRAND, leading=1.3)
    meta = _style(8.5, MUTED)
    scope = _("Period: %(period)s", period=period_text(report.period))
    if report.branch is not None:
        scope += " · " + _("Branch: %(name)s", name=report.branch.name)
    story: list = [_p(scope, meta), Spacer(0, 3 * mm), _kpis(report, width), Spacer(0, 1.5 * mm)]
    story += [_p(str(HELD_AND_PLANNED), meta), Spacer(0, 3 * mm)]
    story += _record(report, width, h2)
    story += [
        _p(_("Events held and planned per month"), h2),
        _p(_("Dark: held. Light: planned."), meta),
        _trend(report, width),
        Spacer(0, 3 * mm),
    ]
    story += [_kinds_and_groups(report, width, h2), Spacer(0, 3 * mm)]
    story += _regions(report, width, h2, meta)
    story += _gaps(report, width, h2, meta)
    story += _partners(report, h2)
    return story


def _kinds_and_groups(report: CoverageReport, width: float, h2: ParagraphStyle) -> Table:
    """The tables by kind and by target group, side by side."""
    half = (width - 6 * mm) / 2
    kinds = _figure_table(
        _("Kind"),
        # Only events have the figures of this table; the exports list what had no event.
        [(label, f) for k, label, f in report.by_kind if k != EVENTLESS_KIND],
        PDF_KINDS,
        half,
    )
    groups = _figure_table(
        _("Target group"), [(g.name, f) for g, f in report.by_group], PDF_GROUPS, half
    )
    pair = Table(
        [[[_p(_("By kind"), h2), kinds], [_p(_("By target group"), h2), groups]]],
        colWidths=[half + 6 * mm, half],
        hAlign="LEFT",
    )
    pair.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return pair


def _regions(
    report: CoverageReport, width: float, h2: ParagraphStyle, meta: ParagraphStyle
) -> list:
    """The child regions' figures (the first ``MAX_CHILD_ROWS``)."""
    children = report.children[:MAX_CHILD_ROWS]
    rows = [(child_label(c), c.figures) for c in children]
    story: list = [
        _p(_("Regions"), h2),
        _figure_table(_("Region"), rows, PDF_REGIONS, width),
    ]
    if len(report.children) > MAX_CHILD_ROWS:
        more = len(report.children) - MAX_CHILD_ROWS
        story.append(_p(_("… and %(n)d more in the spreadsheet export.", n=more), meta))
    story.append(Spacer(0, 3 * mm))
    return story


def _gaps(report: CoverageReport, width: float, h2: ParagraphStyle, meta: ParagraphStyle) -> list:
    """How many areas without a branch (or hard to reach) were reached, and the first of those
    that were not."""
    gaps = report.gaps
    story: list = [
        _p(_("Areas without a branch or hard to reach"), h2),
        _p(
            _(
                "No branch: %(a)d of %(b)d reached. Hard to reach: %(c)d of %(d)d reached.",
                a=gaps.none_reached,
                b=gaps.none_total,
                c=gaps.hard_reached,
                d=gaps.hard_total,
            ),
            _style(8.5),
        ),
    ]
    if gaps.rows:
        story.append(
            _table(
                [
                    _("Area not reached in the period"),
                    _("Branch access"),
                    _("Last event"),
                    _("Nearest branch"),
                ],
                [
                    [
                        region_name(row.region),
                        str(BRANCH_ACCESS_LABELS[row.region.branch_access]),
                        Month.of(row.last_event_on).label
                        if row.last_event_on
                        else _("Never reached"),
                        row.nearest_branch.name if row.nearest_branch else "—",
                    ]
                    for row in gaps.rows[:MAX_GAP_ROWS]
                ],
                [width * 0.34, width * 0.2, width * 0.16, width * 0.3],
            )
        )
        if len(gaps.all_rows) > MAX_GAP_ROWS:
            more = len(gaps.all_rows) - MAX_GAP_ROWS
            story.append(_p(_("… and %(n)d more in the spreadsheet export.", n=more), meta))
    story.append(Spacer(0, 3 * mm))
    return story


def _partners(report: CoverageReport, h2: ParagraphStyle) -> list:
    """How many partners wait for a visit, and the first of them by name."""
    stale = report.stale_partners
    story: list = [
        _p(
            _(
                "Partners not visited for more than %(n)d months: %(count)d",
                n=report.stale_months,
                count=len(stale),
            ),
            h2,
        )
    ]
    if stale:
        names = _(", ").join(s.partner.name for s in stale[:MAX_PARTNER_ROWS])
        if len(stale) > MAX_PARTNER_ROWS:
            names += " …"
        story.append(_p(names, _style(8)))
    return story
