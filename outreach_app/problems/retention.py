"""How long a problem's callback number is kept (registered as a retention rule in the app
factory; ``audit.retention`` runs it).

A callback number is deleted when its problem is closed. One left open for
PROBLEM_CALLBACK_RETENTION_DAYS after it was raised is cleared too: the promised call is long
overdue by then, and the number must not outlive its use (PIPL art. 19). The problem stays
open, with its description, for its owner to answer; each cleared number gets its own
``problem.clear_callback`` entry in the audit log, beside the purge's ``data.purge``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from outreach_app.audit.retention import RetentionRule
from outreach_app.audit.services import record
from outreach_app.extensions import db
from outreach_app.problems.models import Problem, ProblemStatus


def _expired_callbacks(cutoff: datetime) -> ColumnElement[bool]:
    return (
        (Problem.status == ProblemStatus.OPEN)
        & (Problem.callback_phone != "")
        & (Problem.created_at < cutoff)
    )


def purge_callback_numbers(cutoff: datetime, dry_run: bool = False) -> int:
    """Clear the callback numbers of problems raised before ``cutoff`` and still open."""
    condition = _expired_callbacks(cutoff)
    if dry_run:
        return db.session.scalar(select(func.count(Problem.id)).where(condition)) or 0
    problems = list(db.session.scalars(select(Problem).where(condition).order_by(Problem.id)))
    for problem in problems:
        problem.callback_phone = ""
        record("problem.clear_callback", problem, reason="retention", raised_on=problem.raised_on)
    db.session.flush()
    return len(problems)


CALLBACK_NUMBERS = RetentionRule(
    kind="problem_callback_numbers",
    setting="PROBLEM_CALLBACK_RETENTION_DAYS",
    purge=purge_callback_numbers,
    done_label="callback numbers of open problems cleared",
    planned_label="callback numbers of open problems to clear",
)
