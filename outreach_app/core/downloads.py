"""Files people download: safe names in headers, and spreadsheet cells that stay text."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

# Characters that end or split a header, quote a value, or name a folder.
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')
_NAME_MAX_LENGTH = 150
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_filename(filename: str, fallback: str = "download") -> str:
    """``filename`` without control or format characters (a right-to-left override could
    disguise the extension), quotes, path separators or leading dots."""
    name = unicodedata.normalize("NFC", str(filename))
    name = _UNSAFE_IN_NAME.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip().lstrip(".").strip()
    return name[:_NAME_MAX_LENGTH] or fallback


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value with a plain ASCII name and the exact UTF-8 one (RFC 6266).

    Old clients read ``filename="…"`` (non-ASCII letters become ``_``); current ones prefer
    ``filename*=UTF-8''…`` (RFC 5987), percent-encoded so nothing in it can break the header.
    """
    if disposition not in ("attachment", "inline"):
        raise ValueError("disposition must be 'attachment' or 'inline'")
    name = safe_filename(filename)
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in name)
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; rest unchanged.

    Numbers, dates and None pass through, so columns of figures stay figures.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
