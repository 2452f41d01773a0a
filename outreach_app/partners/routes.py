"""The partner directory, scoped to what each user may see."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("partners", __name__)


@bp.route("/")
@login_required
def list_partners():
    """Partners in the user's scope."""
    return render_template("partners/list.html")
