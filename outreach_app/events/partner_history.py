"""A partner's events, for the partner's page. Partners sit below events, so the partner
directory cannot ask for events itself: the app factory registers ``partner_history`` with
``partners.history.register_history_source``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from outreach_app.auth.models import User
from outreach_app.core.scope import scope_clause, scope_of
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.partners.history import PartnerHistory
from outreach_app.partners.models import Partner


def partner_history(user: User, partner: Partner, limit: int = 20) -> PartnerHistory:
    """The ``limit`` latest events with ``partner`` that ``user`` may see, and its last visit."""
    in_scope = (Event.partner_id == partner.id, scope_clause(Event, scope_of(user)))
    events = list(
        db.session.execute(
            select(Event)
            .where(*in_scope)
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
            .options(selectinload(Event.target_groups))
        ).scalars()
    )
    summary = db.session.execute(
        select(
            func.count(Event.id),
            func.max(Event.starts_at).filter(Event.status == EventStatus.COMPLETED),
        ).where(*in_scope)
    ).one()
    last_visit = summary[1]
    return PartnerHistory(
        events=events,
        total=summary[0],
        last_visited_on=last_visit.date() if last_visit is not None else None,
    )
