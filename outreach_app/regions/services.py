"""Building and changing the region tree; these flush, the caller commits."""

from __future__ import annotations

from sqlalchemy import select

from outreach_app.extensions import db
from outreach_app.regions.models import BranchAccess, Region, RegionLevel


def add_region(
    name: str,
    parent: Region | None,
    level: RegionLevel | int | None = None,
    division_code: str | None = None,
    branch_access: BranchAccess = BranchAccess.BRANCH,
    is_rural: bool = False,
    name_en: str | None = None,
) -> Region:
    """Add a region under ``parent`` and give it its materialised path."""
    if level is None:
        level = RegionLevel.CITY if parent is None else RegionLevel(parent.level + 1)
    region = Region(
        name=name,
        name_en=name_en or None,
        parent=parent,
        level=int(level),
        division_code=division_code or None,
        branch_access=branch_access,
        is_rural=is_rural,
        path="",
    )
    db.session.add(region)
    db.session.flush()
    region.path = (parent.path if parent is not None else "/") + f"{region.id}/"
    db.session.flush()
    return region


def move_region(region: Region, new_parent: Region | None) -> None:
    """Put ``region`` under ``new_parent`` and rewrite the paths of its whole subtree."""
    old_path = region.path
    new_path = (new_parent.path if new_parent is not None else "/") + f"{region.id}/"
    if new_parent is not None and new_parent.path.startswith(old_path):
        raise ValueError("a region cannot move under itself")
    region.parent = new_parent
    descendants = db.session.execute(
        select(Region).where(Region.path.startswith(old_path, autoescape=True))
    ).scalars()
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
    db.session.flush()


def subtree_ids(region: Region) -> list[int]:
    """The ids of ``region`` and everything below it."""
    return list(
        db.session.execute(
            select(Region.id).where(Region.path.startswith(region.path, autoescape=True))
        ).scalars()
    )
