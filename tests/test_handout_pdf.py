"""Tests for handout tokens, QR drawing and PDF rendering (no database)."""

from __future__ import annotations

import dataclasses
import random
import shutil
import string
import subprocess
from pathlib import Path

import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image

from bench.handout_pdf import render_benchmark, sample_page
from outreach_app.handouts import fonts as handout_fonts
from outreach_app.handouts.fonts import markup
from outreach_app.handouts.layout import LAYOUT_SPECS, CopyCode
from outreach_app.handouts.pdf import render_handouts
from outreach_app.handouts.qr import (
    ALPHANUMERIC,
    FIXED_MASK_PATTERN,
    alphanumeric_codewords,
    qr_matrix,
    qr_url,
)
from outreach_app.handouts.tokens import (
    MAC_BYTES,
    RUN_ID_BYTES,
    TOKEN_CHARS,
    TokenData,
    format_for_print,
    make_token,
    read_token,
)

SECRET = "test-secret-key"
BASE = "https://outreach.example-bank.cn/s/"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "handouts"
INJECTIONS = [
    '<font color="[[[...]]]">',
    "<img src=/etc/passwd>",
    "<b><i>unbalanced",
    "Tom & Jerry &amp;",
]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils not installed"
)


# Tokens


def test_token_round_trip() -> None:
    run_id = random.getrandbits(64)
    for serial in (0, 1, 4999, 5000, 65535):
        token = make_token(SECRET, run_id, serial)
        assert len(token) == TOKEN_CHARS == 42
        assert set(token) <= set(string.ascii_uppercase + "234567")
        assert read_token(SECRET, token) == TokenData(run_id, serial)


def test_token_entropy_facts() -> None:
    # >= 128 bits unforgeable even for someone who knows the run id from a printed copy.
    assert MAC_BYTES * 8 >= 128
    assert RUN_ID_BYTES * 8 == 64
    token = make_token(SECRET, 1, 1)
    assert len(format_for_print(token)) <= 64


def test_token_typed_forms_accepted() -> None:
    token = make_token(SECRET, 123456789, 42)
    printed = format_for_print(token)
    assert printed.count("-") == 6
    for typed in (printed, printed.lower(), " ".join(printed.split("-")), token.lower()):
        assert read_token(SECRET, typed) == TokenData(123456789, 42)
    # Digits people type for look-alike letters.
    confusable = token.replace("O", "0").replace("I", "1").replace("B", "8")
    assert read_token(SECRET, confusable) == TokenData(123456789, 42)


def test_token_tampered_every_position() -> None:
    token = make_token(SECRET, 987654321, 7)
    for index, char in enumerate(token):
        replacement = "A" if char != "A" else "B"
        tampered = token[:index] + replacement + token[index + 1 :]
        assert read_token(SECRET, tampered) is None


def test_token_other_secret_refused() -> None:
    token = make_token(SECRET, 5, 5)
    assert read_token("another-secret", token) is None
    assert read_token(SECRET.encode(), token) == TokenData(5, 5)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "A",
        "A" * 41,
        "A" * 43,
        "A" * 65,
        "x" * 10_000,
        "!" * 42,
        "ÄÄÄ",
        "\x00" * 42,
        "' OR 1=1--",
        "\u202e" + "A" * 42,
    ],
)
def test_token_malformed_refused(bad: str) -> None:
    assert read_token(SECRET, bad) is None


def test_random_tokens_refused() -> None:
    rng = random.Random(4)
    alphabet = string.ascii_uppercase + "234567"
    for _ in range(2000):
        assert read_token(SECRET, "".join(rng.choices(alphabet, k=42))) is None
        assert read_token(SECRET, "".join(rng.choices(alphabet, k=32))) is None


def test_long_input_refused() -> None:
    # Refused by its length before any decoding; `make bench` times it (token_read_10kb_us).
    assert read_token(SECRET, "A" * 10_000) is None
    assert read_token(SECRET, make_token(SECRET, 77, 3) + "A" * 10_000) is None


def test_non_canonical_pad_bits_refused() -> None:
    token = make_token(SECRET, 77, 3)
    # The last character carries 2 pad bits; flipping them must not give a second valid spelling.
    alphabet = string.ascii_uppercase + "234567"
    last = alphabet.index(token[-1])
    variants = [token[:-1] + alphabet[last ^ bit] for bit in (1, 2, 3)]
    assert all(read_token(SECRET, v) is None for v in variants)


def test_make_token_range_checked() -> None:
    with pytest.raises(ValueError):
        make_token(SECRET, -1, 1)
    with pytest.raises(ValueError):
        make_token(SECRET, 2**64, 1)
    with pytest.raises(ValueError):
        make_token(SECRET, 1, 70_000)
    with pytest.raises(ValueError):
        make_token("", 1, 1)


# QR encoding


@pytest.mark.parametrize("error_correction", [0, 1, 2, 3])  # M, L, H, Q in qrcode's numbering
def test_fast_qr_encoding_matches_qrcode(error_correction: int) -> None:
    rng = random.Random(error_correction)
    for length in [*range(1, 140), 400, 1200]:
        text = "".join(rng.choices(ALPHANUMERIC, k=length))
        segment = qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM)
        reference = qrcode.QRCode(
            error_correction=error_correction, border=0, mask_pattern=FIXED_MASK_PATTERN
        )
        reference.add_data(segment)
        reference.make(fit=True)
        version = reference.version
        expected = qrcode.util.create_data(version, error_correction, [segment])
        assert alphanumeric_codewords(text, version, error_correction) == expected, length
        assert qr_matrix(text, error_correction) == reference.modules, length


def test_qr_url_uppercases_only_where_case_does_not_matter() -> None:
    token = make_token(SECRET, 77, 3)
    assert qr_url(f"https://fanzha.bank.example/s/{token}") == (
        f"HTTPS://FANZHA.BANK.EXAMPLE/S/{token}"
    )
    # A base URL with a path keeps it as it is: paths are case-sensitive on the server.
    assert qr_url(f"https://bank.example/outreach/s/{token}") == (
        f"HTTPS://BANK.EXAMPLE/outreach/S/{token}"
    )
    matrix = qr_matrix(qr_url(f"https://bank.example/outreach/s/{token}"))
    size = len(matrix) + 8
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + 4, y + 4), 0)
    image = image.resize((size * 8, size * 8), Image.NEAREST)
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == f"HTTPS://BANK.EXAMPLE/outreach/S/{token}"


def test_non_alphanumeric_urls_still_encode() -> None:
    reference = qrcode.QRCode(border=0, mask_pattern=FIXED_MASK_PATTERN)
    reference.add_data("https://x.cn/s/abc?q=1", optimize=0)
    reference.make(fit=True)
    assert qr_matrix("https://x.cn/s/abc?q=1") == reference.modules


# Markup escaping


def test_markup_escapes_and_falls_back() -> None:
    text = '<font color="[[[...]]]"> & <img src=/etc/passwd> 𠮷 😀 \u202e'
    result = markup(text)
    assert "<img" not in result
    assert '<font color="' not in result
    assert "&amp;" in result and "&lt;img" in result
    assert "\u202e" not in result
    # Each character in the first font that has it (the setup installs the rare ones).
    assert '<font name="HandoutRareHanA">𠮷</font>' in result
    assert f'<font name="{handout_fonts.FALLBACK_FONT_NAME}">😀</font>' in result
    assert handout_fonts.REPLACEMENT_CHAR not in result
    assert '<font name="HandoutSymbols">🙂</font>' in markup("🙂")
    # A character no font has (a private-use one) shows as a visible box, not as nothing.
    assert markup("a\ue000b") == f"a{handout_fonts.REPLACEMENT_CHAR}b"


# PDFs


def _codes(run_id: int, count: int) -> list[CopyCode]:
    """Return `count` copy codes of one run."""
    codes = []
    for serial in range(1, count + 1):
        token = make_token(SECRET, run_id, serial)
        codes.append(CopyCode(serial, BASE + token, format_for_print(token)))
    return codes


def _hostile_page(language: str = "zh_CN"):
    """Return the sample page with injection strings, rare characters and emoji in its text."""
    page = sample_page(language)
    return dataclasses.replace(
        page,
        title="警惕冒充客服退款诈骗 " + INJECTIONS[0],
        lead=page.lead + " " + INJECTIONS[1] + " 𠮷 😀",
        tips=[*page.tips[:3], INJECTIONS[2], INJECTIONS[3]],
        partner_name="吉祥社区 <b>& 𠮷野家",
    )


def _rasterize(pdf_path: Path, out_dir: Path) -> list[Path]:
    """Render every page of a PDF to PNG at 150 dpi; return the files in page order."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(pdf_path), str(out_dir / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(out_dir.glob("page-*.png"))


@needs_poppler
@pytest.mark.parametrize("layout", ["a4", "a5x2", "large"])
def test_pdf_qr_codes_decode_to_own_copy(layout: str, tmp_path: Path) -> None:
    run_id = random.getrandbits(64)
    count = 3
    codes = _codes(run_id, count)
    pdf_path = tmp_path / f"{layout}.pdf"
    with pdf_path.open("wb") as stream:
        pages = render_handouts(stream, _hostile_page(), codes, layout)
    spec = LAYOUT_SPECS[layout]
    per_page = spec.copies_per_page
    assert pages == -(-count // per_page) * spec.pages_per_copy

    pngs = _rasterize(pdf_path, tmp_path)
    assert len(pngs) == pages
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pngs[0], ARTIFACTS / f"{layout}-page1.png")

    seen: list[str] = []
    for page_index, png in enumerate(pngs):
        with Image.open(png) as image:
            results = zxingcpp.read_barcodes(image)
        texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
        if page_index % spec.pages_per_copy:
            assert texts == []  # the back of a large-print copy: tips only
            continue
        sheet = page_index // spec.pages_per_copy
        expected_here = codes[sheet * per_page : (sheet + 1) * per_page]
        assert len(texts) == len(expected_here)
        assert len(set(texts)) == len(texts)
        # Sort left to right so each code sits on its own copy.
        ordered = [r.text for r in sorted(results, key=lambda r: r.position.top_left.x)]
        for text, code in zip(ordered, expected_here, strict=True):
            assert text == code.url.upper()
            token = text.rsplit("/", 1)[1]
            assert read_token(SECRET, token) == TokenData(run_id, code.serial)
        seen.extend(texts)
    assert len(set(seen)) == count


@needs_poppler
@pytest.mark.parametrize("layout", ["a4", "a5x2", "large"])
def test_pdf_text_fonts_and_escaping(layout: str, tmp_path: Path) -> None:
    pdf_path = tmp_path / "run.pdf"
    codes = _codes(42, 2)
    with pdf_path.open("wb") as stream:
        render_handouts(stream, _hostile_page(), codes, layout)

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = "".join(text.split())  # line wrapping may split a string anywhere
    assert "警惕冒充客服退款诈骗" in text
    for injection in INJECTIONS:
        assert "".join(injection.split()) in flat, injection
    # 😀 and 𠮷 are drawn with glyphs of the embedded fallback fonts (checked in pdffonts below);
    # reportlab writes ToUnicode entries as one 16-bit unit, so pdftotext cannot extract astral
    # characters, but no character was replaced by a box.
    assert handout_fonts.REPLACEMENT_CHAR not in text
    for code in codes:
        assert code.printed_token in text
        assert code.url in text

    fonts = subprocess.run(
        ["pdffonts", str(pdf_path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts
    names = " ".join(line.split()[0] for line in fonts)
    assert "WenQuanYi" in names
    assert "DejaVu" in names  # the emoji fallback is embedded too
    assert "HanaMinA" in names  # and the rare-character one, for 𠮷
    for line in fonts:
        columns = line.split()
        # name type [type2] encoding emb sub uni object id
        assert columns[-5] == "yes", line


def test_large_print_sizes() -> None:
    large = LAYOUT_SPECS["large"]
    assert large.body_size >= 18
    assert large.leading >= 1.3
    assert large.title_size > large.body_size * 1.3
    for layout in LAYOUT_SPECS.values():
        assert layout.qr_size >= 25 * 72 / 25.4  # >= 25 mm with quiet zone


def test_same_run_renders_identically(tmp_path: Path) -> None:
    codes = _codes(9, 2)
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    for path in (first, second):
        with path.open("wb") as stream:
            render_handouts(stream, sample_page("en"), codes, "a4")
    assert first.read_bytes() == second.read_bytes()


def test_unknown_layout_refused(tmp_path: Path) -> None:
    with (tmp_path / "x.pdf").open("wb") as stream, pytest.raises(ValueError):
        render_handouts(stream, sample_page(), _codes(1, 1), "letter")


def test_benchmark_runs() -> None:
    assert render_benchmark(copies=5) > 0
