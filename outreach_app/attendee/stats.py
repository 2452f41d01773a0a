"""Counts of what attendees did with printed copies, for staff pages (per print run, per event)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from outreach_app.attendee.models import CheckIn, HandoutScan
from outreach_app.extensions import db


@dataclass(frozen=True)
class RunCounts:
    """Scans (page openings), distinct copies scanned, and check-ins of one print run."""

    scans: int = 0
    copies_scanned: int = 0
    check_ins: int = 0


def run_counts(run_ids: Iterable[int]) -> dict[int, RunCounts]:
    """Counts for each of the given print runs (runs nobody scanned are left out)."""
    ids = list(run_ids)
    if not ids:
        return {}
    scans = db.session.execute(
        select(
            HandoutScan.print_run_id,
            func.count(HandoutScan.id),
            func.count(distinct(HandoutScan.serial)),
        )
        .where(HandoutScan.print_run_id.in_(ids))
        .group_by(HandoutScan.print_run_id)
    ).all()
    checkins = dict(
        db.session.execute(
            select(CheckIn.print_run_id, func.count(CheckIn.id))
            .where(CheckIn.print_run_id.in_(ids))
            .group_by(CheckIn.print_run_id)
        ).all()
    )
    result = {
        run_id: RunCounts(scans=n, copies_scanned=copies, check_ins=checkins.get(run_id, 0))
        for run_id, n, copies in scans
    }
    for run_id, n in checkins.items():
        result.setdefault(run_id, RunCounts(check_ins=n))
    return result
