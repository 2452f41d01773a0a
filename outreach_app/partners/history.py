"""What the partner's page shows of its events. Events sit above partners, so the events area
provides the history and the app factory registers it here (``register_history_source``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app

from outreach_app.auth.models import User
from outreach_app.partners.models import Partner


@dataclass(frozen=True)
class PartnerHistory:
    """A partner's latest events in the user's scope, how many there are, and the last visit."""

    events: list[Any]
    total: int
    last_visited_on: date | None


# history(user, partner, limit) → the partner's history as ``user`` may see it
HistorySource = Callable[[User, Partner, int], PartnerHistory]


def register_history_source(app: Flask, source: HistorySource) -> None:
    """Make ``source`` the provider of every partner page's event history in ``app``."""
    app.extensions["partner_history"] = source


def partner_history(user: User, partner: Partner, limit: int = 20) -> PartnerHistory:
    """The ``limit`` latest events with ``partner`` that ``user`` may see, and its last visit."""
    source: HistorySource | None = current_app.extensions.get("partner_history")
    if source is None:
        raise RuntimeError("no partner history source is registered (see create_app)")
    return source(user, partner, limit)
