"""Region (a node of the administrative tree) and Branch (营业网点)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, ForeignKey, Integer, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.core.types import str_enum
from outreach_app.extensions import db

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope


class RegionLevel(enum.IntEnum):
    """Depth in the tree: city → district/county → street/township → community/village."""

    CITY = 1
    DISTRICT = 2
    STREET = 3
    COMMUNITY = 4


class BranchAccess(enum.StrEnum):
    """Whether people in an area can reach a branch."""

    BRANCH = "branch"
    HARD_TO_REACH = "hard_to_reach"
    NONE = "none"


REGION_LEVEL_LABELS = {
    RegionLevel.CITY: _l("City"),
    RegionLevel.DISTRICT: _l("District / county"),
    RegionLevel.STREET: _l("Street / township"),
    RegionLevel.COMMUNITY: _l("Community / village"),
}

BRANCH_ACCESS_LABELS = {
    BranchAccess.BRANCH: _l("Has a branch"),
    BranchAccess.HARD_TO_REACH: _l("Branch hard to reach"),
    BranchAccess.NONE: _l("No branch"),
}


class Region(db.Model):
    """A node of the administrative tree; ``path`` lists ancestor ids for subtree queries."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer)
    is_rural: Mapped[bool] = mapped_column(Boolean, default=False)
    division_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    branch_access: Mapped[BranchAccess] = mapped_column(
        str_enum(BranchAccess, 16),
        default=BranchAccess.BRANCH,
    )
    # "/1/7/42/": ids from the root down to this node, so a subtree is one LIKE 'prefix%'.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.name")
    branches: Mapped[list[Branch]] = relationship(back_populates="region")

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """Regions inside the scope's region subtree."""
        return cls.path.startswith(scope.region_path or "", autoescape=True)

    @property
    def depth(self) -> int:
        """How many ancestors this region has (0 for a root)."""
        return self.path.count("/") - 2 if self.path else 0

    def __repr__(self) -> str:
        return f"<Region {self.id} {self.name}>"


class Branch(db.Model):
    """A bank outlet; ``region`` is the area it serves, and staff belong to one branch."""

    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    region: Mapped[Region] = relationship(back_populates="branches")

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A head sees the branches in their region; staff see their own branch."""
        if scope.branch_id is not None:
            return cls.id == scope.branch_id
        return cls.region_id.in_(region_subtree(scope.region_path))

    def __repr__(self) -> str:
        return f"<Branch {self.id} {self.name}>"


def region_subtree(path: str | None) -> Select[tuple[int]]:
    """The ids of the region at ``path`` and every region below it, to use in
    ``column.in_(...)``; every region for None (an administrator's scope)."""
    stmt = select(Region.id)
    if path is not None:
        stmt = stmt.where(Region.path.startswith(path, autoescape=True))
    return stmt
