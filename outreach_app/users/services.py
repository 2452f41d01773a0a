"""Creating and changing user accounts; these flush, the caller commits."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from outreach_app.audit.models import AuditLog
from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.auth.passwords import hash_password, password_problems
from outreach_app.auth.services import find_user, normalize_username, set_password
from outreach_app.auth.sessions import revoke_sessions
from outreach_app.core.roles import Role
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region, RegionLevel

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
DISPLAY_NAME_MAX_LENGTH = 80
# Control characters and text-direction overrides (U+202E "RLO" and friends) make names lie.
FORBIDDEN_NAME_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Heads oversee a city, a district or a street; the many communities stay out of the menu.
HEAD_REGION_MAX_LEVEL = RegionLevel.STREET
SEARCH_MAX_LENGTH = 100


def check_username(username: str) -> str:
    """The normalised user name, or ServiceError if it is malformed."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise ServiceError(
            _("User names have 3 to 64 letters, digits, dots, dashes or underscores."),
            field="username",
        )
    return name


def check_display_name(display_name: str) -> str:
    """The display name without surrounding spaces, or ServiceError if it is too long or unsafe."""
    name = display_name.strip()
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise ServiceError(
            _("Use at most %(n)d characters.", n=DISPLAY_NAME_MAX_LENGTH), field="display_name"
        )
    if FORBIDDEN_NAME_CHARS.search(name):
        raise ServiceError(
            _("Names cannot contain control or text-direction characters."),
            field="display_name",
        )
    return name


def check_role(role: str | Role) -> Role:
    """``role`` as a Role, or ServiceError for anything else (``superuser`` included)."""
    try:
        return Role(role)
    except ValueError as error:
        raise ServiceError(_("Unknown role."), field="role") from error


def resolve_scope(
    role: Role, region: Region | None, branch: Branch | None
) -> tuple[Region | None, Branch | None]:
    """The region and branch a role keeps: a head needs a region, staff a branch, admins none."""
    if role is Role.HEAD:
        if region is None:
            raise ServiceError(_("A regional head needs a region."), field="region")
        return region, None
    if role is Role.STAFF:
        if branch is None:
            raise ServiceError(_("Outreach staff need a branch."), field="branch")
        return None, branch
    return None, None


def check_new_password(user_inputs: list[str], password: str) -> None:
    """ServiceError with every problem of ``password`` under the password policy."""
    problems = password_problems(password, user_inputs)
    if problems:
        raise ServiceError(" ".join(problems), field="password")


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
    display_name = check_display_name(display_name)
    role = check_role(role)
    if find_user(name) is not None:
        raise ServiceError(_("The user name %(name)s is taken.", name=name), field="username")
    if region is None and region_code:
        region = db.session.execute(
            select(Region).where(Region.division_code == region_code)
        ).scalar_one_or_none()
        if region is None:
            raise ServiceError(
                _("No region has the division code %(code)s.", code=region_code), field="region"
            )
    if branch is None and branch_name:
        branch = db.session.execute(
            select(Branch).where(Branch.name == branch_name)
        ).scalar_one_or_none()
        if branch is None:
            raise ServiceError(_("No branch is called %(name)s.", name=branch_name), field="branch")
    region, branch = resolve_scope(role, region, branch)
    if check_password:
        check_new_password([name, display_name], password)
    user = User(
        username=name,
        display_name=display_name,
        role=role,
        region=region,
        branch=branch,
        password_hash=hash_password(password),
        is_active=True,
        session_version=1,
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", user, role=role.value, scope=_scope_name(region, branch))
    return user


def update_user(
    user: User,
    display_name: str,
    role: str | Role,
    region: Region | None,
    branch: Branch | None,
    actor: User | None = None,
) -> dict[str, Any]:
    """Change name, role and scope; a new role or scope ends that user's sessions and tokens.

    Returns the changes as ``{field: [old, new]}``; an empty dict means nothing changed.
    Nothing is touched before every check has passed.
    """
    display_name = check_display_name(display_name)
    new_role = check_role(role)
    if (
        actor is not None
        and actor.id == user.id
        and user.role is Role.ADMIN
        and new_role is not Role.ADMIN
    ):
        raise ServiceError(
            _("You cannot remove your own administrator role. Ask another administrator."),
            field="role",
        )
    region, branch = resolve_scope(new_role, region, branch)
    changes: dict[str, Any] = {}
    if user.display_name != display_name:
        changes["display_name"] = [user.display_name, display_name]
    if user.role is not new_role:
        changes["role"] = [user.role.value, new_role.value]
    if user.region_id != (region.id if region else None):
        changes["region"] = [_scope_name(user.region, None), _scope_name(region, None)]
    if user.branch_id != (branch.id if branch else None):
        changes["branch"] = [_scope_name(None, user.branch), _scope_name(None, branch)]
    if not changes:
        return changes
    user.display_name = display_name
    user.role = new_role
    user.region = region
    user.branch = branch
    if changes.keys() & {"role", "region", "branch"}:
        revoke_sessions(user, "role_or_scope_changed", actor=actor)
    record("user.update", user, actor=actor, **changes)
    db.session.flush()
    return changes


def set_active(user: User, is_active: bool, actor: User | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions and tokens at once.

    An administrator (``actor``) cannot disable their own account.
    """
    if not is_active and actor is not None and actor.id == user.id:
        raise ServiceError(_("You cannot deactivate your own account."))
    user.is_active = is_active
    if not is_active:
        revoke_sessions(user, "deactivated", actor=actor)
    record("user.activate" if is_active else "user.deactivate", user, actor=actor)
    db.session.flush()


def reset_password(user: User, new_password: str, actor: User | None = None) -> None:
    """An administrator sets a new password for ``user``; all of its sessions end."""
    check_new_password([user.username, user.display_name], new_password)
    set_password(user, new_password, actor=actor)


def user_list_select(
    search: str = "", role: Role | None = None, is_active: bool | None = None
) -> Select[tuple[User]]:
    """Users whose user name or display name contains ``search``, by role and state."""
    stmt = select(User).options(selectinload(User.region), selectinload(User.branch))
    # Control characters cannot be in a name, and PostgreSQL refuses NUL in a query.
    search = FORBIDDEN_NAME_CHARS.sub("", search).strip()[:SEARCH_MAX_LENGTH].lower()
    if search:
        stmt = stmt.where(
            or_(
                func.lower(User.username).contains(search, autoescape=True),
                func.lower(User.display_name).contains(search, autoescape=True),
            )
        )
    if role is not None:
        stmt = stmt.where(User.role == role)
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    return stmt.order_by(User.username)


def region_choices(current: Region | None = None) -> list[tuple[int, str]]:
    """Regions a head may oversee, in tree order, labelled with their path of names.

    ``current`` (a user's present region) is listed even when it lies deeper.
    """
    regions = list(db.session.execute(select(Region)).scalars())
    by_id = {region.id: region for region in regions}

    def ancestry(region: Region) -> list[Region]:
        ids = [int(part) for part in region.path.strip("/").split("/") if part.isdigit()]
        return [by_id[i] for i in ids if i in by_id] or [region]

    listed = [
        region
        for region in regions
        if region.level <= HEAD_REGION_MAX_LEVEL
        or (current is not None and region.id == current.id)
    ]
    listed.sort(key=lambda region: [(node.name, node.id) for node in ancestry(region)])
    return [(region.id, " / ".join(node.name for node in ancestry(region))) for region in listed]


def branch_choices(current: Branch | None = None) -> list[tuple[int, str]]:
    """Active branches (and ``current``, even if closed), labelled with their region."""
    stmt = select(Branch).options(selectinload(Branch.region)).order_by(Branch.name)
    branches = [
        branch
        for branch in db.session.execute(stmt).scalars()
        if branch.is_active or (current is not None and branch.id == current.id)
    ]
    return [(branch.id, f"{branch.name} · {branch.region.name}") for branch in branches]


def get_region(region_id: int | None) -> Region | None:
    """The region with this id, or None."""
    return db.session.get(Region, region_id) if region_id is not None else None


def get_branch(branch_id: int | None) -> Branch | None:
    """The branch with this id, or None."""
    return db.session.get(Branch, branch_id) if branch_id is not None else None


def user_history(user: User, limit: int = 20) -> list[AuditLog]:
    """The latest audit entries about ``user``, newest first."""
    stmt = (
        select(AuditLog)
        .options(selectinload(AuditLog.user))
        .where(AuditLog.object_type == User.__tablename__, AuditLog.object_id == user.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def _scope_name(region: Region | None, branch: Branch | None) -> str | None:
    if branch is not None:
        return branch.name
    if region is not None:
        return region.name
    return None
