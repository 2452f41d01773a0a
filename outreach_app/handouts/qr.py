"""Draw QR codes onto a reportlab canvas as one vector path.

The URL is uppercased before encoding: ``HTTPS://HOST/S/<TOKEN>`` then uses only QR
alphanumeric characters (5.5 bits each instead of 8), which keeps the code small and robust.
Scheme and host are case-insensitive by definition, the token alphabet is uppercase, and the
public ``/s/<token>`` route matches its prefix case-insensitively, so the uppercase URL works.

Speed: the mask pattern is fixed (qrcode's ``mask_pattern``) so qrcode skips its pure-Python
search over eight masks, and dark modules are merged into one rectangle per horizontal run and
drawn as a single filled path.
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE_MODULES = 4
FIXED_MASK_PATTERN = 2  # any of 0-7 decodes; fixing it skips the mask search


def qr_url(url: str) -> str:
    """Return the URL as it is encoded: uppercased so it fits QR alphanumeric mode."""
    return url.upper()


def qr_matrix(data: str, error_correction: int = ERROR_CORRECT_M) -> list[list[bool]]:
    """Return the module matrix (without quiet zone) of the smallest fitting QR code."""
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
