"""The home page, the language switch and the health check."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from outreach_app.core.locale import LANG_COOKIE
from outreach_app.core.urls import safe_next
from outreach_app.events.services import count_events_by_status, upcoming_events
from outreach_app.extensions import limiter

bp = Blueprint("core", __name__)


def local_now() -> datetime:
    """Now as a naive wall-clock time in the bank's time zone, like event times."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).replace(tzinfo=None)


@bp.route("/")
@login_required
def home():
    """The start page: upcoming events in the user's scope and this year's figures by status."""
    now = local_now()
    return render_template(
        "core/home.html",
        upcoming=upcoming_events(current_user, now),
        counts=count_events_by_status(current_user, now - timedelta(days=365)),
    )


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen language in a cookie and go back where the user was."""
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next")) or url_for("core.home")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """A plain liveness answer for load balancers."""
    return {"status": "ok"}
