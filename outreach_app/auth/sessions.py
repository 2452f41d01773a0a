"""Login sessions: revocable identities with an issue time, idle and absolute time-outs.

Flask-Login keeps an identity in the session and signs the same text into the remember-me
cookie: ``id:session_version:issued_at:nonce``. ``load_user`` accepts it only while the user may
log in, the session version is current and the login is younger than REMEMBER_COOKIE_DURATION,
so a copied cookie works at most that long after its login, and not at all once the version
moves (logout, password change, deactivation, new role or scope). The nonce gives every login a
cookie of its own. One session idles out after IDLE_TIMEOUT and ends after
PERMANENT_SESSION_LIFETIME; a remembered login then comes back through its cookie.
"""

from __future__ import annotations

import re
import secrets
import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_login.utils import decode_cookie

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.auth.user_tokens import MAX_ID, PERSONAL_TOKENS
from outreach_app.extensions import db, login_manager

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
IDENTITY_RE = re.compile(r"(\d{1,10}):(\d{1,10}):(\d{1,12}):([0-9a-f]{16})", re.ASCII)
# An issue time may be this far ahead of this server's clock (another server's), no more.
CLOCK_SKEW_SECONDS = 60
# Set by ``load_user`` when a closed branch is why a session was refused.
_REFUSAL = "_login_refusal"


def init_login(app: Flask) -> None:
    """Set up Flask-Login and the time-out check that runs before each request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_timeouts)


def now_seconds() -> int:
    """The current time in whole seconds since the epoch, as sessions record it."""
    return int(time.time())


def session_identity(user: User, issued_at: int) -> str:
    """A new login's identity: ``id:session_version:issued_at:nonce``."""
    return f"{user.id}:{user.session_version}:{issued_at}:{secrets.token_hex(8)}"


def is_young(issued_at: int, now: int) -> bool:
    """True while a login issued at ``issued_at`` is within REMEMBER_COOKIE_DURATION."""
    age_limit = int(current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds())
    return -CLOCK_SKEW_SECONDS <= now - issued_at <= age_limit


def closed_branch_message(user: User) -> str:
    """What a staff member of a deactivated branch is told at login or when logged out."""
    return _(
        "Your branch %(name)s has been deactivated, so you cannot log in until it is "
        "reactivated. Please ask an administrator.",
        name=user.branch.name if user.branch is not None else "",
    )


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The user an identity names, if it is current and young and the user may log in."""
    match = IDENTITY_RE.fullmatch(identity or "")
    if match is None:
        return None
    user_id, version, issued_at = (int(part) for part in match.groups()[:3])
    if not 0 < user_id <= MAX_ID or not is_young(issued_at, now_seconds()):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    if not user.can_log_in:
        if user.is_active and user.has_closed_branch:
            g.setdefault(_REFUSAL, closed_branch_message(user))
        return None
    return user


def start_session(user: User, remember: bool) -> None:
    """Log ``user`` in with a fresh session (nothing from before login survives) and, when
    ``remember``, a new remember-me cookie carrying this login's issue time."""
    session.clear()
    login_user(user, remember=remember)
    now = now_seconds()
    session["_user_id"] = session_identity(user, now)
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def end_session() -> None:
    """Log out here and everywhere: the session version moves on, so older cookies die."""
    if current_user.is_authenticated:
        revoke_sessions(current_user._get_current_object(), "logout", keep_tokens=True)
        db.session.commit()
    _drop_session()


def _drop_session() -> None:
    """Forget the login in this browser, the remember-me cookie included."""
    logout_user()
    session.clear()
    # logout_user() asked Flask-Login to delete the remember cookie; clear() dropped that request.
    session["_remember"] = "clear"


def revoke_sessions(
    user: User, reason: str, actor: User | None = None, keep_tokens: bool = False
) -> list[str]:
    """End every session and remember cookie of ``user`` and, unless ``keep_tokens`` (a
    logout), every personal token too; one audit entry says why and which tokens ended.
    Returns the kinds of token that ended.

    Tokens are switched off rather than renewed, so that a reactivated account has none until
    its user asks again, and never gets an old address back.
    """
    user.session_version = (user.session_version or 0) + 1
    ended = [] if keep_tokens else [kind.audit_name for kind in PERSONAL_TOKENS if kind.clear(user)]
    record("sessions.revoke", user, actor=actor, reason=reason, tokens=ended)
    return ended


def _resume_from_remember_cookie(now: int) -> bool:
    """Start a new session from this browser's remember-me cookie if it is still good."""
    cookie = request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])
    identity = decode_cookie(cookie) if cookie else None
    user = load_user(identity) if identity else None
    if user is None:
        return False
    session.clear()
    login_user(user, remember=False, fresh=False)
    session["_user_id"] = identity  # the cookie's own identity: its issue time stays
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    return True


def enforce_session_timeouts():
    """Log out a session that was idle too long or is older than the absolute limit, unless a
    young remember-me cookie brings the login back; say why a closed branch's staff are out."""
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        refusal = g.pop(_REFUSAL, None)
        if refusal is not None:
            _drop_session()
            flash(refusal, "danger")
        return None
    now = now_seconds()
    login_at = session.setdefault(LOGIN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    idle_limit = int(current_app.config["IDLE_TIMEOUT"].total_seconds())
    absolute = int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    expired = now - seen_at > idle_limit or now - login_at > absolute
    if expired and not _resume_from_remember_cookie(now):
        _drop_session()
        flash(_("Your session has expired. Please log in again."), "info")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )
    session[SEEN_AT] = now
    return None
