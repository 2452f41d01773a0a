"""Login sessions: revocable identities, idle and absolute time-outs."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from outreach_app.auth.models import User
from outreach_app.extensions import db, login_manager

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
IDLE_SECONDS = "_idle_s"


def init_login(app: Flask) -> None:
    """Set up Flask-Login and the time-out check that runs before each request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_timeouts)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The active user named by ``id:session_version``; any older version is rejected."""
    user_id, _sep, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def start_session(user: User, remember: bool) -> None:
    """Log ``user`` in with a fresh session (nothing from before login survives)."""
    session.clear()
    login_user(user, remember=remember)
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    idle = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else current_app.config["IDLE_TIMEOUT"]
    )
    session[IDLE_SECONDS] = int(idle.total_seconds())


def end_session() -> None:
    """Log out here and everywhere: the session version moves on, so older cookies die."""
    if current_user.is_authenticated:
        revoke_sessions(current_user)
        db.session.commit()
    _drop_session()


def _drop_session() -> None:
    """Forget the login in this browser, the remember-me cookie included."""
    logout_user()
    session.clear()
    # logout_user() asked Flask-Login to delete the remember cookie; clear() dropped that request.
    session["_remember"] = "clear"


def revoke_sessions(user: User) -> None:
    """Make every existing session and remember cookie of ``user`` invalid."""
    user.session_version = (user.session_version or 0) + 1


def enforce_session_timeouts():
    """Log out a session that was idle too long or is older than the absolute limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(time.time())
    login_at = session.setdefault(LOGIN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    idle_limit = session.get(IDLE_SECONDS, int(current_app.config["IDLE_TIMEOUT"].total_seconds()))
    absolute = int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    if now - seen_at > idle_limit or now - login_at > max(absolute, idle_limit):
        _drop_session()
        flash(_("Your session has expired. Please log in again."), "info")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )
    session[SEEN_AT] = now
    return None
