"""Line breaking for Chinese text (kinsoku): where a handout paragraph may break a line.

No line starts with a closing punctuation mark such as "，" or "”", none ends with an opening
one, Latin words and numbers such as "App" or "96110" are not split, and no paragraph ends with
a line of one or two characters. ``HandoutParagraph`` is a reportlab Paragraph that breaks its
CJK lines this way.

Why not reportlab's own ``wordWrap="CJK"``: its tables (``reportlab.lib.textsplit``) are
Japanese ones without the Chinese full-width "，", "；", "：", "？", "！", "”" or "》" among the
marks that may not start a line, it looks at marks that may not end a line only in a helper it
leaves unfinished (``kinsokuShoriSplit``), and it splits Latin words when the break falls in
one. tests/test_handout_kinsoku.py shows all three on a handout's sentence at widths from 60 to
400 points, and none with ``HandoutParagraph``. The price is reportlab internals used below
(``_handleBulletWidth``, ``cjkU``, ``makeCJKParaLine``, ``ParaLines``, ``rl_config._FUZZ``):
pyproject.toml pins the reportlab versions they were read against.
"""

from __future__ import annotations

from reportlab import rl_config
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import (
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)

# Line-breaking rules for Chinese text: what may not start or end a line.
CANNOT_START_LINE = frozenset("，。、；：？！）》」』】〕〉〗”’…—·～%,.;:?!)]}")
CANNOT_END_LINE = frozenset("（《「『【〔〈〖“‘([{")
MIN_LAST_LINE = 3  # characters: no paragraph ends with a line of one or two


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
