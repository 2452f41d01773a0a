"""User administration (admin only): list, create, edit, deactivate, reset passwords."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from outreach_app.auth.models import User
from outreach_app.core.access import admin_required
from outreach_app.core.forms import show_errors
from outreach_app.core.pagination import paginate
from outreach_app.core.roles import Role
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.users.forms import (
    ConfirmForm,
    ResetPasswordForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    selected_id,
)
from outreach_app.users.services import (
    branch_choices,
    create_user,
    get_branch,
    get_region,
    region_choices,
    reset_password,
    set_active,
    update_user,
    user_history,
    user_list_select,
)

bp = Blueprint("users", __name__)

HISTORY_LABELS = {
    "user.create": _l("Account created"),
    "user.update": _l("Details changed"),
    "user.deactivate": _l("Deactivated"),
    "user.activate": _l("Reactivated"),
    "password.change": _l("Password changed"),
    "login.succeed": _l("Logged in"),
    "sessions.revoke": _l("Logged out everywhere"),
    "login.refuse": _l("Login refused: branch deactivated"),
}


@bp.route("/")
@admin_required
def list_users():
    """All user accounts, searchable and filtered by role and state; odd filters are ignored."""
    filters = UserFilterForm(request.args)
    role = filters.role.data if filters.role.data in {r.value for r in Role} else None
    is_active = {"1": True, "0": False}.get(filters.active.data or "")
    stmt = user_list_select(
        search=filters.q.data or "", role=Role(role) if role else None, is_active=is_active
    )
    page = paginate(stmt, current_app.config["PER_PAGE"], max_per_page=100, error_out=False)
    is_filtered = bool(filters.q.data or role or is_active is not None)
    return render_template("users/list.html", page=page, filters=filters, is_filtered=is_filtered)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """A new account with a role, its scope and a first password."""
    form = UserCreateForm()
    form.set_scope_choices(region_choices(), branch_choices())
    if form.validate_on_submit():
        try:
            user = create_user(
                username=form.username.data,
                role=form.role.data,
                password=form.password.data,
                display_name=form.display_name.data,
                region=get_region(selected_id(form.region)),
                branch=get_branch(selected_id(form.branch)),
            )
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("User %(name)s has been created.", name=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<id:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    """Display name, role and scope; a new role or scope logs the user out everywhere."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm()
    form.set_scope_choices(region_choices(user.region), branch_choices(user.branch))
    if request.method == "GET":
        form.display_name.data = user.display_name
        form.role.data = user.role.value
        form.region.data = str(user.region_id or "")
        form.branch.data = str(user.branch_id or "")
    if form.validate_on_submit():
        try:
            changes = update_user(
                user,
                display_name=form.display_name.data,
                role=form.role.data,
                region=get_region(selected_id(form.region)),
                branch=get_branch(selected_id(form.branch)),
                actor=current_user._get_current_object(),
            )
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            if not changes:
                flash(_("Nothing was changed."), "info")
            elif changes.keys() & {"role", "region", "branch"}:
                flash(
                    _(
                        "User %(name)s has been saved and logged out everywhere, "
                        "because their role or scope changed.",
                        name=user.username,
                    ),
                    "success",
                )
            else:
                flash(_("User %(name)s has been saved.", name=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template(
        "users/form.html",
        form=form,
        user=user,
        history=user_history(user),
        history_labels=HISTORY_LABELS,
        confirm_form=ConfirmForm(),
    )


@bp.route("/<id:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate(user_id: int):
    """Ask for confirmation (GET), then disable the account and end its sessions (POST)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "danger")
        return redirect(url_for("users.edit", user_id=user.id))
    if not user.is_active:
        flash(_("User %(name)s is already deactivated.", name=user.username), "info")
        return redirect(url_for("users.edit", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        set_active(user, False, actor=current_user._get_current_object())
        db.session.commit()
        flash(
            _("User %(name)s has been deactivated and logged out.", name=user.username),
            "success",
        )
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/deactivate.html", form=form, user=user)


@bp.route("/<id:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate(user_id: int):
    """Enable a deactivated account again."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit() and not user.is_active:
        set_active(user, True, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("User %(name)s can log in again.", name=user.username), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<id:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_user_password(user_id: int):
    """Set a new password for a user; all of that user's sessions end."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("Change your own password here; it needs your current password."), "info")
        return redirect(url_for("auth.change_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(user, form.password.data, actor=current_user._get_current_object())
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The password of %(name)s has been set. They have been logged out everywhere.",
                    name=user.username,
                ),
                "success",
            )
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/password.html", form=form, user=user)
