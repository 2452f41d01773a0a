"""``Month``: a calendar month as a value, for figures kept and chosen by whole months.

The rollups store a month as the number YYYYMM (202612), which sorts and compares like the
months themselves; ``Month`` is the one place that turns dates into those numbers and back and
steps across year ends, so nothing else divides by 100.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, overload

from sqlalchemy import Integer, cast, extract

_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """One calendar month; ``Month(2026, 12) + 1`` is January 2027, and months order by time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"no month {self.month}")

    @classmethod
    def of(cls, moment: date) -> Month:
        """The month a date or datetime falls in."""
        return cls(moment.year, moment.month)

    @classmethod
    def from_number(cls, number: int) -> Month:
        """The month of a YYYYMM number such as 202612."""
        year, month = divmod(int(number), 100)
        return cls(year, month)

    @classmethod
    def parse(cls, text: Any) -> Month | None:
        """The month written as YYYY-MM, or None for anything else."""
        match = _TEXT.match(str(text or "").strip())
        if not match or not 1 <= int(match[2]) <= 12:
            return None
        return cls(int(match[1]), int(match[2]))

    @staticmethod
    def range(first: Month, last: Month) -> list[Month]:
        """Every month from ``first`` to ``last``, both included, oldest first (empty when
        ``last`` is before ``first``)."""
        return [first + step for step in range(last - first + 1)]

    @property
    def number(self) -> int:
        """The YYYYMM number the rollups store."""
        return self.year * 100 + self.month

    @property
    def label(self) -> str:
        """The month as YYYY-MM."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """The month's first day."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The month's last day."""
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    @property
    def start(self) -> datetime:
        """The month's first moment (naive, like event times)."""
        return datetime(self.year, self.month, 1)

    @property
    def end(self) -> datetime:
        """The first moment of the month after, where this month ends (excluded)."""
        return (self + 1).start

    @property
    def quarter_start(self) -> Month:
        """The first month of the quarter this month is in."""
        return Month(self.year, (self.month - 1) // 3 * 3 + 1)

    def __add__(self, count: int) -> Month:
        if not isinstance(count, int):
            return NotImplemented
        year, index = divmod(self.year * 12 + self.month - 1 + count, 12)
        return Month(year, index + 1)

    @overload
    def __sub__(self, other: Month) -> int: ...

    @overload
    def __sub__(self, other: int) -> Month: ...

    def __sub__(self, other: Month | int) -> int | Month:
        """``self - other``: months between two months, or the month ``other`` months back."""
        if isinstance(other, Month):
            return (self.year - other.year) * 12 + self.month - other.month
        if isinstance(other, int):
            return self + -other
        return NotImplemented

    def __str__(self) -> str:
        return self.label


def month_number_sql(column: Any) -> Any:
    """SQL for the YYYYMM number of a date or timestamp column (``Month.number`` in SQL)."""
    return cast(extract("year", column), Integer) * 100 + cast(extract("month", column), Integer)
