"""Reading an uploaded paper sign-in sheet safely: a photo, or a PDF whose pages are rendered.

A photo goes through exactly what event photos go through (``photos.process_photo``: decoded
within the size and pixel limits, turned upright, stripped of all metadata, re-encoded). A PDF
is never stored as sent, since it may carry scripts, attachments, forms and metadata: PDFium
renders each page (at most ``MAX_SHEET_PAGES``) to a bitmap of at most ``PHOTO_LONG_SIDE``
pixels along its longer side, and each bitmap is re-encoded as a photo is. Only the page JPEGs
and their thumbnails are kept, under random names, in their own folder outside ``static/``.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import pypdfium2
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image

from outreach_app.core.pdfium import PDFIUM_LOCK
from outreach_app.core.validation import ServiceError
from outreach_app.event_reports.photos import (
    ACCEPTED_FORMATS,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    PHOTO_LONG_SIDE,
    ProcessedPhoto,
    process_photo,
    reencode,
)

MAX_SHEET_BYTES = MAX_PHOTO_BYTES
MAX_SHEET_PAGES = 10
# Pages are rendered at most this sharp: a small page (a receipt) stays a small image.
MAX_RENDER_DPI = 200
SHEET_SUBFOLDER = "sign-in-sheets"
SHEET_FIELD = "sheet"
SENT_AS_PHOTO = "photo"
SENT_AS_PDF = "pdf"

# Said by the upload form, by the view refusing an oversized request and by the service alike.
SHEET_TOO_LARGE = _l("The file is too large: send at most 8 MB.")
SHEET_EMPTY = _l("The file is empty. Choose a photo or a PDF of the sheet.")

# A PDF may start with a little junk before its header; readers look in its first kilobyte.
_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WITHIN = 1024


def sheet_folder(upload_folder: str | os.PathLike[str]) -> Path:
    """The folder that holds sign-in sheet pages inside the upload folder."""
    return Path(upload_folder) / SHEET_SUBFOLDER


def is_pdf(data: bytes) -> bool:
    """True when ``data`` says it is a PDF (its header within the first kilobyte)."""
    return _PDF_HEADER in data[:_PDF_HEADER_WITHIN]


def process_sheet(data: bytes) -> tuple[str, list[ProcessedPhoto]]:
    """What was sent (``SENT_AS_PHOTO`` or ``SENT_AS_PDF``) and its pages re-encoded as clean
    JPEGs; ServiceError (beside ``SHEET_FIELD``) for anything else."""
    if is_pdf(data):
        return SENT_AS_PDF, render_pdf(data)
    if not _looks_like_image(data):
        raise ServiceError(
            _(
                "This file is neither a photo nor a PDF."
                " Send a JPEG, PNG, WebP or GIF image, or a PDF."
            ),
            field=SHEET_FIELD,
        )
    try:
        return SENT_AS_PHOTO, [process_photo(data)]
    except ServiceError as error:
        raise ServiceError(error.message, field=SHEET_FIELD) from error


def _looks_like_image(data: bytes) -> bool:
    """True when Pillow recognises an accepted image format from the header (nothing decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS):
                return True
    except Image.DecompressionBombError:
        return True  # an image all the same: ``process_photo`` says it has too many pixels
    except Exception:  # Pillow raises many kinds of error for what is no image
        return False


def _unreadable_pdf() -> ServiceError:
    return ServiceError(
        _("The PDF could not be read; the file may be damaged. Try another file."),
        field=SHEET_FIELD,
    )


def render_pdf(data: bytes) -> list[ProcessedPhoto]:
    """Each page of the PDF ``data`` rendered and re-encoded; ServiceError for a PDF that is
    broken, protected by a password, empty or longer than ``MAX_SHEET_PAGES``.

    The page count is read before any page is rendered, and each page's bitmap is at most
    ``PHOTO_LONG_SIDE`` pixels along its longer side whatever size the page claims. Forms are
    not drawn and no script runs (no form environment is set up).
    """
    pages: list[ProcessedPhoto] = []
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            if getattr(error, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
                raise ServiceError(
                    _("The PDF is protected by a password. Send it without the password."),
                    field=SHEET_FIELD,
                ) from error
            raise _unreadable_pdf() from error
        try:
            count = len(document)
            if count < 1:
                raise ServiceError(_("The PDF has no pages."), field=SHEET_FIELD)
            if count > MAX_SHEET_PAGES:
                raise ServiceError(
                    _(
                        "The PDF has %(n)d pages: send at most %(max)d pages at a time.",
                        n=count,
                        max=MAX_SHEET_PAGES,
                    ),
                    field=SHEET_FIELD,
                )
            for index in range(count):
                pages.append(reencode(_render_page(document, index)))
        except ServiceError:
            raise
        except Exception as error:  # PDFium and Pillow raise many kinds of error for broken pages
            raise _unreadable_pdf() from error
        finally:
            document.close()
    return pages


def _render_page(document: pypdfium2.PdfDocument, index: int) -> Image.Image:
    """Page ``index`` as an RGB image of at most ``PHOTO_LONG_SIDE`` pixels along its longer
    side (and at most ``MAX_RENDER_DPI``)."""
    page = document[index]
    try:
        width, height = page.get_size()  # in points, 72 to the inch
        if not (math.isfinite(width) and math.isfinite(height)) or min(width, height) < 1:
            raise ValueError(f"page {index + 1} has no size: {width} × {height}")
        scale = min(MAX_RENDER_DPI / 72, PHOTO_LONG_SIDE / max(width, height))
        if width * scale * height * scale > MAX_PHOTO_PIXELS:  # cannot happen; kept as a guard
            raise ValueError("page too large")
        bitmap = page.render(scale=scale, may_draw_forms=False)
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()
