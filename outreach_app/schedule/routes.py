"""The event list, the calendar, exports and the private calendar feed."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("schedule", __name__)


@bp.route("/")
@login_required
def list_events():
    """Events in the user's scope."""
    return render_template("schedule/list.html")


@bp.route("/calendar")
@login_required
def calendar():
    """The month calendar."""
    return render_template("schedule/list.html")
