"""The kinds-and-groups pages (admin only): list, add, edit, retire and restore event kinds and
target groups. The two areas share the work (``area`` says which); each has its own routes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from outreach_app.core.access import admin_required
from outreach_app.core.forms import show_errors
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.reference.forms import ConfirmForm, GroupForm, KindForm
from outreach_app.reference.models import EventKind, TargetGroup
from outreach_app.reference.queries import all_event_kinds, all_target_groups
from outreach_app.reference.services import add_row, set_retired, update_row

bp = Blueprint("reference", __name__)

MODELS = {"kinds": EventKind, "groups": TargetGroup}
FORMS = {"kinds": KindForm, "groups": GroupForm}
# What the pages say, per area, so that each sentence is translated whole.
WORDS = {
    "kinds": {
        "new": _l("New event kind"),
        "edit": _l("Edit event kind"),
        "created": _l("Event kind %(name)s added."),
        "saved": _l("Event kind %(name)s saved."),
        "retired": _l("Event kind %(name)s retired: it is no longer offered for new events."),
        "restored": _l("Event kind %(name)s restored."),
        "was_retired": _l("Event kind %(name)s is retired already."),
        "was_active": _l("Event kind %(name)s is not retired."),
        "retire_title": _l("Retire the event kind %(name)s?"),
        "retire_text": _l(
            "A retired kind is no longer offered for new events. Nothing is deleted: events of "
            "this kind keep it, its figures still show in coverage and exports, and it can be "
            "restored at any time."
        ),
    },
    "groups": {
        "new": _l("New target group"),
        "edit": _l("Edit target group"),
        "created": _l("Target group %(name)s added."),
        "saved": _l("Target group %(name)s saved."),
        "retired": _l("Target group %(name)s retired: it is no longer offered for new events."),
        "restored": _l("Target group %(name)s restored."),
        "was_retired": _l("Target group %(name)s is retired already."),
        "was_active": _l("Target group %(name)s is not retired."),
        "retire_title": _l("Retire the target group %(name)s?"),
        "retire_text": _l(
            "A retired group is no longer offered for new events or handouts. Nothing is "
            "deleted: events that reached it keep it, its figures still show in coverage and "
            "exports, and it can be restored at any time."
        ),
    },
}


def _say(area: str, key: str, row: EventKind | TargetGroup) -> str:
    return str(WORDS[area][key] % {"name": row.name})


@bp.route("/kinds-and-groups")
@admin_required
def index():
    """Every event kind and target group, retired ones too, in their order."""
    return render_template(
        "reference/index.html",
        kinds=all_event_kinds(),
        groups=all_target_groups(),
    )


def _new(area: str):
    """Add an event kind or a target group; its code is chosen here, once."""
    form = FORMS[area]()
    if form.validate_on_submit():
        try:
            row = add_row(current_user, MODELS[area], form.reference_input())
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_say(area, "created", row), "success")
            return redirect(url_for(".index", _anchor=area))
    return render_template("reference/form.html", form=form, area=area, row=None, words=WORDS[area])


def _edit(area: str, row_id: int):
    """Change a kind's or group's names and order (and a kind's rules); the code stays."""
    row = db.get_or_404(MODELS[area], row_id)
    form = FORMS[area](obj=row)
    del form.code
    if form.validate_on_submit():
        try:
            changes = update_row(current_user, row, form.reference_input())
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_say(area, "saved", row), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".index", _anchor=area))
    return render_template("reference/form.html", form=form, area=area, row=row, words=WORDS[area])


def _retire(area: str, row_id: int):
    """Ask, then retire a kind or group: no longer offered, never deleted."""
    row = db.get_or_404(MODELS[area], row_id)
    if row.is_retired:
        flash(_say(area, "was_retired", row), "info")
        return redirect(url_for(".index", _anchor=area))
    form = ConfirmForm()
    if form.validate_on_submit():
        set_retired(current_user, row, True)
        db.session.commit()
        flash(_say(area, "retired", row), "success")
        return redirect(url_for(".index", _anchor=area))
    return render_template(
        "reference/retire.html", form=form, area=area, row=row, words=WORDS[area]
    )


def _restore(area: str, row_id: int):
    """Offer a retired kind or group again."""
    row = db.get_or_404(MODELS[area], row_id)
    if set_retired(current_user, row, False):
        db.session.commit()
        flash(_say(area, "restored", row), "success")
    else:
        flash(_say(area, "was_active", row), "info")
    return redirect(url_for(".index", _anchor=area))


# The same four views for each area, under names of their own.


@bp.route("/kinds/new", methods=["GET", "POST"])
@admin_required
def new_kind():
    """Add an event kind."""
    return _new("kinds")


@bp.route("/kinds/<id:kind_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_kind(kind_id: int):
    """Edit an event kind."""
    return _edit("kinds", kind_id)


@bp.route("/kinds/<id:kind_id>/retire", methods=["GET", "POST"])
@admin_required
def retire_kind(kind_id: int):
    """Retire an event kind, after asking."""
    return _retire("kinds", kind_id)


@bp.route("/kinds/<id:kind_id>/restore", methods=["POST"])
@admin_required
def restore_kind(kind_id: int):
    """Restore a retired event kind."""
    return _restore("kinds", kind_id)


@bp.route("/groups/new", methods=["GET", "POST"])
@admin_required
def new_group():
    """Add a target group."""
    return _new("groups")


@bp.route("/groups/<id:group_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_group(group_id: int):
    """Edit a target group."""
    return _edit("groups", group_id)


@bp.route("/groups/<id:group_id>/retire", methods=["GET", "POST"])
@admin_required
def retire_group(group_id: int):
    """Retire a target group, after asking."""
    return _retire("groups", group_id)


@bp.route("/groups/<id:group_id>/restore", methods=["POST"])
@admin_required
def restore_group(group_id: int):
    """Restore a retired target group."""
    return _restore("groups", group_id)
