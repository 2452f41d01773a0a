"""Authentication and password changes; these flush, the view commits."""

from __future__ import annotations

from sqlalchemy import func, select

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.auth.passwords import hash_password, needs_rehash, verify_password
from outreach_app.auth.sessions import closed_branch_message, revoke_sessions
from outreach_app.core.types import utcnow
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db


def normalize_username(username: str) -> str:
    """User names compare without case or surrounding spaces."""
    return username.strip().lower()


def find_user(username: str) -> User | None:
    """The user with this name, whatever its case."""
    name = normalize_username(username)
    if "\x00" in name:  # no user name has one, and PostgreSQL refuses NUL in a query (500)
        return None
    stmt = select(User).where(func.lower(User.username) == name)
    return db.session.execute(stmt).scalar_one_or_none()


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; the work is the same either way.

    Staff of a deactivated branch who give the right password get a form-wide ServiceError
    saying so: the credentials are right but the account cannot be used now.
    """
    user = find_user(username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        record("login.fail", actor=None, username=normalize_username(username)[:64])
        return None
    if user.has_closed_branch:
        record("login.refuse", user, actor=user, reason="branch_deactivated")
        raise ServiceError(closed_branch_message(user))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record("login.succeed", user, actor=user)
    return user


def set_password(user: User, new_password: str, actor: User | None = None) -> list[str]:
    """Store a new password for ``user`` and end all of that user's sessions and tokens;
    returns the kinds of personal token that ended."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    ended = revoke_sessions(user, "password_changed", actor=actor or user)
    record("password.change", user, actor=actor or user)
    db.session.flush()
    return ended
