"""User accounts with a role and a scope (a head's region, a staff member's branch)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.core.roles import Role
from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region, region_subtree

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope


class User(UserMixin, db.Model):
    """A staff account. ``session_version`` changes whenever older sessions must stop working."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "(role != 'head' OR region_id IS NOT NULL)"
            " AND (role != 'staff' OR branch_id IS NOT NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # The private calendar feed URL is signed with this number; 0 means no feed, and
    # increasing it revokes the old address.
    calendar_feed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped to revoke the user's read-only reporting API token (coverage JSON).
    api_token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region | None] = relationship()
    branch: Mapped[Branch | None] = relationship()

    def get_id(self) -> str:
        """Id and session version; ``auth.sessions`` adds a login's issue time and nonce."""
        return f"{self.id}:{self.session_version}"

    @property
    def has_closed_branch(self) -> bool:
        """True for staff whose branch is deactivated: they are locked out until it reopens."""
        return self.role is Role.STAFF and self.branch is not None and not self.branch.is_active

    @property
    def can_log_in(self) -> bool:
        """Active and not staff of a closed branch: what every session and token requires."""
        return self.is_active and not self.has_closed_branch

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A head sees the users of their region and its branches; staff see their branch."""
        if scope.branch_id is not None:
            return cls.branch_id == scope.branch_id
        subtree = region_subtree(scope.region_path)
        return or_(
            cls.region_id.in_(subtree),
            cls.branch_id.in_(select(Branch.id).where(Branch.region_id.in_(subtree))),
        )

    @property
    def label(self) -> str:
        """The name shown in lists and menus."""
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
