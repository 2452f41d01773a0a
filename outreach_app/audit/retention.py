"""Privacy retention: personal data is kept only as long as it is needed (PIPL art. 19).

``flask purge`` runs ``purge_expired``; operators schedule it daily. Each area whose rows hold
personal data registers a retention rule in the app factory (``register_retention_rule``):
the setting that holds its period in days, and a purge that deletes or blanks what was written
before a cutoff. This module knows one rule itself, failed logins: their audit rows hold
whatever was typed as a user name (a colleague's name mistyped, or a password typed into the
wrong field) and the client address. After LOGIN_FAILURE_RETENTION_DAYS they are deleted;
successful logins and every other audit row, which record what known staff did, stay.

Each rule's purge writes one audit row with how many it removed; a dry run only counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import ColumnElement, delete, func, select

from outreach_app.audit.models import AuditLog
from outreach_app.audit.services import record
from outreach_app.core.types import utcnow
from outreach_app.extensions import db

# purge(cutoff, dry_run) → how many rows were (or, in a dry run, would be) purged
PurgeFunction = Callable[[datetime, bool], int]


@dataclass(frozen=True)
class RetentionRule:
    """One kind of personal data that expires, and what its count means once purged or in a
    dry run (for ``flask purge``'s report)."""

    kind: str
    setting: str
    purge: PurgeFunction
    done_label: str
    planned_label: str


@dataclass(frozen=True)
class Purge:
    """What one kind's purge removed (or, in a dry run, would remove)."""

    kind: str
    retention_days: int
    cutoff: datetime
    count: int
    label: str


def register_retention_rule(app: Flask, rule: RetentionRule) -> None:
    """Add ``rule`` to the app's retention rules; they purge in the order registered."""
    rules = app.extensions.setdefault("retention_rules", [])
    if any(known.kind == rule.kind for known in rules):
        raise ValueError(f"a retention rule for {rule.kind!r} is registered already")
    rules.append(rule)


def retention_rules() -> list[RetentionRule]:
    """The current app's retention rules, in the order they purge."""
    return list(current_app.extensions.get("retention_rules", ()))


def retention_days(setting: str) -> int:
    """A retention period from the configuration, in whole days (at least 1)."""
    days = int(current_app.config[setting])
    if days < 1:
        raise ValueError(f"{setting} must be at least 1 day, not {days}.")
    return days


def _expired_login_failures(cutoff: datetime) -> ColumnElement[bool]:
    return (AuditLog.action == "login.fail") & (AuditLog.created_at < cutoff)


def purge_login_failures(cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the failed-login audit rows written before ``cutoff``; returns how many."""
    condition = _expired_login_failures(cutoff)
    if dry_run:
        return db.session.scalar(select(func.count(AuditLog.id)).where(condition)) or 0
    stmt = delete(AuditLog).where(condition).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


LOGIN_FAILURES = RetentionRule(
    kind="login_failures",
    setting="LOGIN_FAILURE_RETENTION_DAYS",
    purge=purge_login_failures,
    done_label="failed logins deleted",
    planned_label="failed logins to delete",
)


def purge_expired(now: datetime | None = None, dry_run: bool = False) -> list[Purge]:
    """Purge every kind of data past its retention period; flushes, the caller commits.

    Outside a dry run each kind writes one ``data.purge`` audit row, also when none expired,
    so the log shows that the scheduled purge ran.
    """
    now = now or utcnow()
    # Every setting is read first: a bad one purges nothing at all.
    periods = [(rule, retention_days(rule.setting)) for rule in retention_rules()]
    results = []
    for rule, days in periods:
        cutoff = now - timedelta(days=days)
        count = rule.purge(cutoff, dry_run)
        if not dry_run:
            record(
                "data.purge",
                kind=rule.kind,
                count=count,
                retention_days=days,
                before=cutoff.isoformat(timespec="seconds"),
            )
        label = rule.planned_label if dry_run else rule.done_label
        results.append(Purge(rule.kind, days, cutoff, count, label))
    db.session.flush()
    return results
