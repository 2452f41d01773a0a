"""Monthly rollups of events and attendee actions per region, kind and breakdown.

Keyed by (region, subtree, dim, month, kind, branch, dim_id): ``dim`` is ``all`` (``dim_id`` 0),
``group`` (a target group id) or ``topic`` (a topic id). Own rows (``subtree`` false) hold the
events whose region is exactly ``region_id``; subtree rows hold every event at or below it, so a
region's figures are read from a handful of rows whatever its size. Figures are
attributed to the event's region and month, whenever the scan or check-in happened. Cancelled
events never count. What belongs to no event (a branch's own reach items) has kind ``""``
(``figures.EVENTLESS_KIND``) and counts in its own region and month.
``outreach_app.coverage.rollups`` keeps the rows equal to a full recount.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach_app.coverage.figures import COUNTS, METRICS
from outreach_app.extensions import db


class CoverageRollup(db.Model):
    """Sums for one region, branch, month, kind and breakdown value: the key columns here, then
    one integer column per stored count of ``coverage.figures``."""

    __tablename__ = "coverage_rollup"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    subtree: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # YYYYMM
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    dim_id: Mapped[int] = mapped_column(Integer, primary_key=True)


# The counts' columns come from the registry, so that a figure is declared in one place.
for _count in COUNTS:
    setattr(CoverageRollup, _count.name, mapped_column(Integer, nullable=False, default=0))

_TABLE = CoverageRollup.__table__
# Covers every query of the coverage page: a region's rows of one breakdown, by value then
# month, read in index order with no table lookups and no sort for GROUP BY.
Index(
    "ix_coverage_rollup_cover",
    *(
        _TABLE.c[name]
        for name in ("region_id", "subtree", "dim", "dim_id", "month", "kind", "branch_id")
    ),
    *(_TABLE.c[name] for name in METRICS),
)
