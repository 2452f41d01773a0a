"""Partner: an organisation in a region, looked after by one branch."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region, region_subtree

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope


class PartnerKind(enum.StrEnum):
    """The kinds of organisation the bank works with."""

    RESIDENTS_COMMITTEE = "residents_committee"
    VILLAGE_COMMITTEE = "village_committee"
    SENIOR_UNIVERSITY = "senior_university"
    SENIOR_HOME = "senior_home"
    SCHOOL = "school"
    UNIVERSITY = "university"
    SPECIAL_EDUCATION = "special_education"
    ENTERPRISE = "enterprise"
    OTHER = "other"


PARTNER_KIND_LABELS = {
    PartnerKind.RESIDENTS_COMMITTEE: _l("Residents' committee"),
    PartnerKind.VILLAGE_COMMITTEE: _l("Village committee"),
    PartnerKind.SENIOR_UNIVERSITY: _l("Senior university"),
    PartnerKind.SENIOR_HOME: _l("Senior welfare home"),
    PartnerKind.SCHOOL: _l("School"),
    PartnerKind.UNIVERSITY: _l("University"),
    PartnerKind.SPECIAL_EDUCATION: _l("Special-education institution"),
    PartnerKind.ENTERPRISE: _l("Enterprise"),
    PartnerKind.OTHER: _l("Other"),
}


class Partner(db.Model):
    """An organisation events are held with; ``branch`` is the branch that works with it."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind, 32))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    branch: Mapped[Branch] = relationship()

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A head sees partners in their region; staff see their branch's partners."""
        if scope.branch_id is not None:
            return cls.branch_id == scope.branch_id
        return cls.region_id.in_(region_subtree(scope.region_path))

    @property
    def kind_label(self) -> str:
        """The kind, in the current language."""
        return str(PARTNER_KIND_LABELS[self.kind])

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"
