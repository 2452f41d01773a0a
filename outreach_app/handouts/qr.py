"""Draw QR codes onto a reportlab canvas as one vector path.

The URL is uppercased before encoding: ``HTTPS://HOST/S/<TOKEN>`` then uses only QR
alphanumeric characters (5.5 bits each instead of 8), which keeps the code small and robust.
Scheme and host are case-insensitive by definition, the token alphabet is uppercase, and the
public ``/s/<token>`` route matches its prefix case-insensitively, so the uppercase URL works.

Speed (a 1,000-copy run draws 1,000 codes): the mask pattern is fixed (qrcode's
``mask_pattern``) so qrcode skips its pure-Python search over eight masks; alphanumeric data is
turned into codewords here (whole integers for the bit stream, log tables for the Reed-Solomon
error correction) rather than bit by bit, and qrcode only places them in the matrix; dark
modules are merged into one rectangle per horizontal run and drawn as a single filled path.

Why the codewords are not left to a library: measured with ``python -m bench.qr_codes``
(2026-12-03, the project's 2-core machine under load; qrcode 8.2 and segno 1.6.6, both with the
same fixed mask and error level, which gives the same modules), one copy's matrix takes
0.38-0.44 ms here against 1.15-1.22 ms with qrcode alone and 1.16-1.22 ms with segno, about 3
times as fast (2.7 times when first measured), and a whole 1,000-copy A4 run prints 750-770
pages/s against 390-420 (qrcode) and 370-480 (segno). The download of a 5,000-copy run is
rendered while the user waits: about 7 s instead of 12. The codewords are tested against
``qrcode.util.create_data`` and the printed codes decoded with zxing (tests/test_handout_pdf.py),
so the saving costs no correctness; placing the modules and masking them stay qrcode's.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import qrcode
from qrcode import util
from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE_MODULES = 4
FIXED_MASK_PATTERN = 2  # any of 0-7 decodes; fixing it skips the mask search
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHANUMERIC_VALUE = {ch: index for index, ch in enumerate(ALPHANUMERIC)}
_PADDING = (0xEC, 0x11)

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


def qr_url(url: str) -> str:
    """Return the URL as it is encoded: uppercased where case does not matter (scheme, host, the
    ``/s/`` path the app also serves as ``/S/``, the token), so it fits QR alphanumeric mode. A
    path the base URL has before that keeps its case (the code then uses byte mode)."""
    parts = urlsplit(url)
    prefix, sep, token = parts.path.rpartition("/s/")
    if not sep:
        return url
    return f"{parts.scheme}://{parts.netloc}".upper() + prefix + "/S/" + token.upper()


@cache
def _generator_logs(degree: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial of ``degree`` (leading 1 left out), as logs."""
    poly = [1]
    for root in range(degree):
        product = [0] * (len(poly) + 1)
        for index, coefficient in enumerate(poly):
            product[index] ^= coefficient
            if coefficient:
                product[index + 1] ^= _EXP[_LOG[coefficient] + root]
        poly = product
    return tuple(_LOG[c] for c in poly[1:])


def _error_correction(data: list[int], degree: int) -> list[int]:
    """The ``degree`` error-correction codewords of one block of data codewords."""
    generator = _generator_logs(degree)
    remainder = [0] * degree
    for codeword in data:
        factor = codeword ^ remainder[0]
        del remainder[0]
        remainder.append(0)
        if factor:
            log = _LOG[factor]
            for index, generator_log in enumerate(generator):
                remainder[index] ^= _EXP[log + generator_log]
    return remainder


@cache
def _version_for(length: int, error_correction: int) -> int:
    """The smallest version holding ``length`` alphanumeric characters."""
    for version in range(1, 41):
        capacity = sum(b.data_count for b in rs_blocks(version, error_correction)) * 8
        needed = 4 + util.length_in_bits(util.MODE_ALPHA_NUM, version) + length // 2 * 11
        if needed + length % 2 * 6 <= capacity:
            return version
    raise ValueError("too much data for a QR code")


def alphanumeric_codewords(text: str, version: int, error_correction: int) -> list[int]:
    """The interleaved data and error-correction codewords for alphanumeric ``text``.

    The same codewords as ``qrcode.util.create_data`` with one alphanumeric segment.
    """
    value, bits = util.MODE_ALPHA_NUM, 4
    length_bits = util.length_in_bits(util.MODE_ALPHA_NUM, version)
    value, bits = (value << length_bits) | len(text), bits + length_bits
    for index in range(0, len(text) - 1, 2):
        pair = _ALPHANUMERIC_VALUE[text[index]] * 45 + _ALPHANUMERIC_VALUE[text[index + 1]]
        value, bits = (value << 11) | pair, bits + 11
    if len(text) % 2:
        value, bits = (value << 6) | _ALPHANUMERIC_VALUE[text[-1]], bits + 6
    blocks = rs_blocks(version, error_correction)
    capacity = sum(b.data_count for b in blocks)
    if bits > capacity * 8:
        raise ValueError("too much data for this version")
    # Terminator (up to four 0 bits), then zero bits to the next whole codeword.
    terminator = min(capacity * 8 - bits, 4)
    value, bits = value << terminator, bits + terminator
    value, bits = value << (-bits % 8), bits + (-bits % 8)
    codewords = list(value.to_bytes(bits // 8, "big"))
    codewords += [_PADDING[i % 2] for i in range(capacity - len(codewords))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data = codewords[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(data)
        ec_blocks.append(_error_correction(data, block.total_count - block.data_count))
    interleaved = []
    for group in (data_blocks, ec_blocks):
        for index in range(max(len(b) for b in group)):
            interleaved.extend(b[index] for b in group if index < len(b))
    return interleaved


def qr_matrix(data: str, error_correction: int = ERROR_CORRECT_M) -> list[list[bool]]:
    """Return the module matrix (without quiet zone) of the smallest fitting QR code."""
    if data and all(ch in _ALPHANUMERIC_VALUE for ch in data):
        version = _version_for(len(data), error_correction)
        code = qrcode.QRCode(
            version=version,
            error_correction=error_correction,
            border=0,
            mask_pattern=FIXED_MASK_PATTERN,
        )
        code.data_cache = alphanumeric_codewords(data, version, error_correction)
        code.makeImpl(False, FIXED_MASK_PATTERN)
        return code.modules  # type: ignore[return-value]
    code = qrcode.QRCode(
        error_correction=error_correction, border=0, mask_pattern=FIXED_MASK_PATTERN
    )
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return code.modules  # type: ignore[return-value]


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> float:
    """Draw the QR code for `url` with its lower-left corner at (x, y); return the module size.

    `size` is in points and includes the 4-module quiet zone on every side (left white).
    """
    matrix = qr_matrix(qr_url(url))
    count = len(matrix)
    module = size / (count + 2 * QUIET_ZONE_MODULES)
    # Work in module units (origin at the top-left module, y growing downwards) so the path is
    # written with small integers: formatting floats was 40% of the rendering time.
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        start = -1
        for col, dark in enumerate(row):
            if dark and start < 0:
                start = col
            elif not dark and start >= 0:
                ops.append(f"{start} {row_index} {col - start} 1 re")
                start = -1
        if start >= 0:
            ops.append(f"{start} {row_index} {count - start} 1 re")
    canvas.saveState()
    canvas.translate(x + QUIET_ZONE_MODULES * module, y + size - QUIET_ZONE_MODULES * module)
    canvas.scale(module, -module)
    canvas.setFillColorRGB(0, 0, 0)
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()
    return module
