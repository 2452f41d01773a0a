"""Files people download: safe names in headers, spreadsheet cells that stay text, and large
files written to disk rather than held in memory."""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from typing import IO, Any
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


class _FinishedFile(io.RawIOBase):
    """Read access to a finished temporary file through a descriptor of its own.

    The response closes it once sent; if a response is dropped unsent (as a test client may do)
    the descriptor is still closed when this object goes away, without an "unclosed file" warning.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.read(self._fd, len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return os.lseek(self._fd, offset, whence)

    def tell(self) -> int:
        return os.lseek(self._fd, 0, os.SEEK_CUR)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def spooled(write: Callable[[IO[bytes]], object]) -> tuple[io.RawIOBase, int]:
    """What ``write`` writes, in a temporary file on disk: a readable file at its start (for
    ``send_file``, which closes it) and its size in bytes. The file has no name, so it goes
    when closed, also if the response is never sent."""
    with tempfile.TemporaryFile() as stream:
        write(stream)
        stream.flush()
        size = stream.tell()
        finished = _FinishedFile(os.dup(stream.fileno()))
    finished.seek(0)
    return finished, size
