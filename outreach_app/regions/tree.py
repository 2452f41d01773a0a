"""The region tree: its levels and division codes, adding and moving regions (a region's
``path`` lists its ancestors' ids), and the whole tree as plain data for pages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.regions.models import (
    BRANCH_ACCESS_LABELS,
    REGION_LEVEL_LABELS,
    Branch,
    BranchAccess,
    Region,
    RegionLevel,
)

MAX_LEVEL = int(RegionLevel.COMMUNITY)
# National division codes: 6 digits (province/city/county), 9 (township), 12 (village).
DIVISION_CODE_RE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")
DIVISION_CODE_MESSAGE = _l("A division code has 6, 9 or 12 digits.")


def level_label(level: int) -> str:
    """The name of a tree level ("District / county"), or "level N" outside the four."""
    try:
        return str(REGION_LEVEL_LABELS[RegionLevel(level)])
    except ValueError:
        return _("level %(level)d", level=level)


def normalize_code(value: str | None) -> str:
    """A division code with full-width digits made ASCII and surrounding space removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


# --- Adding and moving regions --------------------------------------------------------------


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


def move_problem(region: Region, new_parent: Region | None) -> str | None:
    """Why ``region`` may not move under ``new_parent``, or None if it may.

    A move keeps the region's level: a street stays a street. Moving to another level would
    have to re-level the whole subtree and change what the regions mean, so it is refused.
    """
    if new_parent is not None and new_parent.path.startswith(region.path):
        return _("A region cannot move under itself or one of its own sub-regions.")
    new_level = 1 if new_parent is None else new_parent.level + 1
    if new_level != region.level:
        return _(
            "Moving %(name)s there would change its level from %(old)s to %(new)s. "
            "Pick a parent on the same level as its current parent.",
            name=region.name,
            old=level_label(region.level),
            new=level_label(new_level),
        )
    return None


def move_region(region: Region, new_parent: Region | None) -> None:
    """Put ``region`` under ``new_parent`` and rewrite the paths of its whole subtree."""
    problem = move_problem(region, new_parent)
    if problem:
        raise ServiceError(problem, field="parent_id")
    old_path = region.path
    new_path = (new_parent.path if new_parent is not None else "/") + f"{region.id}/"
    region.parent = new_parent
    descendants = db.session.execute(
        select(Region).where(Region.path.startswith(old_path, autoescape=True))
    ).scalars()
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
    db.session.flush()


# --- The tree as plain data -----------------------------------------------------------------


@dataclass(eq=False)
class RegionNode:
    """One region with its children, for display; built from a single query."""

    id: int
    parent_id: int | None
    name: str
    name_en: str | None
    level: int
    division_code: str | None
    branch_access: BranchAccess
    is_rural: bool
    path: str
    branch_count: int
    depth: int = 0
    ancestors: tuple[str, ...] = ()
    children: list[RegionNode] = field(default_factory=list)
    subtree_branch_count: int = 0

    @property
    def level_label(self) -> str:
        """The level's name: city, district/county, street/township or community/village."""
        return level_label(self.level)

    @property
    def access_label(self) -> str:
        """The translated branch-access value."""
        return str(BRANCH_ACCESS_LABELS[self.branch_access])

    @property
    def can_have_children(self) -> bool:
        """False for communities and villages, the lowest level."""
        return self.level < MAX_LEVEL

    @property
    def path_ids(self) -> list[int]:
        """The ids from the root down to this region."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


@dataclass
class RegionTree:
    """The whole tree: ``roots`` nested, ``by_id`` for lookups."""

    roots: list[RegionNode]
    by_id: dict[int, RegionNode]

    def __iter__(self) -> Iterator[RegionNode]:
        """Every node, depth first, in display order."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def __len__(self) -> int:
        return len(self.by_id)

    def search(self, query: str) -> list[RegionNode]:
        """Nodes whose name, English name or division code contains ``query``, in tree order."""
        needle = normalize_code(query).casefold()
        if not needle:
            return []
        return [
            node
            for node in self
            if needle in node.name.casefold()
            or needle in (node.name_en or "").casefold()
            or needle in (node.division_code or "")
        ]

    def subtree_of(self, region_id: int) -> Iterator[RegionNode]:
        """The node ``region_id`` and every node below it."""
        root = self.by_id.get(region_id)
        if root is None:
            return
        stack = [root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children)


def _sibling_order(node: RegionNode) -> tuple[bool, str, str]:
    # Division codes order siblings the way official lists do; regions without one go last.
    return (node.division_code is None, node.division_code or "", node.name)


def load_region_tree() -> RegionTree:
    """The whole region tree with active-branch counts, loaded in one query."""
    active_branches = (
        select(func.count(Branch.id))
        .where(Branch.region_id == Region.id, Branch.is_active.is_(True))
        .correlate(Region)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Region.id,
            Region.parent_id,
            Region.name,
            Region.name_en,
            Region.level,
            Region.division_code,
            Region.branch_access,
            Region.is_rural,
            Region.path,
            active_branches,
        ).order_by(Region.path)
    ).all()
    roots: list[RegionNode] = []
    by_id: dict[int, RegionNode] = {}
    # Ordered by path, a parent ("/1/") always comes before its descendants ("/1/7/").
    for row in rows:
        node = RegionNode(*row)
        by_id[node.id] = node
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        if parent is None:
            roots.append(node)
        else:
            node.depth = parent.depth + 1
            node.ancestors = (*parent.ancestors, parent.name)
            parent.children.append(node)
    for node in by_id.values():
        node.children.sort(key=_sibling_order)
    roots.sort(key=_sibling_order)
    tree = RegionTree(roots, by_id)
    # Reversed depth-first order visits every child before its parent.
    for node in reversed(list(tree)):
        node.subtree_branch_count = node.branch_count + sum(
            child.subtree_branch_count for child in node.children
        )
    return tree
