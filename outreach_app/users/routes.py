"""User administration (admin only)."""

from flask import Blueprint, render_template

from outreach_app.auth.access import admin_required

bp = Blueprint("users", __name__)


@bp.route("/")
@admin_required
def list_users():
    """All user accounts."""
    return render_template("users/list.html")
