"""A problem a customer raised at an event, and its follow-up.

Dates are days of the bank's calendar (its time zone): the due date is the day the problem is
raised plus ``PROBLEM_DAYS_TO_CLOSE``, and ``closed_on`` is the day it was closed, so that
"closed late" is ``closed_on > due_on`` in SQL and Python alike, with no time-zone arithmetic in
the database (the coverage rollups count it). ``closed_at`` keeps the moment in UTC.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.auth.models import User
from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.events.models import Event
from outreach_app.extensions import db

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope


class ProblemCategory(enum.StrEnum):
    """What a problem is about."""

    FEES = "fees"
    PRODUCTS = "products"
    SERVICE = "service"
    FRAUD = "fraud"
    ACCESSIBILITY = "accessibility"
    COMPLAINT_CHANNEL = "complaint_channel"
    OTHER = "other"


class ProblemStatus(enum.StrEnum):
    """Open until its owner (or a head, or an administrator) closes it with an answer."""

    OPEN = "open"
    CLOSED = "closed"


PROBLEM_CATEGORY_LABELS = {
    ProblemCategory.FEES: _l("Fees"),
    ProblemCategory.PRODUCTS: _l("Products"),
    ProblemCategory.SERVICE: _l("Service"),
    ProblemCategory.FRAUD: _l("Suspected fraud"),
    ProblemCategory.ACCESSIBILITY: _l("Accessibility"),
    ProblemCategory.COMPLAINT_CHANNEL: _l("Complaint channel"),
    ProblemCategory.OTHER: _l("Other"),
}

PROBLEM_STATUS_LABELS = {
    ProblemStatus.OPEN: _l("Open"),
    ProblemStatus.CLOSED: _l("Closed"),
}

DESCRIPTION_MAX = 1000
ANSWER_MAX = 1000


class Problem(db.Model):
    """One problem raised by a customer at an event: what it is about, who owns it, by when it
    must be answered, and the answer. Nothing names the customer; a callback number is kept
    only with their consent and only until the problem is closed."""

    __tablename__ = "problem"
    __table_args__ = (
        CheckConstraint(
            "(status = 'open' AND closed_on IS NULL)"
            " OR (status = 'closed' AND closed_on IS NOT NULL)",
            name="closed_has_date",
        ),
        CheckConstraint("callback_phone = '' OR callback_consent", name="callback_needs_consent"),
        # The live figures (open, overdue) of a region and an owner's list read open problems
        # by due date without touching the closed ones, which are most of them.
        Index("ix_problem_status_due_event", "status", "due_on", "event_id"),
        Index("ix_problem_owner_status_due", "owner_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    category: Mapped[ProblemCategory] = mapped_column(str_enum(ProblemCategory, 24))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raised_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ProblemStatus] = mapped_column(
        str_enum(ProblemStatus, 16), default=ProblemStatus.OPEN
    )
    callback_consent: Mapped[bool] = mapped_column(default=False)
    callback_phone: Mapped[str] = mapped_column(String(20), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A problem is seen by whoever sees its event."""
        return cls.event_id.in_(select(Event.id).where(Event.scope_filter(scope)))

    @property
    def is_open(self) -> bool:
        """True until the problem is closed."""
        return self.status is ProblemStatus.OPEN

    @property
    def is_closed_late(self) -> bool:
        """True when it was closed after its due date."""
        return self.closed_on is not None and self.closed_on > self.due_on

    def is_overdue(self, today: date) -> bool:
        """True when it is still open past its due date."""
        return self.is_open and today > self.due_on

    @property
    def category_label(self) -> str:
        """The category, in the current language."""
        return str(PROBLEM_CATEGORY_LABELS[self.category])

    @property
    def status_label(self) -> str:
        """The status, in the current language."""
        return str(PROBLEM_STATUS_LABELS[self.status])

    def __repr__(self) -> str:
        return f"<Problem {self.id} {self.status}>"
