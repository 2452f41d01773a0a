"""The language switch and the health check."""

from flask import Blueprint, current_app, redirect, request, url_for

from outreach_app.core.locale import LANG_COOKIE
from outreach_app.core.urls import safe_next
from outreach_app.extensions import limiter

bp = Blueprint("core", __name__)


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen language in a cookie and go back where the user was."""
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next")) or url_for("home.index")
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
