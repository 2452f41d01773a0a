"""Event and its links to target groups, topics and assigned staff."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.auth.models import User
from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.regions.models import Branch, Region, region_subtree

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope


class EventStatus(enum.StrEnum):
    """Lifecycle: planned → confirmed → completed, or cancelled."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


EVENT_STATUS_LABELS = {
    EventStatus.PLANNED: _l("Planned"),
    EventStatus.CONFIRMED: _l("Confirmed"),
    EventStatus.COMPLETED: _l("Completed"),
    EventStatus.CANCELLED: _l("Cancelled"),
}

event_target_group = Table(
    "event_target_group",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("target_group_id", ForeignKey("target_group.id"), primary_key=True, index=True),
)

event_topic = Table(
    "event_topic",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id"), primary_key=True, index=True),
)

event_staff = Table(
    "event_staff",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class Event(db.Model):
    """One outreach event. Times are local wall-clock times in the app's time zone."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "expected_attendance IS NULL OR expected_attendance >= 0", name="expected_not_negative"
        ),
        Index("ix_event_branch_starts", "branch_id", "starts_at"),
        Index("ix_event_region_starts", "region_id", "starts_at"),
        Index("ix_event_starts_at", "starts_at"),
        # The list's common filters: a branch's or region's events of one status, by date.
        Index("ix_event_branch_status_starts", "branch_id", "status", "starts_at"),
        Index("ix_event_region_status_starts", "region_id", "status", "starts_at"),
        # A partner's last visit (coverage: partners not visited for months).
        Index("ix_event_partner_status_starts", "partner_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The kind's code (never changed once used), so rollups and exports keep it as it is.
    kind: Mapped[str] = mapped_column(String(16), ForeignKey("event_kind.code"))
    status: Mapped[EventStatus] = mapped_column(
        str_enum(EventStatus, 16),
        default=EventStatus.PLANNED,
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    expected_attendance: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # Events made together as a weekly or monthly series share this key.
    series_key: Mapped[str | None] = mapped_column(String(32), index=True)
    # The post-event report, filled in on completion.
    report_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    issues_raised: Mapped[str] = mapped_column(Text, default="", server_default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Loaded with the events (one query per batch): lists show its name and the venue rule.
    kind_info: Mapped[EventKind] = relationship(lazy="selectin")
    branch: Mapped[Branch] = relationship()
    region: Mapped[Region] = relationship()
    partner: Mapped[Partner | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=event_target_group, order_by=TargetGroup.sort_order
    )
    topics: Mapped[list[Topic]] = relationship(secondary=event_topic, order_by=Topic.sort_order)
    staff: Mapped[list[User]] = relationship(secondary=event_staff)
    attendance: Mapped[list[EventAttendance]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    photos: Mapped[list[EventPhoto]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventPhoto.id"
    )
    paper_attendance: Mapped[list[EventPaperAttendance]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A head sees events in their region; staff see their branch's events."""
        if scope.branch_id is not None:
            return cls.branch_id == scope.branch_id
        return cls.region_id.in_(region_subtree(scope.region_path))

    @property
    def kind_label(self) -> str:
        """The kind, in the current language."""
        return self.kind_info.name

    @property
    def has_private_venue(self) -> bool:
        """True when the venue is someone's home (a home visit): it is shown on the event page
        only, never in lists, calendars, feeds, exports or search."""
        return self.kind_info.private_venue

    @property
    def status_label(self) -> str:
        """The status, in the current language."""
        return str(EVENT_STATUS_LABELS[self.status])

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title}>"


class EventAttendance(db.Model):
    """How many people of one target group came to an event, as counted by staff."""

    __tablename__ = "event_attendance"
    __table_args__ = (CheckConstraint("headcount >= 0", name="headcount_not_negative"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    target_group_id: Mapped[int] = mapped_column(ForeignKey("target_group.id"), primary_key=True)
    headcount: Mapped[int] = mapped_column(Integer)

    event: Mapped[Event] = relationship(back_populates="attendance")
    target_group: Mapped[TargetGroup] = relationship()


class EventPaperAttendance(db.Model):
    """How many people of one target group signed an event's paper sign-in sheet, as staff
    counted them from the sheet; kept apart from the staff's own head count."""

    __tablename__ = "event_paper_attendance"
    __table_args__ = (CheckConstraint("headcount >= 0", name="headcount_not_negative"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    target_group_id: Mapped[int] = mapped_column(ForeignKey("target_group.id"), primary_key=True)
    headcount: Mapped[int] = mapped_column(Integer)

    event: Mapped[Event] = relationship(back_populates="paper_attendance")
    target_group: Mapped[TargetGroup] = relationship()


class EventPhoto(db.Model):
    """A photo of an event, re-encoded on upload and stored outside ``static/``."""

    __tablename__ = "event_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="photos")


class SignInSheet(db.Model):
    """One upload of an event's paper sign-in sheet (a photo, or a PDF of one or more pages),
    kept as re-encoded page images outside ``static/``. The sheet carries attendees' names:
    only the event's branch, its heads and admins see it, and it is deleted after
    SIGN_IN_SHEET_RETENTION_DAYS from the event's date."""

    __tablename__ = "sign_in_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # What was sent: "photo" or "pdf"; the file itself is never kept.
    sent_as: Mapped[str] = mapped_column(String(8))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pages: Mapped[list[SignInSheetPage]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="SignInSheetPage.number"
    )


class SignInSheetPage(db.Model):
    """One page of a sign-in sheet: a clean JPEG (and its thumbnail) with a random name."""

    __tablename__ = "sign_in_sheet_page"
    __table_args__ = (UniqueConstraint("sheet_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sign_in_sheet.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the order of the PDF
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)

    sheet: Mapped[SignInSheet] = relationship(back_populates="pages")
