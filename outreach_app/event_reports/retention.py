"""How long paper sign-in sheets are kept (registered as a retention rule in the app factory;
``audit.retention`` runs it).

A sheet carries the names (often phone numbers too) of everyone who signed it; it is evidence
of the event for a while and then only a privacy risk. After SIGN_IN_SHEET_RETENTION_DAYS,
counted from the event's date, each sheet's rows and page files are deleted, each deletion
with its own audit entry. The paper head counts stay: they are numbers, and the coverage
figures (and the rollups that keep them) must not change with the calendar.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from outreach_app.audit.retention import RetentionRule
from outreach_app.event_reports.photos import upload_root
from outreach_app.event_reports.sheets import sheet_folder
from outreach_app.event_reports.sign_in import remove_sheet, remove_sheet_files
from outreach_app.events.models import Event, SignInSheet
from outreach_app.extensions import db

RETENTION = "retention"


def _local(cutoff: datetime) -> datetime:
    """``cutoff`` (aware, UTC) as the naive local wall-clock time events are stored in."""
    return cutoff.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).replace(tzinfo=None)


def _expired_sheets(cutoff: datetime):
    return (
        select(SignInSheet)
        .join(Event, Event.id == SignInSheet.event_id)
        .where(Event.starts_at < _local(cutoff))
        .order_by(SignInSheet.id)
    )


def purge_sign_in_sheets(cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the sign-in sheets (rows and page files) of events that started before
    ``cutoff``; returns how many sheets.

    The files go once the rows are flushed, before the caller commits: a failed commit leaves
    rows whose pages answer 404, and the next purge deletes them. Files kept while their rows
    went would hold names nobody could find any more.
    """
    if dry_run:
        stmt = _expired_sheets(cutoff).with_only_columns(func.count(SignInSheet.id))
        return db.session.scalar(stmt.order_by(None)) or 0
    folder = sheet_folder(upload_root())
    sheets = list(db.session.execute(_expired_sheets(cutoff)).scalars())
    names: list[str] = []
    for sheet in sheets:
        event = db.session.get(Event, sheet.event_id)
        names += remove_sheet(event, None, sheet, reason=RETENTION)
    db.session.flush()
    remove_sheet_files(folder, names)
    return len(sheets)


SIGN_IN_SHEETS = RetentionRule(
    kind="sign_in_sheets",
    setting="SIGN_IN_SHEET_RETENTION_DAYS",
    purge=purge_sign_in_sheets,
    done_label="sign-in sheets deleted (paper counts kept)",
    planned_label="sign-in sheets to delete (paper counts kept)",
)
