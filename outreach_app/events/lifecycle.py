"""The event lifecycle: planned → confirmed → completed, or cancelled with a reason.

Every status change goes through ``change_status``, which checks the move, records it in the
audit log and flushes; the view commits.
"""

from __future__ import annotations

from flask_babel import gettext as _

from outreach_app.audit.services import record
from outreach_app.auth.models import Role, User
from outreach_app.core.types import utcnow
from outreach_app.events.models import EVENT_STATUS_LABELS, Event, EventStatus
from outreach_app.extensions import db

ALLOWED_MOVES: dict[EventStatus, frozenset[EventStatus]] = {
    EventStatus.PLANNED: frozenset({EventStatus.CONFIRMED, EventStatus.CANCELLED}),
    EventStatus.CONFIRMED: frozenset(
        {EventStatus.PLANNED, EventStatus.COMPLETED, EventStatus.CANCELLED}
    ),
    EventStatus.COMPLETED: frozenset(),
    EventStatus.CANCELLED: frozenset({EventStatus.PLANNED}),
}

CANCEL_REASON_MAX = 500


class LifecycleError(ValueError):
    """A status change that is not allowed; the message says why."""


def allowed_moves(event: Event) -> frozenset[EventStatus]:
    """The statuses ``event`` may move to next."""
    return ALLOWED_MOVES[event.status]


def can_edit(event: Event, user: User) -> bool:
    """Completed events are read-only except for admins and heads; cancelled ones for all."""
    if event.status is EventStatus.COMPLETED:
        return user.role in (Role.ADMIN, Role.HEAD)
    return event.status is not EventStatus.CANCELLED


def change_status(event: Event, to: EventStatus, actor: User, reason: str = "") -> None:
    """Move ``event`` to ``to`` if the lifecycle allows it; cancelling needs a reason."""
    to = EventStatus(to)
    if to not in ALLOWED_MOVES[event.status]:
        raise LifecycleError(
            _(
                "An event that is %(current)s cannot become %(new)s.",
                current=event.status_label,
                new=str(EVENT_STATUS_LABELS[to]),
            )
        )
    reason = reason.strip()
    if to is EventStatus.CANCELLED:
        if not reason:
            raise LifecycleError(_("Say why the event is cancelled."))
        if len(reason) > CANCEL_REASON_MAX:
            raise LifecycleError(_("Keep the reason under %(n)d characters.", n=CANCEL_REASON_MAX))
        event.cancel_reason = reason
    elif event.status is EventStatus.CANCELLED:
        event.cancel_reason = ""
    previous = event.status
    event.status = to
    if to is EventStatus.COMPLETED:
        event.completed_at = utcnow()
    record(
        "event_status",
        event,
        actor=actor,
        previous=previous.value,
        status=to.value,
        reason=reason or None,
    )
    db.session.flush()
