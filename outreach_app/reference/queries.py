"""Reading event kinds and target groups: what forms and filters offer, and names by code.

Forms and filters offer the active rows in their order, plus what an existing event (or a chosen
filter) has already, so that editing an event never drops its retired kind or groups. Figures
and exports read every row, retired or not, since old events keep them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, or_, select

from outreach_app.extensions import db
from outreach_app.reference.models import EventKind, TargetGroup

# The one kind the code knows by name: an in-branch session is held at the branch itself, so
# it needs no partner, and its region and venue default to the branch's (events/planning.py).
IN_BRANCH_KIND = "branch"


def event_kinds(keep: str | None = None) -> list[EventKind]:
    """The kinds to offer: the active ones in their order, and ``keep`` (a code) if retired."""
    stmt = select(EventKind).order_by(EventKind.sort_order, EventKind.id)
    if keep:
        stmt = stmt.where(or_(EventKind.is_retired.is_(False), EventKind.code == keep))
    else:
        stmt = stmt.where(EventKind.is_retired.is_(False))
    return list(db.session.scalars(stmt))


def all_event_kinds() -> list[EventKind]:
    """Every kind, retired ones too, in their order: for figures and for admin pages."""
    stmt = select(EventKind).order_by(EventKind.sort_order, EventKind.id)
    return list(db.session.scalars(stmt))


def kind_by_code(code: object) -> EventKind | None:
    """The kind with this code, retired or not; None for anything else (junk included)."""
    if not isinstance(code, str) or not code or len(code) > 16:
        return None
    return db.session.scalars(select(EventKind).where(EventKind.code == code)).first()


def kind_names() -> dict[str, str]:
    """Every kind's name in the current language, by code (for rows read as plain columns)."""
    return {kind.code: kind.name for kind in all_event_kinds()}


def private_venue_kinds() -> set[str]:
    """The codes of the kinds whose venue is private (shown on the event page only)."""
    stmt = select(EventKind.code).where(EventKind.private_venue.is_(True))
    return set(db.session.scalars(stmt))


def private_venue_codes() -> Select[tuple[str]]:
    """The same codes as a subquery, for SQL that must leave such venues out (search)."""
    return select(EventKind.code).where(EventKind.private_venue.is_(True))


def target_groups(keep: Iterable[int] = ()) -> list[TargetGroup]:
    """The target groups to offer: the active ones in their order, and those of ``keep`` (ids)
    even if retired."""
    kept = [group_id for group_id in keep if group_id is not None]
    active = TargetGroup.is_retired.is_(False)
    condition = or_(active, TargetGroup.id.in_(kept)) if kept else active
    stmt = select(TargetGroup).where(condition).order_by(TargetGroup.sort_order, TargetGroup.id)
    return list(db.session.scalars(stmt))


def all_target_groups() -> list[TargetGroup]:
    """Every target group, retired ones too, in their order."""
    stmt = select(TargetGroup).order_by(TargetGroup.sort_order, TargetGroup.id)
    return list(db.session.scalars(stmt))
