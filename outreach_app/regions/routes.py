"""Administration of the region tree and the branches (admin only)."""

from flask import Blueprint, render_template

from outreach_app.auth.access import admin_required

bp = Blueprint("regions", __name__)


@bp.route("/regions")
@admin_required
def region_tree():
    """The region tree."""
    return render_template("regions/tree.html")


@bp.route("/branches")
@admin_required
def list_branches():
    """All branches."""
    return render_template("regions/branches.html")
