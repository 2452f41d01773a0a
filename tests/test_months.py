"""``Month``: stepping across year ends both ways, ranges, bounds and the YYYYMM numbers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import literal, select
from sqlalchemy.types import DateTime

from outreach_app.core.months import Month, month_number_sql
from outreach_app.extensions import db


@pytest.mark.parametrize(
    ("start", "steps", "expected"),
    [
        (Month(2026, 12), 1, Month(2027, 1)),  # December → January
        (Month(2027, 1), -1, Month(2026, 12)),  # and back
        (Month(2026, 11), 14, Month(2028, 1)),
        (Month(2026, 3), -15, Month(2024, 12)),
        (Month(2026, 1), -12, Month(2025, 1)),
        (Month(2026, 5), 0, Month(2026, 5)),
        (Month(2000, 1), -1, Month(1999, 12)),
    ],
)
def test_adding_months_crosses_year_ends(start, steps, expected):
    assert start + steps == expected
    assert expected - steps == start
    assert expected - start == steps


def test_numbers_round_trip():
    assert Month(2026, 12).number == 202612
    assert Month.from_number(202601) == Month(2026, 1)
    for number in (200001, 202512, 209912):
        assert Month.from_number(number).number == number
    with pytest.raises(ValueError):
        Month.from_number(202613)
    with pytest.raises(ValueError):
        Month.from_number(202600)


def test_of_a_date_or_datetime():
    assert Month.of(date(2026, 12, 31)) == Month(2026, 12)
    assert Month.of(datetime(2027, 1, 1, 0, 0)) == Month(2027, 1)


def test_range_includes_both_ends_and_may_be_empty():
    assert Month.range(Month(2026, 11), Month(2027, 2)) == [
        Month(2026, 11),
        Month(2026, 12),
        Month(2027, 1),
        Month(2027, 2),
    ]
    assert Month.range(Month(2026, 5), Month(2026, 5)) == [Month(2026, 5)]
    assert Month.range(Month(2026, 5), Month(2026, 4)) == []
    assert len(Month.range(Month(2025, 1), Month(2029, 12))) == 60


def test_days_and_moments():
    assert Month(2024, 2).first_day == date(2024, 2, 1)
    assert Month(2024, 2).last_day == date(2024, 2, 29)  # leap year
    assert Month(2025, 2).last_day == date(2025, 2, 28)
    assert Month(2026, 12).last_day == date(2026, 12, 31)
    assert Month(2026, 12).start == datetime(2026, 12, 1)
    assert Month(2026, 12).end == datetime(2027, 1, 1)


def test_quarters():
    starts = [Month(2026, m).quarter_start.month for m in range(1, 13)]
    assert starts == [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10]


def test_text():
    assert Month(2026, 3).label == "2026-03" == str(Month(2026, 3))
    assert Month.parse(" 2026-03 ") == Month(2026, 3)
    for text in ("2026-13", "2026-00", "2026-3", "202603", "", None, "2026-03-01"):
        assert Month.parse(text) is None, text


def test_order_and_hash():
    assert Month(2026, 12) < Month(2027, 1) < Month(2027, 2)
    assert max([Month(2025, 12), Month(2026, 1)]) == Month(2026, 1)
    assert len({Month(2026, 1), Month.from_number(202601)}) == 1


def test_the_sql_number_matches(app):
    """The database computes the same YYYYMM number as ``Month.number``."""
    with app.app_context():
        for moment in (datetime(2026, 12, 31, 23, 59), datetime(2027, 1, 1, 0, 0)):
            number = db.session.scalar(select(month_number_sql(literal(moment, DateTime))))
            assert number == Month.of(moment).number
