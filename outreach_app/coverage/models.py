"""Monthly rollups of events and attendee actions per region, kind and breakdown.

Keyed by (region, subtree, dim, month, kind, branch, dim_id): ``dim`` is ``all`` (``dim_id`` 0),
``group`` (a target group id) or ``topic`` (a topic id). Own rows (``subtree`` false) hold the
events whose region is exactly ``region_id``; subtree rows hold every event at or below it, so a
region's figures are read from a handful of rows whatever its size. Figures are
attributed to the event's region and month, whenever the scan or check-in happened. Cancelled
events never count. ``outreach_app.coverage.rollups`` keeps the rows equal to a full recount.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach_app.extensions import db

DIM_ALL = "all"
DIM_GROUP = "group"
DIM_TOPIC = "topic"

METRICS = (
    "events",
    "events_completed",
    "reached",
    "copies",
    "copies_scanned",
    "scans",
    "check_ins",
    "quiz_correct",
    "quiz_total",
    "feedback_sum",
    "feedback_count",
)


class CoverageRollup(db.Model):
    """Sums for one region, branch, month, kind and breakdown value."""

    __tablename__ = "coverage_rollup"
    __table_args__ = (
        # Covers every query of the coverage page: a region's rows of one breakdown, by value
        # then month, read in index order with no table lookups and no sort for GROUP BY.
        Index(
            "ix_coverage_rollup_cover",
            "region_id",
            "subtree",
            "dim",
            "dim_id",
            "month",
            "kind",
            "branch_id",
            *METRICS,
        ),
    )

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    subtree: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # YYYYMM
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    dim_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    events_completed: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    copies_scanned: Mapped[int] = mapped_column(Integer, default=0)
    scans: Mapped[int] = mapped_column(Integer, default=0)
    check_ins: Mapped[int] = mapped_column(Integer, default=0)
    quiz_correct: Mapped[int] = mapped_column(Integer, default=0)
    quiz_total: Mapped[int] = mapped_column(Integer, default=0)
    feedback_sum: Mapped[int] = mapped_column(Integer, default=0)
    feedback_count: Mapped[int] = mapped_column(Integer, default=0)
