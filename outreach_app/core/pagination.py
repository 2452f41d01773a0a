"""Page numbers from the query string, read once and bounded, for every paginated list.

Flask-SQLAlchemy's ``db.paginate`` reads ``?page=`` with a plain ``int()``, which takes
``+5``, ``1_0`` and numbers past 2**63 (an ``OverflowError`` in the database driver, a 500).
Lists pass the page from here instead.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from outreach_app.extensions import db

MAX_PAGE = 10_000


def parse_page(value: Any, max_page: int = MAX_PAGE) -> int:
    """A page number from 1 to ``max_page`` written in plain ASCII digits; anything else is 1."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return 1
    return min(max(int(text), 1), max_page)


def paginate(stmt: Select[Any], per_page: int, **options: Any) -> Pagination:
    """``db.paginate`` for the page the request asks for (``?page=``, bounded)."""
    return db.paginate(
        stmt, page=parse_page(request.args.get("page")), per_page=per_page, **options
    )
