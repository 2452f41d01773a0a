"""Log in, log out and change one's own password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.forms import ChangePasswordForm, LoginForm
from outreach_app.auth.passwords import password_problems, verify_password
from outreach_app.auth.services import authenticate, normalize_username, set_password
from outreach_app.auth.sessions import end_session, start_session
from outreach_app.core.forms import show_errors
from outreach_app.core.urls import safe_next
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import client_address, db, limiter

bp = Blueprint("auth", __name__)


def _login_username_key() -> str:
    return "login-user:" + normalize_username(request.form.get("username", ""))[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    key_func=client_address,
    methods=["POST"],
    override_defaults=False,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    key_func=_login_username_key,
    methods=["POST"],
    override_defaults=False,
)
def login():
    """The login form; one generic message for every failure, except that staff of a closed
    branch who give the right password are told why they cannot log in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except ServiceError as refusal:
            db.session.commit()  # keep the audit entry of the refusal
            show_errors(form, refusal)
            return render_template("auth/login.html", form=form)
        if user is not None:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.label), "success")
            return redirect(safe_next(form.next.data) or url_for("home.index"))
        db.session.commit()  # keep the audit entry of the failure
        flash(_("The user name or password is wrong, or the account is disabled."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here and on every other device."""
    end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other sessions end, this one starts afresh."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            problems = password_problems(
                form.new_password.data, [current_user.username, current_user.display_name]
            )
            if problems:
                form.new_password.errors.extend(problems)
            else:
                user = current_user._get_current_object()
                ended_tokens = set_password(user, form.new_password.data)
                db.session.commit()
                start_session(user, remember=False)
                flash(
                    _("Your password has been changed. Other devices have been logged out."),
                    "success",
                )
                if ended_tokens:
                    flash(
                        _(
                            "For safety, your personal tokens (calendar feed address, reporting "
                            "token) no longer work. Create new ones if you need them."
                        ),
                        "info",
                    )
                return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
