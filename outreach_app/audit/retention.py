"""Privacy retention: personal data is kept only as long as it is needed (PIPL art. 19).

``flask purge`` runs ``purge_expired``; operators schedule it daily. Two kinds of data expire:

* Failed logins. Their audit rows hold whatever was typed as a user name (a colleague's name
  mistyped, or a password typed into the wrong field) and the client address. After
  LOGIN_FAILURE_RETENTION_DAYS they are deleted; successful logins and every other audit row,
  which record what known staff did, stay.
* Attendees' feedback comments, free text that may say anything. After
  FEEDBACK_COMMENT_RETENTION_DAYS the text is blanked and the row stays: the rating carries
  nothing personal, and feedback counts and averages in the coverage figures (and the rollups
  that keep them) must not change with the calendar.

Each kind's purge writes one audit row with how many it removed; a dry run only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, update

from outreach_app.attendee.models import Feedback
from outreach_app.audit.models import AuditLog
from outreach_app.audit.services import record
from outreach_app.core.types import utcnow
from outreach_app.extensions import db


@dataclass(frozen=True)
class Purge:
    """What one kind's purge removed (or, in a dry run, would remove)."""

    kind: str  # "login_failures" or "feedback_comments"
    retention_days: int
    cutoff: datetime
    count: int


def retention_days(setting: str) -> int:
    """A retention period from the configuration, in whole days (at least 1)."""
    days = int(current_app.config[setting])
    if days < 1:
        raise ValueError(f"{setting} must be at least 1 day, not {days}.")
    return days


def _expired_login_failures(cutoff: datetime) -> ColumnElement[bool]:
    return (AuditLog.action == "login_failed") & (AuditLog.created_at < cutoff)


def _expired_comments(cutoff: datetime) -> ColumnElement[bool]:
    return (Feedback.comment != "") & (Feedback.created_at < cutoff)


def purge_login_failures(cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the failed-login audit rows written before ``cutoff``; returns how many."""
    condition = _expired_login_failures(cutoff)
    if dry_run:
        return db.session.scalar(select(func.count(AuditLog.id)).where(condition)) or 0
    stmt = delete(AuditLog).where(condition).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


def purge_feedback_comments(cutoff: datetime, dry_run: bool = False) -> int:
    """Blank the feedback comments left before ``cutoff``, keeping their ratings."""
    condition = _expired_comments(cutoff)
    if dry_run:
        return db.session.scalar(select(func.count(Feedback.id)).where(condition)) or 0
    stmt = (
        update(Feedback)
        .where(condition)
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount


PURGES = (
    ("login_failures", "LOGIN_FAILURE_RETENTION_DAYS", purge_login_failures),
    ("feedback_comments", "FEEDBACK_COMMENT_RETENTION_DAYS", purge_feedback_comments),
)


def purge_expired(now: datetime | None = None, dry_run: bool = False) -> list[Purge]:
    """Purge every kind of data past its retention period; flushes, the caller commits.

    Outside a dry run each kind writes one ``data_purged`` audit row, also when none expired,
    so the log shows that the scheduled purge ran.
    """
    now = now or utcnow()
    # Every setting is read first: a bad one purges nothing at all.
    periods = [(kind, retention_days(setting), purge) for kind, setting, purge in PURGES]
    results = []
    for kind, days, purge in periods:
        cutoff = now - timedelta(days=days)
        count = purge(cutoff, dry_run=dry_run)
        if not dry_run:
            record(
                "data_purged",
                kind=kind,
                count=count,
                retention_days=days,
                before=cutoff.isoformat(timespec="seconds"),
            )
        results.append(Purge(kind, days, cutoff, count))
    db.session.flush()
    return results
