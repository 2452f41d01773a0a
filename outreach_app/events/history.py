"""An event's history: its audit entries read back, decoded, and labelled for its page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.events.models import Event
from outreach_app.extensions import db


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an event's history, read from the audit log."""

    created_at: datetime
    actor: User | None
    action: str
    previous_status: str | None = None
    status: str | None = None
    reason: str | None = None
    fields: tuple[str, ...] = ()
    title_change: tuple[str, str] | None = None
    series_size: int | None = None
    # What a change to a completed event's print runs did (``record_completed_change``).
    change: str | None = None


def event_history(event: Event, limit: int = 50) -> list[HistoryEntry]:
    """The latest audit entries about ``event``, newest first, with their details decoded."""
    stmt = (
        select(AuditLog)
        .options(selectinload(AuditLog.user))
        .where(AuditLog.object_type == Event.__tablename__, AuditLog.object_id == event.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    entries = []
    for row in db.session.execute(stmt).scalars():
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        changes = detail.get("changes")
        if row.action != "event.update" or not isinstance(changes, dict):
            changes = {}
        title = changes.get("title")
        series = detail.get("series_size")
        entries.append(
            HistoryEntry(
                created_at=row.created_at,
                actor=row.user,
                action=row.action,
                previous_status=_text_or_none(detail.get("previous")),
                status=_text_or_none(detail.get("status")),
                reason=_text_or_none(detail.get("reason")),
                fields=tuple(sorted(map(str, changes), key=_field_order)),
                title_change=(str(title[0]), str(title[1]))
                if isinstance(title, list) and len(title) == 2
                else None,
                series_size=series if isinstance(series, int) else None,
                change=_text_or_none(detail.get("change")),
            )
        )
    return entries


# The order of the form, for listing changed fields (the audit log stores them sorted).
FIELD_ORDER = (
    "title",
    "kind",
    "branch_id",
    "partner_id",
    "region_id",
    "venue",
    "starts_at",
    "ends_at",
    "target_groups",
    "topics",
    "staff",
    "expected_attendance",
    "notes",
)


def _field_order(name: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# How the event page names each kind of entry, change and field.
HISTORY_LABELS = {
    "event.create": _l("Event created"),
    "event.update": _l("Details changed"),
    "event.change_status": _l("Status changed"),
    "event_report.save": _l("Report saved"),
    "event_photo.add": _l("Photo added"),
    "event_photo.delete": _l("Photo removed"),
    "paper_sign_in.save": _l("Paper sign-in counts saved"),
    "sign_in_sheet.add": _l("Sign-in sheet added"),
    "sign_in_sheet.delete": _l("Sign-in sheet removed"),
    "event.change_after_completion": _l("Changed after completion"),
}

# What a change to a completed event's print runs did (``record_completed_change``).
CHANGE_LABELS = {
    "print_run_created": _l("Print run added"),
    "print_run_withdrawn": _l("Print run withdrawn"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "kind": _l("Kind"),
    "branch_id": _l("Branch"),
    "partner_id": _l("Partner"),
    "region_id": _l("Region"),
    "venue": _l("Venue"),
    "starts_at": _l("Start"),
    "ends_at": _l("End"),
    "target_groups": _l("Target groups"),
    "topics": _l("Topics"),
    "staff": _l("Assigned staff"),
    "expected_attendance": _l("Expected attendance"),
    "notes": _l("Notes"),
}
