"""What attendees left for an event, for staff: check-ins by group, quiz results, feedback."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from outreach_app.attendee.stats import event_responses
from outreach_app.core.locale import current_language
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.events.models import Event
from outreach_app.events.urls import event_page_url

bp = Blueprint("attendee_staff", __name__)


@bp.route("/<id:event_id>/responses")
@login_required
def responses(event_id: int):
    """An event's anonymous responses: counts, quiz by topic and group, ratings and comments."""
    event = get_scoped_or_404(Event, event_id, current_user._get_current_object())
    return render_template(
        "attendee/staff_responses.html",
        event=event,
        responses=event_responses(event.id, current_language()),
        event_url=event_page_url(event),
    )
