"""Regions and branches a user may see and choose, read in one place for every area."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from outreach_app.core.ids import parse_id
from outreach_app.core.scope import ScopedUser, scoped_select
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region


def region_in_scope(user: ScopedUser, region_id: Any) -> Region | None:
    """The region ``region_id`` if ``user`` may see it, else None (never an error)."""
    key = parse_id(region_id)
    if key is None:
        return None
    stmt = scoped_select(Region, user).where(Region.id == key)
    return db.session.execute(stmt).scalar_one_or_none()


def branch_in_scope(user: ScopedUser, branch_id: Any) -> Branch | None:
    """The active branch ``branch_id`` if ``user`` may see it, else None."""
    key = parse_id(branch_id)
    if key is None:
        return None
    stmt = scoped_select(Branch, user).where(Branch.id == key, Branch.is_active.is_(True))
    return db.session.execute(stmt).scalar_one_or_none()


def regions_in_scope(user: ScopedUser) -> list[tuple[Region, int]]:
    """The regions ``user`` may choose, in tree order with their depth below the scope's top.

    One query; the tree is put in order here because sorting paths in SQL depends on the
    database's collation.
    """
    regions = list(db.session.execute(scoped_select(Region, user)).scalars())
    known = {region.id for region in regions}
    children: dict[int | None, list[Region]] = defaultdict(list)
    for region in regions:
        children[region.parent_id if region.parent_id in known else None].append(region)

    def sibling_order(region: Region) -> tuple[bool, str, str, int]:
        code = region.division_code or ""
        return (not code, code, region.name, region.id)

    ordered: list[tuple[Region, int]] = []
    stack = [(region, 0) for region in sorted(children[None], key=sibling_order, reverse=True)]
    while stack:
        region, depth = stack.pop()
        ordered.append((region, depth))
        below = sorted(children[region.id], key=sibling_order, reverse=True)
        stack.extend((child, depth + 1) for child in below)
    return ordered


def branches_in_scope(user: ScopedUser) -> list[Branch]:
    """The active branches ``user`` may assign partners to, by name."""
    stmt = scoped_select(Branch, user).where(Branch.is_active.is_(True)).order_by(Branch.name)
    return list(db.session.execute(stmt).scalars())
