"""The event lifecycle: planned → confirmed → completed, or cancelled with a reason.

Every status change goes through ``change_status``, which checks the move, records it in the
audit log and flushes; the view commits. Once completed, an event is read-only for staff:
``check_change`` is the rule every change to an event or its print runs goes through. Both
refuse with ``ServiceError``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.core.types import utcnow
from outreach_app.core.validation import ServiceError
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
CHANGE_REASON_MAX = 500
# Also the event form's message for an empty reason, which it checks before the service does.
GIVE_CHANGE_REASON = _l("This event is completed: say why it is being changed.")


def allowed_moves(event: Event) -> frozenset[EventStatus]:
    """The statuses ``event`` may move to next."""
    return ALLOWED_MOVES[event.status]


def may_change_completed(user: User | None) -> bool:
    """Whether ``user`` may change a completed event: heads and administrators (and the command
    line, which runs without a user) may; staff may not."""
    return user is None or user.role in (Role.ADMIN, Role.HEAD)


def is_locked_for(event: Event, user: User | None) -> bool:
    """True when ``event`` is completed and ``user`` may not change it (staff): pages hide the
    buttons and refuse the forms."""
    return event.status is EventStatus.COMPLETED and not may_change_completed(user)


def needs_change_reason(event: Event, user: User | None) -> bool:
    """True when a change ``user`` makes to ``event`` must say why: the event is completed."""
    return event.status is EventStatus.COMPLETED and user is not None


def check_change(event: Event, user: User | None, reason: str = "") -> str | None:
    """The one rule for changing an event, or its print runs, once it is completed.

    Completed events are read-only for staff (their report and photos follow the report's own
    rules); heads and administrators may change them, giving a reason that goes into the event's
    history. Returns the reason to record, or None when the event is not completed (or the
    command line changes it). Raises ServiceError before anything is changed: on the field
    ``"event"`` when the user may not change the event at all, on ``"change_reason"`` when only
    the reason is missing or too long.
    """
    if event.status is not EventStatus.COMPLETED:
        return None
    if is_locked_for(event, user):
        raise ServiceError(
            _("Completed events can be changed only by regional heads and administrators."),
            field="event",
        )
    if user is None:
        return None
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(GIVE_CHANGE_REASON, field="change_reason")
    if len(reason) > CHANGE_REASON_MAX:
        raise ServiceError(
            _("Keep the reason under %(n)d characters.", n=CHANGE_REASON_MAX),
            field="change_reason",
        )
    return reason


def record_completed_change(
    event: Event, actor: User | None, reason: str | None, change: str, **detail: Any
) -> None:
    """Put a change to a completed event's print runs in the event's history, with its reason.

    (Changes to the event's own details carry the reason in their own history entry.)
    """
    if reason is None:
        return
    record(
        "event.change_after_completion", event, actor=actor, change=change, reason=reason, **detail
    )


def can_edit(event: Event, user: User) -> bool:
    """Completed events are read-only except for admins and heads; cancelled ones for all."""
    return event.status is not EventStatus.CANCELLED and not is_locked_for(event, user)


def change_status(event: Event, to: EventStatus, actor: User, reason: str = "") -> None:
    """Move ``event`` to ``to`` if the lifecycle allows it; cancelling needs a reason.

    Raises ServiceError (about the whole form), changing nothing, when the move is refused.
    """
    to = EventStatus(to)
    if to not in ALLOWED_MOVES[event.status]:
        raise ServiceError(
            _(
                "An event that is %(current)s cannot become %(new)s.",
                current=event.status_label,
                new=str(EVENT_STATUS_LABELS[to]),
            )
        )
    reason = reason.strip()
    if to is EventStatus.CANCELLED:
        if not reason:
            raise ServiceError(_("Say why the event is cancelled."))
        if len(reason) > CANCEL_REASON_MAX:
            raise ServiceError(_("Keep the reason under %(n)d characters.", n=CANCEL_REASON_MAX))
        event.cancel_reason = reason
    elif event.status is EventStatus.CANCELLED:
        event.cancel_reason = ""
    previous = event.status
    event.status = to
    if to is EventStatus.COMPLETED:
        event.completed_at = utcnow()
    record(
        "event.change_status",
        event,
        actor=actor,
        previous=previous.value,
        status=to.value,
        reason=reason or None,
    )
    db.session.flush()
