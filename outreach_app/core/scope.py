"""The data a user may see: everything (admin), a region subtree (head) or a branch (staff).

Every scoped model has a ``scope_filter(scope)`` class method returning a SQL condition; the
helpers here are the only way views list or load scoped objects, so a forgotten filter is
impossible to write by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, select, true

from outreach_app.core.ids import parse_id
from outreach_app.core.roles import Role
from outreach_app.extensions import db


@dataclass(frozen=True)
class Scope:
    """What one user may see: ``region_path`` bounds heads and staff, ``branch_id`` bounds staff."""

    role: Role
    region_path: str | None = None
    branch_id: int | None = None

    @property
    def is_everything(self) -> bool:
        """True for administrators, who see all data."""
        return self.role is Role.ADMIN


class Scoped(Protocol):
    """A model that knows how to limit itself to a scope."""

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]: ...


class ScopedUser(Protocol):
    """What the scope of a user is read from (``auth.models.User``)."""

    role: Role
    region: Any
    branch: Any
    branch_id: int | None


M = TypeVar("M")


def scope_of(user: ScopedUser) -> Scope:
    """The scope of ``user``; an unscoped user, or staff of a deactivated branch, sees nothing."""
    if user.role is Role.ADMIN:
        return Scope(Role.ADMIN)
    if user.role is Role.HEAD and user.region is not None:
        return Scope(Role.HEAD, region_path=user.region.path)
    if user.role is Role.STAFF and user.branch is not None and user.branch.is_active:
        return Scope(Role.STAFF, region_path=user.branch.region.path, branch_id=user.branch_id)
    return Scope(Role.STAFF, region_path="/nothing/", branch_id=-1)


def scope_clause(model: type[Scoped], scope: Scope) -> ColumnElement[bool]:
    """The SQL condition that keeps ``model`` rows inside ``scope``."""
    if scope.is_everything:
        return true()
    return model.scope_filter(scope)


def scoped_select(model: type[M], user: ScopedUser) -> Select[tuple[M]]:
    """``select(model)`` limited to what ``user`` may see."""
    return select(model).where(scope_clause(model, scope_of(user)))  # type: ignore[arg-type]


def get_scoped_or_404(model: type[M], object_id: Any, user: ScopedUser) -> M:
    """Load one object by id if ``user`` may see it; anything else is a 404, never a 403."""
    key = parse_id(object_id)
    if key is None:
        abort(404)
    stmt = scoped_select(model, user).where(model.id == key)  # type: ignore[attr-defined]
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj
