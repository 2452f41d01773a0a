"""Chinese line breaking: why handouts break lines themselves rather than with reportlab's own
``wordWrap="CJK"``, which lets "，", "？" or "”" start a line, "“" end one, and splits "App"."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from outreach_app.handouts.fonts import FONT_NAME, markup, register_fonts
from outreach_app.handouts.kinsoku import CANNOT_END_LINE, CANNOT_START_LINE, HandoutParagraph

TEXT = (
    "接到自称电商或快递客服的电话，说您的商品有问题要给您退款或理赔？先挂断，再通过官方App"
    "或官方电话“核实”。任何要求“先转账、再退款”的说法都是诈骗，拨打96110咨询。"
)
# An emoji in the fallback font makes several fragments: reportlab then takes its other path.
TEXTS = {"one font": TEXT, "two fonts": TEXT.replace("诈骗", "诈骗😀")}
WIDTHS = range(60, 400)  # points: from a narrow column to a wide A4 one, at 10 pt
WORD = re.compile(r"[A-Za-z0-9]")


def _lines(paragraph_class: type[Paragraph], text: str, width: float) -> list[str]:
    """The text of each line ``paragraph_class`` breaks ``text`` into at ``width``."""
    register_fonts()
    style = ParagraphStyle("t", fontName=FONT_NAME, fontSize=10, leading=14, wordWrap="CJK")
    paragraph = paragraph_class(markup(text), style)
    paragraph.wrap(width, 10_000)
    lines = []
    for line in paragraph.blPara.lines:
        if isinstance(line, tuple | list):  # one fragment: (extra space, text or words)
            words = line[1]
            lines.append(words if isinstance(words, str) else "".join(words))
        else:
            lines.append("".join(word.text for word in line.words))
    return lines


def _faults(lines: list[str]) -> Counter[str]:
    """How often lines break against the rules: a line starting with a closing mark, ending
    with an opening one, or a Latin word or number split over two lines."""
    faults: Counter[str] = Counter()
    for line, following in zip(lines, lines[1:], strict=False):
        if following[:1] in CANNOT_START_LINE:
            faults["starts with a closing mark"] += 1
        if line[-1:] in CANNOT_END_LINE:
            faults["ends with an opening mark"] += 1
        if WORD.match(line[-1:]) and WORD.match(following[:1]):
            faults["splits a word"] += 1
    return faults


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_handout_lines_follow_the_rules_where_reportlabs_do_not(text: str) -> None:
    ours: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    for width in WIDTHS:
        lines = _lines(HandoutParagraph, text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), width  # nothing lost
        ours += _faults(lines)
        theirs += _faults(_lines(Paragraph, text, width))
    assert not ours
    # reportlab's own CJK wrapping breaks every one of the rules at some of these widths; if a
    # new version stops doing so, handouts could use it instead (see handouts/kinsoku.py).
    assert set(theirs) == {
        "starts with a closing mark",
        "ends with an opening mark",
        "splits a word",
    }


def test_no_paragraph_ends_with_a_line_of_one_or_two_characters() -> None:
    for width in WIDTHS:
        lines = _lines(HandoutParagraph, TEXT, width)
        if len(lines) > 1:
            assert len(lines[-1]) >= 3, (width, lines)
