"""The handout fonts: which font prints each character, and text made safe for reportlab.

WenQuanYi Micro Hei (TrueType, subset and embedded) prints everything it has; characters it
lacks go to DejaVu Sans when that covers them (e.g. many emoji and symbols), then to the rare
fonts below if installed; characters none covers (e.g. the rare CJK character U+20BB7 without
HanaMin) print as a visible "□" rather than an invisible box. All user text is escaped before
it reaches Paragraph markup (CVE-2023-33733 class bugs).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "HandoutSans"
FALLBACK_FONT_NAME = "HandoutFallback"
REPLACEMENT_CHAR = "\u25a1"  # □, present in the main font
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


def clean_text(text: str) -> str:
    """Drop control and format characters (bidi overrides, zero-width) from user text."""
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def font_runs(text: str, one_line: bool = True) -> list[tuple[str, str]]:
    """``text`` as (font name, characters) runs, each in the first font that has them;
    characters no font has become □. ``one_line`` turns line breaks into spaces."""
    register_fonts()
    source = clean_text(text)
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
    for font, chunk in font_runs(text, one_line=False):
        chunk = escape(chunk).replace("\n", "<br/>")
        parts.append(chunk if font == FONT_NAME else f'<font name="{font}">{chunk}</font>')
    return "".join(parts)


def plain(text: str) -> str:
    """Return text safe for drawString with the main font (unknown glyphs replaced)."""
    register_fonts()
    return "".join(
        ch if ord(ch) in _main_cmap else REPLACEMENT_CHAR
        for ch in clean_text(text).replace("\n", " ")
    )


def line_width(text: str, size: float) -> float:
    """The width of ``text`` set on one line at ``size``, each run in its own font."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in font_runs(text))
