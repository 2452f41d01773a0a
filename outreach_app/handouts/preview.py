"""A PNG of page one of a handout, for the preview shown before printing (pdfium renders it)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pypdfium2

from outreach_app.core.pdfium import PDFIUM_LOCK
from outreach_app.handouts.kinds import PrintLayout
from outreach_app.handouts.layout import CopyCode, HandoutPage
from outreach_app.handouts.pdf import render_handouts

PREVIEW_DPI = 96


def preview_png(
    page: HandoutPage,
    code: CopyCode | Sequence[CopyCode],
    layout: PrintLayout,
    dpi: int = PREVIEW_DPI,
) -> bytes:
    """Render the copies (one code, or a list to fill a sheet) in ``layout`` to a PDF in memory
    and return its first page as PNG bytes."""
    codes = [code] if isinstance(code, CopyCode) else list(code)
    pdf = io.BytesIO()
    render_handouts(pdf, page, codes, layout)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf.getvalue())
        try:
            bitmap = document[0].render(scale=dpi / 72)
            image = bitmap.to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
