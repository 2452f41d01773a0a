"""Saving planned events: the one place that writes them and records each change in the
audit log; these flush, the caller commits. ``planning`` checks the values first."""

from __future__ import annotations

import secrets
from typing import Any

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.events.lifecycle import check_change
from outreach_app.events.models import Event, EventStatus
from outreach_app.events.planning import EventPlan
from outreach_app.extensions import db


def create_events(user: User, plan: EventPlan, copied_from: Event | None = None) -> list[Event]:
    """Add the planned event, or every event of a planned series under one series key."""
    series_key = secrets.token_hex(16) if plan.is_series else None
    events = []
    for starts_at, ends_at in plan.occurrences:
        event = Event(
            title=plan.title,
            kind=plan.kind.code,
            kind_info=plan.kind,
            status=EventStatus.PLANNED,
            branch=plan.branch,
            region=plan.region,
            partner=plan.partner,
            venue=plan.venue,
            starts_at=starts_at,
            ends_at=ends_at,
            expected_attendance=plan.expected_attendance,
            notes=plan.notes,
            series_key=series_key,
            created_by=user,
        )
        event.target_groups = list(plan.target_groups)
        event.topics = list(plan.topics)
        event.staff = list(plan.staff)
        db.session.add(event)
        events.append(event)
    db.session.flush()
    extra: dict[str, Any] = {}
    if series_key is not None:
        extra.update(series_key=series_key, series_size=len(events), frequency=str(plan.frequency))
    if copied_from is not None:
        extra["copied_from"] = copied_from.id
    for event in events:
        record("event.create", event, actor=user, changes=_values(event), **extra)
    return events


def _values(event: Event) -> dict[str, Any]:
    """The event's short values as written to the audit log; long texts only say "set"."""
    return {
        "title": event.title,
        "kind": event.kind,
        "branch_id": event.branch.id,
        "partner_id": event.partner.id if event.partner is not None else None,
        "region_id": event.region.id,
        "venue": event.venue,
        "starts_at": event.starts_at.isoformat(timespec="minutes"),
        "ends_at": event.ends_at.isoformat(timespec="minutes"),
        "target_groups": sorted(group.id for group in event.target_groups),
        "topics": sorted(topic.id for topic in event.topics),
        "staff": sorted(person.id for person in event.staff),
        "expected_attendance": event.expected_attendance,
        "notes": bool(event.notes),
    }


def update_event(user: User, event: Event, plan: EventPlan) -> list[str]:
    """Change ``event`` as ``plan`` says; returns the names of the fields that changed.

    Raises ServiceError, changing nothing, when ``user`` may not change a completed event
    or the plan gives no reason; the reason is kept in the event's history.
    """
    reason = check_change(event, user, plan.change_reason)
    before = _values(event)
    old_notes = event.notes
    starts_at, ends_at = plan.occurrences[0]
    event.title = plan.title
    event.kind = plan.kind.code
    event.kind_info = plan.kind
    event.branch = plan.branch
    event.region = plan.region
    event.partner = plan.partner
    event.venue = plan.venue
    event.starts_at = starts_at
    event.ends_at = ends_at
    event.expected_attendance = plan.expected_attendance
    event.notes = plan.notes
    if {g.id for g in event.target_groups} != {g.id for g in plan.target_groups}:
        event.target_groups = list(plan.target_groups)
    if {t.id for t in event.topics} != {t.id for t in plan.topics}:
        event.topics = list(plan.topics)
    if {p.id for p in event.staff} != {p.id for p in plan.staff}:
        event.staff = list(plan.staff)
    after = _values(event)
    changes: dict[str, Any] = {
        name: [before[name], after[name]]
        for name in after
        if name != "notes" and before[name] != after[name]
    }
    if old_notes != event.notes:
        # Notes can be long; the entry says that they changed, not what they said.
        changes["notes"] = True
    if not changes:
        return []
    db.session.flush()
    extra = {"reason": reason} if reason else {}
    record("event.update", event, actor=user, changes=changes, **extra)
    return list(changes)
