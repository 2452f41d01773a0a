"""Paper sign-in at the demo's completed events: head counts read off paper sheets.

Villages and in-branch sessions for older customers are where phones stay in pockets, so a
share of those events (and a few others) have paper counts beside the staff's own count: most
people of the event's groups signed, a few did not. No sheet images are made; the demo has no
upload folder to fill, and the sheets' pages would only be blank pictures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from sqlalchemy import Connection

from outreach_app.demo.bulk import insert_rows
from outreach_app.demo.events import CompletedEvent
from outreach_app.events.models import EventPaperAttendance

# Share of completed events with paper counts, by kind (the rest of the kinds: OTHER_SHARE).
PAPER_SHARE = {"village": 0.45, "branch": 0.3, "community": 0.15}
OTHER_SHARE = 0.05
# Of the people an event expected, the share who signed the sheet.
SIGNED_SHARE = (0.5, 0.95)


@dataclass
class PaperCounts:
    """What ``generate_paper_sign_in`` wrote."""

    events: int = 0
    rows: int = 0
    people: int = 0


def generate_paper_sign_in(
    conn: Connection, rng: Random, events: Sequence[CompletedEvent]
) -> PaperCounts:
    """Paper head counts by target group for a share of the completed ``events``."""
    counts = PaperCounts()
    rows: list[tuple[int, int, int]] = []
    low, high = SIGNED_SHARE
    for event in events:
        if not event.groups or rng.random() >= PAPER_SHARE.get(event.kind, OTHER_SHARE):
            continue
        signed = max(3, int(event.expected * (low + (high - low) * rng.random())))
        # The event's first group signs the most; the others share the rest.
        weights = [2.0] + [0.5 + rng.random() for _ in event.groups[1:]]
        total = sum(weights)
        left = signed
        for index, group in enumerate(event.groups):
            is_last = index == len(event.groups) - 1
            headcount = left if is_last else int(signed * weights[index] / total)
            left -= headcount
            if headcount > 0:
                rows.append((event.id, group, headcount))
                counts.rows += 1
                counts.people += headcount
        counts.events += 1
    insert_rows(
        conn, EventPaperAttendance.__table__, ("event_id", "target_group_id", "headcount"), rows
    )
    return counts
