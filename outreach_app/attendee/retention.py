"""How long attendees' feedback comments are kept (registered as a retention rule in the app
factory; ``audit.retention`` runs it).

Comments are free text that may say anything. After FEEDBACK_COMMENT_RETENTION_DAYS the text
is blanked and the row stays: the rating carries nothing personal, and feedback counts and
averages in the coverage figures (and the rollups that keep them) must not change with the
calendar.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update

from outreach_app.attendee.models import Feedback
from outreach_app.audit.retention import RetentionRule
from outreach_app.extensions import db


def _expired_comments(cutoff: datetime) -> ColumnElement[bool]:
    return (Feedback.comment != "") & (Feedback.created_at < cutoff)


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


FEEDBACK_COMMENTS = RetentionRule(
    kind="feedback_comments",
    setting="FEEDBACK_COMMENT_RETENTION_DAYS",
    purge=purge_feedback_comments,
    done_label="feedback comments blanked (ratings kept)",
    planned_label="feedback comments to blank (ratings kept)",
)
