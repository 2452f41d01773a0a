"""Creating and changing user accounts; these flush, the caller commits."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from outreach_app.audit.services import record
from outreach_app.auth.models import Role, User
from outreach_app.auth.passwords import hash_password, password_problems
from outreach_app.auth.services import find_user, normalize_username
from outreach_app.auth.sessions import revoke_sessions
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")


class UserError(ValueError):
    """A user account could not be created or changed; the message says why."""


def check_username(username: str) -> str:
    """The normalised user name, or UserError if it is malformed."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise UserError(_("User names have 3 to 64 letters, digits, dots, dashes or underscores."))
    return name


def resolve_scope(
    role: Role, region: Region | None, branch: Branch | None
) -> tuple[Region | None, Branch | None]:
    """The region and branch a role keeps: a head needs a region, staff a branch, admins none."""
    if role is Role.HEAD:
        if region is None:
            raise UserError(_("A regional head needs a region."))
        return region, None
    if role is Role.STAFF:
        if branch is None:
            raise UserError(_("Outreach staff need a branch."))
        return None, branch
    return None, None


def create_user(
    username: str,
    role: str | Role,
    password: str,
    display_name: str = "",
    region_code: str | None = None,
    branch_name: str | None = None,
    region: Region | None = None,
    branch: Branch | None = None,
    check_password: bool = True,
) -> User:
    """Create an active account after checking name, role, scope and password."""
    name = check_username(username)
    try:
        role = Role(role)
    except ValueError as error:
        raise UserError(_("Unknown role.")) from error
    if find_user(name) is not None:
        raise UserError(_("The user name %(name)s is taken.", name=name))
    if region is None and region_code:
        region = db.session.execute(
            select(Region).where(Region.division_code == region_code)
        ).scalar_one_or_none()
        if region is None:
            raise UserError(_("No region has the division code %(code)s.", code=region_code))
    if branch is None and branch_name:
        branch = db.session.execute(
            select(Branch).where(Branch.name == branch_name)
        ).scalar_one_or_none()
        if branch is None:
            raise UserError(_("No branch is called %(name)s.", name=branch_name))
    region, branch = resolve_scope(role, region, branch)
    if check_password:
        problems = password_problems(password, [name, display_name])
        if problems:
            raise UserError(" ".join(problems))
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role,
        region=region,
        branch=branch,
        password_hash=hash_password(password),
        is_active=True,
        session_version=1,
    )
    db.session.add(user)
    db.session.flush()
    record("user_created", user, role=role.value)
    return user


def set_active(user: User, is_active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    user.is_active = is_active
    if not is_active:
        revoke_sessions(user)
    record("user_activated" if is_active else "user_deactivated", user)
    db.session.flush()
