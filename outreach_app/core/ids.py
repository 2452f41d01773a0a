"""Database ids from user input: URL parts, query strings and form values.

Ids are 32-bit on every supported database, and the drivers fail on anything larger (SQLite
with ``OverflowError`` past 2**63, PostgreSQL already past 2**31 - 1), so an id is read here
and nowhere else: an id that cannot exist becomes None (a 404, or a filter that is ignored)
before any query sees it.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1

# Plain ASCII digits without a leading zero; no sign, underscore, spaces or other scripts'
# digits, all of which Python's int() would take.
_ID_RE = re.compile(r"[1-9][0-9]{0,9}")


def parse_id(value: Any) -> int | None:
    """The id written in ``value`` (1 to MAX_ID), or None for anything else.

    An int (not a bool) in range is taken as it is: forms hand stored ids back to their
    fields' ``coerce``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: a URL whose id cannot exist matches no route (a 404)."""

    regex = _ID_RE.pattern

    def to_python(self, value: str) -> int:
        """The id, or no match."""
        key = parse_id(value)
        if key is None:
            raise ValidationError()
        return key

    def to_url(self, value: Any) -> str:
        """The id as digits; building a URL for an id that cannot exist is a programming
        error."""
        key = parse_id(value)
        if key is None:
            raise ValueError(f"not a database id: {value!r}")
        return str(key)
