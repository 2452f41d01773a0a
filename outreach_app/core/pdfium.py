"""The one lock around PDFium.

PDFium keeps global state and is not safe to call from two threads at once (pypdfium2 says
so); gunicorn's ``gthread`` workers run requests in threads. Every use of ``pypdfium2`` (the
handout preview, the pages of an uploaded sign-in sheet) holds this lock.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
