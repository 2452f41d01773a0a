"""Creating and editing regions as an administrator does, under the tree's rules; these
flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from outreach_app.audit.services import record
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.regions.models import BranchAccess, Region
from outreach_app.regions.tree import (
    DIVISION_CODE_MESSAGE,
    DIVISION_CODE_RE,
    MAX_LEVEL,
    add_region,
    move_problem,
    move_region,
)


@dataclass(frozen=True)
class RegionData:
    """The fields of a region an administrator sets; level and path follow from the parent."""

    name: str
    name_en: str | None = None
    division_code: str | None = None
    branch_access: BranchAccess = BranchAccess.BRANCH
    is_rural: bool = False


def division_code_problem(code: str | None, region: Region | None = None) -> str | None:
    """Why ``code`` cannot be used for ``region`` (None for a new one), or None if it can."""
    if not code:
        return None
    if not DIVISION_CODE_RE.fullmatch(code):
        return str(DIVISION_CODE_MESSAGE)
    stmt = select(Region.name).where(Region.division_code == code)
    if region is not None and region.id is not None:
        stmt = stmt.where(Region.id != region.id)
    holder = db.session.execute(stmt).scalar_one_or_none()
    if holder is not None:
        return _("The division code %(code)s is already used by %(name)s.", code=code, name=holder)
    return None


def child_problem(parent: Region | None) -> str | None:
    """Why no region can be added under ``parent``, or None if one can."""
    if parent is not None and parent.level >= MAX_LEVEL:
        return _(
            "%(name)s is a community or village, the lowest level of the tree; "
            "no region can be added under it.",
            name=parent.name,
        )
    return None


def create_region(data: RegionData, parent: Region | None) -> Region:
    """Add a region under ``parent`` (a root when None) after checking the tree's rules."""
    problems = {}
    if problem := child_problem(parent):
        problems["parent_id"] = problem
    if problem := division_code_problem(data.division_code):
        problems["division_code"] = problem
    if problems:
        raise ServiceError(problems)
    region = add_region(
        name=data.name,
        parent=parent,
        division_code=data.division_code,
        branch_access=data.branch_access,
        is_rural=data.is_rural,
        name_en=data.name_en,
    )
    record(
        "region.create",
        region,
        name=region.name,
        parent_id=region.parent_id,
        level=region.level,
        division_code=region.division_code,
    )
    return region


def assign_region(region: Region, data: RegionData) -> dict[str, list[Any]]:
    """Copy ``data`` onto ``region``; the changed fields as ``{name: [old, new]}``."""
    changes: dict[str, list[Any]] = {}
    for name in ("name", "name_en", "division_code", "branch_access", "is_rural"):
        old, new = getattr(region, name), getattr(data, name)
        if name in ("name_en", "division_code"):
            new = new or None
        if old != new:
            changes[name] = [old, new]
            setattr(region, name, new)
    return changes


def update_region(region: Region, data: RegionData, parent: Region | None) -> dict[str, list[Any]]:
    """Change ``region``'s fields and parent (moving its subtree); returns what changed."""
    problems = {}
    moving = (parent.id if parent is not None else None) != region.parent_id
    if moving and (problem := move_problem(region, parent)):
        problems["parent_id"] = problem
    if problem := division_code_problem(data.division_code, region):
        problems["division_code"] = problem
    if problems:
        raise ServiceError(problems)
    changes = assign_region(region, data)
    if moving:
        changes["parent_id"] = [region.parent_id, parent.id if parent is not None else None]
        move_region(region, parent)
    db.session.flush()
    if changes:
        record("region.update", region, changes=changes)
    return changes
