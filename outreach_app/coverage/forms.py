"""The coverage page's filter: which months, and how long a partner may wait for a visit.

The filter travels in the query string (``period``, ``from``, ``to``, ``stale``) so that a page,
its exports and its JSON share one address shape. ``parse_query`` turns it into a ``Period`` and
a number of months, or into messages tied to the fields that were wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from outreach_app.core.validation import (
    CONTROL_CHARACTERS_MESSAGE,
    ServiceError,
    has_control_characters,
)
from outreach_app.coverage.services import (
    DEFAULT_STALE_MONTHS,
    MAX_STALE_MONTHS,
    PERIODS,
    Period,
    resolve_period,
)

PERIOD_LABELS = {
    "month": _l("This month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
    "12m": _l("Last 12 months"),
    "custom": _l("Custom months"),
}
# Anything longer is not a number of months anyone meant.
_MAX_ARG_CHARS = 20


@dataclass
class CoverageQuery:
    """What the filter asked for; ``errors`` maps field names to messages when it was wrong.

    With errors, ``period`` and ``stale_months`` hold the defaults so the page still shows
    figures; exports and JSON refuse instead.
    """

    period: Period
    stale_months: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def args(self) -> dict[str, str]:
        """The query arguments that give the same figures (for links and downloads)."""
        result = {"period": self.period.name, "stale": str(self.stale_months)}
        if self.period.name == "custom":
            result.update({"from": self.period.first_text, "to": self.period.last_text})
        return result


def _arg(args: Mapping[str, Any], name: str) -> str:
    return str(args.get(name) or "").strip()[:_MAX_ARG_CHARS]


def parse_query(args: Mapping[str, Any], today: date) -> CoverageQuery:
    """The period and stale-partner months from query arguments, checked."""
    values = {name: _arg(args, name) for name in ("period", "from", "to", "stale")}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if has_control_characters(value):
            errors[name] = str(CONTROL_CHARACTERS_MESSAGE)
            values[name] = ""
    name = values["period"] or "12m"
    if name not in PERIODS:
        errors["period"] = _("Choose a period from the list.")
        name = "12m"
    try:
        period = resolve_period(name, today, values["from"], values["to"])
    except ServiceError as error:
        for field_name, message in error.problems.items():
            errors.setdefault(field_name, message)
        period = resolve_period("12m", today)
    stale = DEFAULT_STALE_MONTHS
    if values["stale"]:
        try:
            stale = int(values["stale"], 10)
        except ValueError:
            stale = -1
        if not 1 <= stale <= MAX_STALE_MONTHS:
            errors["stale"] = _(
                "Enter a whole number of months from 1 to %(max)d.", max=MAX_STALE_MONTHS
            )
            stale = DEFAULT_STALE_MONTHS
    values["period"] = name if "period" not in errors else values["period"]
    return CoverageQuery(period=period, stale_months=stale, values=values, errors=errors)


def period_choices() -> list[tuple[str, str]]:
    """The period select's options as (value, label) in the current language."""
    return [(value, str(PERIOD_LABELS[value])) for value in PERIODS]
