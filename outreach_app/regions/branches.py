"""Creating, changing and listing branches; these flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from outreach_app.audit.services import record
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region


@dataclass(frozen=True)
class BranchData:
    """The fields of a branch an administrator sets."""

    name: str
    region: Region
    address: str = ""
    phone: str = ""
    is_active: bool = True


def branch_name_problem(name: str, branch: Branch | None = None) -> str | None:
    """Why ``name`` cannot be used for ``branch`` (None for a new one), or None if it can."""
    stmt = select(Branch.id).where(func.lower(Branch.name) == name.lower())
    if branch is not None and branch.id is not None:
        stmt = stmt.where(Branch.id != branch.id)
    if db.session.execute(stmt).first() is not None:
        return _("Another branch is already called %(name)s.", name=name)
    return None


def create_branch(data: BranchData) -> Branch:
    """Add a branch after checking that its name is free."""
    if problem := branch_name_problem(data.name):
        raise ServiceError(problem, field="name")
    branch = Branch(
        name=data.name,
        region=data.region,
        address=data.address,
        phone=data.phone,
        is_active=data.is_active,
    )
    db.session.add(branch)
    db.session.flush()
    record(
        "branch.create",
        branch,
        name=branch.name,
        region_id=branch.region_id,
        is_active=branch.is_active,
    )
    return branch


def update_branch(branch: Branch, data: BranchData) -> dict[str, list[Any]]:
    """Change ``branch``; deactivating is ``is_active=False``. Returns what changed."""
    if problem := branch_name_problem(data.name, branch):
        raise ServiceError(problem, field="name")
    changes: dict[str, list[Any]] = {}
    for name in ("name", "address", "phone", "is_active"):
        old, new = getattr(branch, name), getattr(data, name)
        if old != new:
            changes[name] = [old, new]
            setattr(branch, name, new)
    if branch.region_id != data.region.id:
        changes["region_id"] = [branch.region_id, data.region.id]
        branch.region = data.region
    db.session.flush()
    if changes:
        action = "branch.update"
        if "is_active" in changes:
            action = "branch.activate" if data.is_active else "branch.deactivate"
        record(action, branch, changes=changes)
    return changes


def branch_list_query(
    query: str = "", region: Region | None = None, status: str = ""
) -> Select[tuple[Branch]]:
    """Branches by name, matching ``query`` in name or address, inside ``region``'s subtree.

    ``status`` is "active", "inactive" or "" for both.
    """
    stmt = select(Branch).join(Branch.region).options(contains_eager(Branch.region))
    if query:
        stmt = stmt.where(
            or_(
                Branch.name.icontains(query, autoescape=True),
                Branch.address.icontains(query, autoescape=True),
            )
        )
    if region is not None:
        stmt = stmt.where(Region.path.startswith(region.path, autoescape=True))
    if status == "active":
        stmt = stmt.where(Branch.is_active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Branch.is_active.is_(False))
    return stmt.order_by(Branch.name, Branch.id)
