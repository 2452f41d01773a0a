"""The start page: what is coming up in the user's scope, this year's events by status, and
the problems the user owns (open, overdue, closed late)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from outreach_app.events.queries import count_events_by_status, upcoming_events
from outreach_app.problems.services import owner_summary

bp = Blueprint("home", __name__)


def local_now() -> datetime:
    """Now as a naive wall-clock time in the bank's time zone, like event times."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).replace(tzinfo=None)


@bp.route("/")
@login_required
def index():
    """The start page: upcoming events in the user's scope, this year's figures by status and
    the user's own problems."""
    now = local_now()
    return render_template(
        "home/index.html",
        upcoming=upcoming_events(current_user, now),
        counts=count_events_by_status(current_user, now - timedelta(days=365)),
        my_problems=owner_summary(current_user._get_current_object()),
    )
