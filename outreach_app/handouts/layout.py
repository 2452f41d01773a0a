"""The layout of a handout copy: page geometry and type sizes per print layout, the printed
labels, the colours, and the text fitted to the page (what goes where, not how it is drawn).

Composition: the body type size is fitted to the text, within each layout's range, so short and
long handouts both fill the page; what space is left widens the gaps between the tips (up to a
limit) and then separates the tips from the warning box, which sits just above the footer.
Large print never goes below its minimum size: it prints two pages per copy (front: title,
lead, warning box, hotlines and the QR code; back: the tips), meant for double-sided printing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from outreach_app.handouts.fonts import FONT_NAME, line_width, markup, register_fonts
from outreach_app.handouts.kinds import PrintLayout
from outreach_app.handouts.kinsoku import HandoutParagraph

# Large print promises body text of at least this size (points); longer texts are refused.
LARGE_PRINT_MIN_BODY = 18
BRAND = HexColor("#9b1c1c")
BRAND_TINT = HexColor("#fdf1f1")
INK = HexColor("#1f1f1f")
MUTED = HexColor("#555555")
RULE = HexColor("#d9c5c5")
BACK_BAND_FACTOR = 0.6  # the band of a back page is this much as tall as the front's
TITLE_MIN_SCALE = 0.8  # a title this much smaller fits one line: set it so


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
    """Geometry and type sizes of one copy of a handout, in points.

    ``body_size`` is the smallest body size the layout prints (text that needs less space gets
    up to ``max_body_size``); ``leading`` is the line spacing as a multiple of the type size;
    ``qr_size`` is the printed width of the QR code including its quiet zone.
    """

    name: PrintLayout
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
    max_body_size: float = field(default=0.0)
    pages_per_copy: int = field(default=1)

    @property
    def body_sizes(self) -> list[float]:
        """The body sizes to try, largest first, in half-point steps."""
        top = max(self.max_body_size, self.body_size)
        steps = round((top - self.body_size) * 2)
        return [top - step / 2 for step in range(steps + 1)]


LAYOUT_SPECS: dict[PrintLayout, Layout] = {
    PrintLayout.A4: Layout(
        PrintLayout.A4,
        A4,
        A4,
        1,
        margin=19 * mm,
        header_height=22 * mm,
        bank_size=18,
        title_size=28,
        body_size=11,
        small_size=9,
        leading=1.5,
        qr_size=34 * mm,
        gap=10.0,
        max_body_size=14,
    ),
    PrintLayout.A5X2: Layout(
        PrintLayout.A5X2,
        landscape(A4),
        (A4[1] / 2, A4[0]),
        2,
        margin=12 * mm,
        header_height=16 * mm,
        bank_size=13,
        title_size=19,
        body_size=8.5,
        small_size=7,
        leading=1.45,
        qr_size=27 * mm,
        gap=6.5,
        max_body_size=10.5,
    ),
    PrintLayout.LARGE: Layout(
        PrintLayout.LARGE,
        A4,
        A4,
        1,
        margin=16 * mm,
        header_height=21 * mm,
        bank_size=20,
        title_size=32,
        body_size=18,
        small_size=13,
        leading=1.4,
        qr_size=38 * mm,
        gap=11.0,
        max_body_size=22,
        pages_per_copy=2,
    ),
}

LABELS = {
    "zh_CN": {
        "tagline": "金融知识宣传",
        "tips": "请您记住",
        "never": "我们绝不会向您索要",
        "hotline": "求助热线",
        "event": "活动",
        "partner": "合作机构",
        "date": "日期",
        "printed": "印制：{who}，{when}",
        "scan": "扫码查看全文、\n签到与答题",
        "serial": "编号",
        "turn": "更多要点见背面",
        "page": "第 {n} 页，共 {total} 页",
    },
    "en": {
        "tagline": "Financial education",
        "tips": "Remember",
        "never": "We will never ask you for",
        "hotline": "Hotlines",
        "event": "Event",
        "partner": "Partner",
        "date": "Date",
        "printed": "Printed for {who} on {when}",
        "scan": "Scan for the full text,\ncheck-in and quiz",
        "serial": "No.",
        "turn": "More on the back",
        "page": "Page {n} of {total}",
    },
}


def base_style(page: HandoutPage, size: float, leading: float) -> ParagraphStyle:
    """The body style at ``size``: CJK line breaking for Chinese, word wrapping for English."""
    return ParagraphStyle(
        "body",
        fontName=FONT_NAME,
        fontSize=size,
        leading=size * leading,
        textColor=INK,
        alignment=TA_LEFT,
        wordWrap="CJK" if page.language.startswith("zh") else None,
        splitLongWords=1,
    )


@dataclass
class Block:
    """A vertical stack of flowables with the gap to leave before each one."""

    items: list[tuple[float, Flowable]] = field(default_factory=list)

    def add(self, gap_before: float, flowable: Flowable) -> None:
        """Append ``flowable``, ``gap_before`` points below the previous one."""
        self.items.append((gap_before if self.items else 0.0, flowable))

    def height(self, width: float) -> float:
        """The height of the stack when wrapped to ``width``."""
        return sum(gap + flowable.wrap(width, 10_000)[1] for gap, flowable in self.items)

    def draw(self, canvas: Canvas, x: float, top: float, width: float, stretch: float = 0) -> float:
        """Draw from ``top`` down, adding ``stretch`` to every gap; return the bottom y."""
        y = top
        for gap, flowable in self.items:
            _, height = flowable.wrap(width, 10_000)
            y -= (gap + stretch if gap else 0.0) + height
            flowable.drawOn(canvas, x, y)
        return y

    def gaps(self) -> int:
        """How many gaps can stretch."""
        return sum(1 for gap, _ in self.items if gap)


class WarningBox(Flowable):
    """The "we will never ask you for" box: tinted, framed, a red label above the text."""

    def __init__(self, label: Paragraph, text: Paragraph, padding: float) -> None:
        super().__init__()
        self.label, self.text, self.padding = label, text, padding
        self._sizes = (0.0, 0.0)

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        """Size the box for ``availWidth``."""
        inner = availWidth - 2 * self.padding
        _, label_h = self.label.wrap(inner, availHeight)
        _, text_h = self.text.wrap(inner, availHeight)
        self._sizes = (label_h, text_h)
        self.width = availWidth
        self.height = label_h + text_h + 2 * self.padding + self.padding * 0.25
        return self.width, self.height

    def draw(self) -> None:
        """Draw the box and its text."""
        canvas, p = self.canv, self.padding
        _, text_h = self._sizes
        canvas.saveState()
        canvas.setFillColor(BRAND_TINT)
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(1.2)
        canvas.roundRect(0, 0, self.width, self.height, min(6, p), stroke=1, fill=1)
        canvas.setFillColor(BRAND)
        canvas.rect(0.6, p * 0.9, 3.2, self.height - 1.8 * p, stroke=0, fill=1)
        canvas.restoreState()
        self.text.drawOn(canvas, p, p)
        self.label.drawOn(canvas, p, p + text_h + p * 0.25)


def _title(page: HandoutPage, layout: Layout, width: float) -> Paragraph:
    """The title in brand colour; a title a little too long for one line is set smaller."""
    size = layout.title_size
    one_line = line_width(page.title, size)
    if width < one_line <= width / TITLE_MIN_SCALE:
        size *= width / one_line * 0.99
    style = ParagraphStyle("title", parent=base_style(page, size, 1.22), textColor=BRAND)
    return HandoutParagraph(markup(page.title), style)


def _tips_block(page: HandoutPage, layout: Layout, size: float, heading_size: float) -> Block:
    """The "stay safe" heading and the numbered tips."""
    labels = LABELS.get(page.language, LABELS["en"])
    body = base_style(page, size, layout.leading)
    heading = ParagraphStyle(
        "heading", parent=body, fontSize=heading_size, leading=heading_size * 1.3, textColor=BRAND
    )
    tip = ParagraphStyle(
        "tip",
        parent=body,
        leftIndent=size * 1.9,
        bulletIndent=0,
        bulletFontName=FONT_NAME,
        bulletFontSize=size,
        bulletColor=BRAND,
    )
    block = Block()
    if page.tips:
        block.add(0, HandoutParagraph(markup(labels["tips"]), heading))
        for number, text in enumerate(page.tips, start=1):
            gap = size * 0.35 if number == 1 else size * 0.45
            block.add(gap, HandoutParagraph(markup(text), tip, bulletText=f"{number}."))
    return block


def _notice_block(page: HandoutPage, layout: Layout, size: float) -> Block:
    """The warning box and the hotline line."""
    labels = LABELS.get(page.language, LABELS["en"])
    body = base_style(page, size, layout.leading)
    block = Block()
    if page.never_ask:
        label = ParagraphStyle(
            "never-label",
            parent=body,
            fontSize=size * 1.15,
            leading=size * 1.15 * 1.3,
            textColor=BRAND,
        )
        block.add(
            0,
            WarningBox(
                HandoutParagraph(markup(labels["never"]), label),
                HandoutParagraph(markup(page.never_ask), body),
                padding=size * 0.8,
            ),
        )
    if page.hotline_note:
        hotline = ParagraphStyle(
            "hotline", parent=body, fontSize=size * 1.1, leading=size * 1.1 * layout.leading
        )
        block.add(
            size * 0.9,
            HandoutParagraph(
                f'<font color="#9b1c1c">{markup(labels["hotline"])}</font>  '
                f"{markup(page.hotline_note)}",
                hotline,
            ),
        )
    return block


@dataclass
class Composition:
    """The fitted text of one page: blocks, body size and the space left to share out."""

    size: float
    top: Block
    bottom: Block
    spare: float
    scale: float = 1.0


def _compose(
    sizes: list[float],
    build: Callable[[float], tuple[Block, Block]],
    width: float,
    height: float,
    min_gap: Callable[[float], float],
) -> Composition:
    """Return the largest body size at which both blocks fit ``height`` with ``min_gap``."""
    for size in sizes:
        top, bottom = build(size)
        spare = height - top.height(width) - bottom.height(width) - min_gap(size)
        if spare >= 0:
            return Composition(size, top, bottom, spare)
    # Even the smallest size overflows (over-long text): shrink the whole page to fit.
    size = sizes[-1]
    top, bottom = build(size)

    def needed(scale: float) -> float:
        # Scaled down, the text is set in a wider frame, so it rewraps into fewer lines.
        wide = width / scale
        return top.height(wide) + bottom.height(wide) + min_gap(size)

    fits, overflows = height / needed(1.0), 1.0
    for _ in range(10):
        middle = (fits + overflows) / 2
        if needed(middle) * middle <= height:
            fits = middle
        else:
            overflows = middle
    return Composition(size, top, bottom, 0.0, scale=fits)


def body_size_for(page: HandoutPage, layout: PrintLayout) -> float:
    """The body type size ``page`` prints at in ``layout`` (after any shrinking to fit)."""
    register_fonts()
    spec = LAYOUT_SPECS[layout]
    return min(c.size * c.scale for c in page_compositions(page, spec))


def page_compositions(page: HandoutPage, layout: Layout) -> list[Composition]:
    """The fitted text of each page of one copy."""
    text_width = layout.copy_size[0] - 2 * layout.margin
    content_top, content_bottom = text_area(layout, front=True)

    if layout.pages_per_copy == 1:

        def build(size: float) -> tuple[Block, Block]:
            top = Block()
            top.add(0, _title(page, layout, text_width))
            if page.lead:
                lead = ParagraphStyle(
                    "lead", parent=base_style(page, size, layout.leading), textColor=MUTED
                )
                top.add(size * 0.6, HandoutParagraph(markup(page.lead), lead))
            tips = _tips_block(page, layout, size, size * 1.25)
            for index, (gap, flowable) in enumerate(tips.items):
                top.add(size * 1.1 if index == 0 else gap, flowable)
            return top, _notice_block(page, layout, size)

        available = content_top - content_bottom
        return [_compose(layout.body_sizes, build, text_width, available, lambda s: s * 1.6)]

    # Two pages: the front carries the title, lead, warning box, hotlines and the code.
    def build_front(size: float) -> tuple[Block, Block]:
        top = Block()
        top.add(0, _title(page, layout, text_width))
        if page.lead:
            top.add(size * 0.7, HandoutParagraph(markup(page.lead), base_style(page, size, 1.45)))
        if page.tips:
            labels = LABELS.get(page.language, LABELS["en"])
            turn = ParagraphStyle(
                "turn", parent=base_style(page, size * 0.85, 1.3), textColor=BRAND
            )
            top.add(size * 0.8, HandoutParagraph(markup(labels["turn"]) + " \u2192", turn))
        return top, _notice_block(page, layout, size)

    def build_back(size: float) -> tuple[Block, Block]:
        return _tips_block(page, layout, size, size * 1.3), Block()

    front = _compose(
        layout.body_sizes,
        build_front,
        text_width,
        content_top - content_bottom,
        lambda s: s * 1.6,
    )
    back_top, back_bottom = text_area(layout, front=False)
    back = _compose(layout.body_sizes, build_back, text_width, back_top - back_bottom, lambda s: 0)
    return [front, back]


def text_area(layout: Layout, front: bool) -> tuple[float, float]:
    """The top and bottom y of the text between the band and the footer of a copy's front
    page (with the code) or back page (large print)."""
    height, m = layout.copy_size[1], layout.margin
    if front:
        top = height - m - layout.header_height - layout.gap * 1.8
        return top, m + footer_height(layout) + layout.gap * 1.6
    top = height - m - layout.header_height * BACK_BAND_FACTOR - layout.gap * 2
    return top, m + layout.small_size * 2.5


def footer_height(layout: Layout) -> float:
    """Return the height reserved at the bottom of a copy for the QR code and its captions."""
    return layout.qr_size + layout.small_size * 3.2 + layout.gap
