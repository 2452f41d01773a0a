"""What attendees leave behind, anonymously and per printed copy: scans, check-ins, quiz, feedback.

No row holds a name, phone number or IP address. A copy is (print_run_id, serial); ``event_id``
is copied from the print run so counts per event need no join. Check-ins, quiz submissions and
feedback are unique per copy in the database itself, so a repeated or concurrent submit can
never make a second row. ``RecentScan`` keeps, for a few minutes only, a keyed hash of a client
address and a copy, so that a reload is not counted twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from outreach_app.core.types import UTCDateTime, utcnow
from outreach_app.extensions import db

MAX_COMMENT_CHARS = 500


class HandoutScan(db.Model):
    """One opening of a copy's attendee page (time and copy only).

    ``is_first`` marks the first opening of each copy; a partial unique index makes sure there
    is only one, so "copies scanned" can be counted exactly even under concurrent scans.
    """

    __tablename__ = "handout_scan"
    __table_args__ = (
        Index("ix_handout_scan_run_serial", "print_run_id", "serial"),
        Index("ix_handout_scan_event_at", "event_id", "scanned_at"),
        Index(
            "ux_handout_scan_first",
            "print_run_id",
            "serial",
            unique=True,
            sqlite_where=text("is_first"),
            postgresql_where=text("is_first"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    print_run_id: Mapped[int] = mapped_column(ForeignKey("print_run.id"))
    serial: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CheckIn(db.Model):
    """An attendee's check-in with one copy; optionally the target group they say they are in."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("print_run_id", "serial"),
        Index("ix_check_in_event_group", "event_id", "target_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    print_run_id: Mapped[int] = mapped_column(ForeignKey("print_run.id"))
    serial: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("target_group.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizSubmission(db.Model):
    """One copy's answers to the quiz on its handout's topic; ``answers`` maps question code to
    the chosen index. ``correct`` of ``total`` were right."""

    __tablename__ = "quiz_submission"
    __table_args__ = (
        UniqueConstraint("print_run_id", "serial"),
        CheckConstraint("correct >= 0 AND correct <= total", name="correct_range"),
        Index("ix_quiz_submission_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    print_run_id: Mapped[int] = mapped_column(ForeignKey("print_run.id"))
    serial: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("target_group.id"))
    correct: Mapped[int] = mapped_column(SmallInteger)
    total: Mapped[int] = mapped_column(SmallInteger)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(db.Model):
    """A 1-5 rating and an optional short comment, once per copy."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("print_run_id", "serial"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_feedback_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    print_run_id: Mapped[int] = mapped_column(ForeignKey("print_run.id"))
    serial: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(MAX_COMMENT_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecentScan(db.Model):
    """A copy whose page was lately counted as opened from one client address.

    ``reader_key`` is a keyed hash (HMAC with the application's secret) of the address and the
    copy, cut to 64 bits: it names no one without the key, and even with it the address has to
    be guessed. The row lives only as long as the reload window: any later scan deletes the rows
    older than that, and a reload after the window counts again.
    """

    __tablename__ = "recent_scan"
    __table_args__ = (Index("ix_recent_scan_counted_at", "counted_at"),)

    reader_key: Mapped[str] = mapped_column(String(16), primary_key=True)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
