"""Render print runs of handouts to multi-page PDFs with reportlab.

Everything a copy shares with the others (header, text, boxes, footer labels) is drawn once into
a PDF form XObject and reused on every page; per copy only the QR path, token, URL and serial are
drawn. All user text is escaped before it reaches Paragraph markup (CVE-2023-33733 class bugs).

Composition: the body type size is fitted to the text, within each layout's range, so short and
long handouts both fill the page; what space is left widens the gaps between the tips (up to a
limit) and then separates the tips from the warning box, which sits just above the footer.
Large print never goes below its minimum size: it prints two pages per copy (front: title,
lead, warning box, hotlines and the QR code; back: the tips), meant for double-sided printing.

Chinese lines are broken with the usual rules (kinsoku): no line starts with a closing
punctuation mark such as "，" or "”", none ends with an opening one, and Latin words and
numbers such as "App" or "96110" are not split.

Fonts: WenQuanYi Micro Hei (TrueType, subset and embedded) for everything; characters it lacks
go to DejaVu Sans when that covers them (e.g. many emoji and symbols); characters neither covers
(e.g. the rare CJK character U+20BB7) print as a visible "□" rather than an invisible box.
"""

from __future__ import annotations

import io
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
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
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph
from reportlab.platypus.paragraph import (
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)

from outreach_app.handouts.qr import draw_qr
from outreach_app.handouts.tokens import format_for_print, make_token

FONT_NAME = "HandoutSans"
FALLBACK_FONT_NAME = "HandoutFallback"
REPLACEMENT_CHAR = "\u25a1"  # □, present in the main font
# Large print promises body text of at least this size (points); longer texts are refused.
LARGE_PRINT_MIN_BODY = 18
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
# Fonts for what neither of those has, installed by the setup from Debian (too large to ship),
# tried in this order and read only when a text needs them: Symbola (emoji and symbols) and
# HanaMin A and B (rare Chinese characters: CJK extension A, compatibility ideographs, and the
# supplementary planes, e.g. 𠮷). Without them such characters print as □.
RARE_FONTS = (
    ("HandoutSymbols", Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")),
    ("HandoutRareHanA", Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")),
    ("HandoutRareHanB", Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")),
)

LAYOUTS = ("a4", "a5x2", "large")

# Line-breaking rules for Chinese text: what may not start or end a line.
CANNOT_START_LINE = frozenset("，。、；：？！）》」』】〕〉〗”’…—·～%,.;:?!)]}")
CANNOT_END_LINE = frozenset("（《「『【〔〈〖“‘([{")
MIN_LAST_LINE = 3  # characters: no paragraph ends with a line of one or two
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
    max_body_size: float = field(default=0.0)
    pages_per_copy: int = field(default=1)

    @property
    def body_sizes(self) -> list[float]:
        """The body sizes to try, largest first, in half-point steps."""
        top = max(self.max_body_size, self.body_size)
        steps = round((top - self.body_size) * 2)
        return [top - step / 2 for step in range(steps + 1)]


LAYOUT_SPECS: dict[str, Layout] = {
    "a4": Layout(
        "a4",
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
    "a5x2": Layout(
        "a5x2",
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
    "large": Layout(
        "large",
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

_fonts_ready = False
_main_cmap: dict[int, int] = {}
_fallback_cmap: dict[int, int] = {}
# The rare fonts' character maps, by font name, once read (None: not installed).
_rare_cmaps: dict[str, dict[int, int] | None] = {}


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


def _rare_cmap(name: str, path: Path) -> dict[int, int] | None:
    """The character map of a rare font, registering it the first time; None if missing."""
    if name not in _rare_cmaps:
        cmap = None
        if path.is_file():
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            cmap = font.face.charToGlyph
        _rare_cmaps[name] = cmap
    return _rare_cmaps[name]


def font_for(code: int) -> str | None:
    """The name of the first font that has the character ``code``; None when none has it."""
    register_fonts()
    if code in _main_cmap:
        return FONT_NAME
    if code in _fallback_cmap:
        return FALLBACK_FONT_NAME
    for name, path in RARE_FONTS:
        cmap = _rare_cmap(name, path)
        if cmap is not None and code in cmap:
            return name
    return None


def _clean(text: str) -> str:
    """Drop control and format characters (bidi overrides, zero-width) from user text."""
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def _font_runs(text: str, one_line: bool = True) -> list[tuple[str, str]]:
    """``text`` as (font name, characters) runs, each in the first font that has them;
    characters no font has become □. ``one_line`` turns line breaks into spaces."""
    register_fonts()
    source = _clean(text)
    if one_line:
        source = source.replace("\n", " ")
    runs: list[tuple[str, list[str]]] = []
    for ch in source:
        font = FONT_NAME if ch in " \n" or ord(ch) in _main_cmap else font_for(ord(ch))
        if font is None:
            ch, font = REPLACEMENT_CHAR, FONT_NAME
        if runs and runs[-1][0] == font:
            runs[-1][1].append(ch)
        else:
            runs.append((font, [ch]))
    return [(font, "".join(chars)) for font, chars in runs]


def markup(text: str) -> str:
    """Return reportlab Paragraph markup that prints `text` literally, with font fallback."""
    parts = []
    for font, chunk in _font_runs(text, one_line=False):
        chunk = escape(chunk).replace("\n", "<br/>")
        parts.append(chunk if font == FONT_NAME else f'<font name="{font}">{chunk}</font>')
    return "".join(parts)


def _plain(text: str) -> str:
    """Return text safe for drawString with the main font (unknown glyphs replaced)."""
    register_fonts()
    return "".join(
        ch if ord(ch) in _main_cmap else REPLACEMENT_CHAR for ch in _clean(text).replace("\n", " ")
    )


# Line breaking -----------------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    """True for letters and digits of alphabetic scripts, which must stay together in a word."""
    return ord(ch) < 0x2E80 and ch.isalnum()


def _may_break_before(units: list[str], index: int) -> bool:
    """True when a line may start at ``units[index]`` (the character before it ends the last)."""
    here, before = units[index], units[index - 1]
    if here in CANNOT_START_LINE or before in CANNOT_END_LINE:
        return False
    return not (_is_word_char(here) and _is_word_char(before))


def _avoid_short_last_line(units: list[str], start: int, end: int) -> int:
    """Move a break back so the paragraph's last line carries at least three characters."""
    tail = units[end:]
    if not 0 < len(tail) < MIN_LAST_LINE or any(not u for u in tail):
        return end
    candidate = end - (MIN_LAST_LINE - len(tail))
    while candidate > start + MIN_LAST_LINE and not _may_break_before(units, candidate):
        candidate -= 1
    return candidate if candidate > start + MIN_LAST_LINE else end


def kinsoku_lines(frags: list, max_widths: list[float], calc_bounds: bool) -> ParaLines:
    """Break paragraph fragments into lines by character, following the kinsoku rules.

    Like reportlab's ``cjkFragSplit`` (which lets "，" or "”" start a line), but a break that
    would put a closing mark at the start of a line or an opening mark at its end, or split a
    Latin word or a number, moves back to the nearest allowed place on the same line.
    """
    units: list[cjkU] = []
    for frag in frags:
        text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
        if text:
            units.extend(cjkU(ch, frag, "utf8") for ch in text)
        else:
            units.append(cjkU(text, frag, "utf8"))
    lines = []
    start = index = 0
    used = 0.0
    count = len(units)

    def max_width() -> float:
        return max_widths[min(len(lines), len(max_widths) - 1)]

    def close(end: int, line_break: bool) -> None:
        width = sum(u.width for u in units[start:end])
        lines.append(
            makeCJKParaLine(
                units[start:end], max_width(), width, max_width() - width, line_break, calc_bounds
            )
        )

    while index < count:
        unit = units[index]
        if hasattr(unit.frag, "lineBreak"):
            close(index + 1, True)
            index += 1
            start, used = index, 0.0
            continue
        if used + unit.width > max_width() + rl_config._FUZZ and index > start:
            end = index
            while end > start + 1 and not _may_break_before(units, end):
                end -= 1
            if end == start + 1 and not _may_break_before(units, end):
                end = index  # nowhere better on this line: break where it overflows
            end = _avoid_short_last_line(units, start, end)
            close(end, False)
            while end < count and units[end] == " ":
                end += 1  # a space that ends a line is not carried to the next
            index = start = end
            used = 0.0
            continue
        used += unit.width
        index += 1
    if start < count:
        close(count, False)
    return ParaLines(kind=1, lines=lines)


class HandoutParagraph(Paragraph):
    """A Paragraph whose CJK line breaking follows the kinsoku rules (see ``kinsoku_lines``)."""

    def breakLinesCJK(self, maxWidths):  # noqa: N802, N803 - reportlab's names
        """Break the paragraph into lines for ``wordWrap="CJK"`` styles."""
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        self.height = 0
        _handleBulletWidth(self.bulletText, self.style, maxWidths)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara
        auto_leading = getattr(self, "autoLeading", getattr(self.style, "autoLeading", ""))
        return kinsoku_lines(self.frags, list(maxWidths), auto_leading not in ("", "off"))


# Styles and blocks -------------------------------------------------------------------------------


def _base_style(page: HandoutPage, size: float, leading: float) -> ParagraphStyle:
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
    one_line = _line_width(page.title, size)
    if width < one_line <= width / TITLE_MIN_SCALE:
        size *= width / one_line * 0.99
    style = ParagraphStyle("title", parent=_base_style(page, size, 1.22), textColor=BRAND)
    return HandoutParagraph(markup(page.title), style)


def _tips_block(page: HandoutPage, layout: Layout, size: float, heading_size: float) -> Block:
    """The "stay safe" heading and the numbered tips."""
    labels = LABELS.get(page.language, LABELS["en"])
    body = _base_style(page, size, layout.leading)
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
    body = _base_style(page, size, layout.leading)
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


def body_size_for(page: HandoutPage, layout: str) -> float:
    """The body type size ``page`` prints at in ``layout`` (after any shrinking to fit)."""
    register_fonts()
    spec = LAYOUT_SPECS[layout]
    return min(c.size * c.scale for c in _page_compositions(page, spec))


def _page_compositions(page: HandoutPage, layout: Layout) -> list[Composition]:
    """The fitted text of each page of one copy."""
    text_width = layout.copy_size[0] - 2 * layout.margin
    content_top, content_bottom = _text_area(layout, front=True)

    if layout.pages_per_copy == 1:

        def build(size: float) -> tuple[Block, Block]:
            top = Block()
            top.add(0, _title(page, layout, text_width))
            if page.lead:
                lead = ParagraphStyle(
                    "lead", parent=_base_style(page, size, layout.leading), textColor=MUTED
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
            top.add(size * 0.7, HandoutParagraph(markup(page.lead), _base_style(page, size, 1.45)))
        if page.tips:
            labels = LABELS.get(page.language, LABELS["en"])
            turn = ParagraphStyle(
                "turn", parent=_base_style(page, size * 0.85, 1.3), textColor=BRAND
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
    back_top, back_bottom = _text_area(layout, front=False)
    back = _compose(layout.body_sizes, build_back, text_width, back_top - back_bottom, lambda s: 0)
    return [front, back]


# Drawing ----------------------------------------------------------------------------------------


def _text_area(layout: Layout, front: bool) -> tuple[float, float]:
    """The top and bottom y of the text between the band and the footer of a copy's front
    page (with the code) or back page (large print)."""
    height, m = layout.copy_size[1], layout.margin
    if front:
        top = height - m - layout.header_height - layout.gap * 1.8
        return top, m + _footer_height(layout) + layout.gap * 1.6
    top = height - m - layout.header_height * BACK_BAND_FACTOR - layout.gap * 2
    return top, m + layout.small_size * 2.5


def _footer_height(layout: Layout) -> float:
    """Return the height reserved at the bottom of a copy for the QR code and its captions."""
    return layout.qr_size + layout.small_size * 3.2 + layout.gap


def _line_width(text: str, size: float) -> float:
    """The width of ``text`` drawn by ``_draw_line`` at ``size``."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in _font_runs(text))


def _draw_line(
    canvas: Canvas, x: float, y: float, text: str, size: float, right: bool = False
) -> None:
    """Draw ``text`` on one line from ``x`` (or ending at ``x`` when ``right``), each run of
    characters in the first font that has them."""
    runs = _font_runs(text)
    if right:
        x -= sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)
    for font, chunk in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)


def _fitted_font_size(text: str, size: float, max_width: float) -> float:
    """``size``, reduced if need be so that ``text`` fits on one line of ``max_width``."""
    width = _line_width(text, size)
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
    tagline = _plain(labels["tagline"])
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
    footer_top = m + _footer_height(layout)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.line(m, footer_top, width - m, footer_top)
    qr_x = width - m - layout.qr_size
    qr_top = footer_top - layout.gap * 0.6
    caption_size = layout.small_size * 1.2
    caption_lines = [_plain(line) for line in labels["scan"].split("\n")]
    caption_w = min(
        max(pdfmetrics.stringWidth(line, FONT_NAME, caption_size) for line in caption_lines) + 2,
        (qr_x - m) * 0.45,
    )
    info_width = qr_x - m - caption_w - layout.gap * 1.5
    details = [
        (labels["event"], page.event_title),
        (labels["partner"], page.partner_name),
        (labels["date"], page.event_date),
    ]
    info_style = ParagraphStyle(
        "info",
        parent=_base_style(page, layout.small_size * 1.15, 1.35),
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
    # Event details beside the code, clear of the token and URL printed under it.
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

    # The caption beside the code, with an arrow pointing at it.
    caption_style = ParagraphStyle(
        "scan",
        parent=_base_style(page, caption_size, 1.3),
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
    _draw_composition(canvas, comp, layout, *_text_area(layout, front=True))
    _draw_footer(canvas, page, layout)


def _draw_back(canvas: Canvas, page: HandoutPage, layout: Layout, comp: Composition) -> None:
    """Draw the shared part of a copy's second page (large print): the tips."""
    width, _ = layout.copy_size
    m = layout.margin
    _draw_band(canvas, page, layout, height_factor=BACK_BAND_FACTOR)
    _draw_composition(canvas, comp, layout, *_text_area(layout, front=False))
    labels = LABELS.get(page.language, LABELS["en"])
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.line(m, m + layout.small_size * 1.8, width - m, m + layout.small_size * 1.8)
    # The title, right-aligned, so that a loose back page still says what it belongs to.
    canvas.setFillColor(MUTED)
    serial_note = f"{labels['serial']} 00000  ·  " + labels["page"].format(n=2, total=2)
    used = pdfmetrics.stringWidth(_plain(serial_note), FONT_NAME, layout.small_size)
    room = width - 2 * m - used - layout.gap * 2
    size = _fitted_font_size(page.title, layout.small_size, room)
    _draw_line(canvas, width - m, m, page.title, size, right=True)


def _draw_copy(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw one copy's QR code, token, URL and serial in copy coordinates."""
    width, _ = layout.copy_size
    m = layout.margin
    footer_top = m + _footer_height(layout)
    qr_x = width - m - layout.qr_size
    qr_y = footer_top - layout.gap * 0.6 - layout.qr_size
    draw_qr(canvas, code.url, qr_x, qr_y, layout.qr_size)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    right = width - m
    canvas.drawRightString(right, qr_y - layout.small_size * 0.9, _plain(code.printed_token))
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, max(layout.small_size * 0.85, 7))
    canvas.drawRightString(right, qr_y - layout.small_size * 2.1, _plain(code.url))
    _draw_serial(canvas, code, layout, language)


def _draw_serial(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw the copy's serial number in the lower left corner."""
    labels = LABELS.get(language, LABELS["en"])
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size * 1.1)
    text = f"{_plain(labels['serial'])} {code.serial:05d}"
    if layout.pages_per_copy > 1:
        text += "  ·  " + _plain(labels["page"].format(n=1, total=layout.pages_per_copy))
    canvas.drawString(layout.margin, layout.margin, text)


def _draw_back_serial(canvas: Canvas, code: CopyCode, layout: Layout, language: str) -> None:
    """Draw the serial and page number on a copy's second page."""
    labels = LABELS.get(language, LABELS["en"])
    canvas.setFillColor(BRAND)
    canvas.setFont(FONT_NAME, layout.small_size)
    text = f"{_plain(labels['serial'])} {code.serial:05d}  ·  "
    text += _plain(labels["page"].format(n=2, total=layout.pages_per_copy))
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
    stream: BinaryIO, page: HandoutPage, codes: Iterable[CopyCode], layout: str = "a4"
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
    canvas.setTitle(_clean(page.title).replace("\n", " ")[:200])
    canvas.setAuthor(_clean(page.bank_name).replace("\n", " ")[:200])
    compositions = _page_compositions(page, spec)
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


def sample_page(language: str = "zh_CN") -> HandoutPage:
    """Return a realistic handout used by the benchmark and previews."""
    return HandoutPage(
        title="警惕冒充客服退款诈骗",
        lead="接到自称电商或快递客服的电话，说您的商品有问题要给您退款或理赔？先挂断，"
        "再通过官方App或官方电话核实。",
        tips=[
            "正规退款直接原路退回，不需要您下载任何会议软件或共享屏幕。",
            "不点短信或聊天中陌生人发来的链接，只扫工作人员当面发放的材料上的二维码。",
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
