"""A reach item: one article, video or media report about an event or a branch's outreach."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ColumnElement, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.auth.models import User
from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.regions.models import Branch, Region, region_subtree

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope

URL_MAX_LENGTH = 1000
OUTLET_MAX_LENGTH = 120
TITLE_MAX_LENGTH = 200


class ReachKind(enum.StrEnum):
    """Where the outreach was seen: online (articles, videos, websites) or in the media."""

    WECHAT_ARTICLE = "wechat_article"
    VIDEO_CHANNEL = "video_channel"
    SHORT_VIDEO = "short_video"
    WEBSITE = "website"
    NEWSPAPER = "newspaper"
    BROADCAST = "broadcast"


REACH_KIND_LABELS = {
    ReachKind.WECHAT_ARTICLE: _l("WeChat article"),
    ReachKind.VIDEO_CHANNEL: _l("Video channel"),
    ReachKind.SHORT_VIDEO: _l("Short video"),
    ReachKind.WEBSITE: _l("Website"),
    ReachKind.NEWSPAPER: _l("Newspaper"),
    ReachKind.BROADCAST: _l("TV / radio"),
}


class ReachItem(db.Model):
    """One item of online or media reach, belonging to a branch and optionally to one of its
    events. ``region_id`` is the branch's region when the item was saved: an item without an
    event counts there in coverage, and heads see the items of their region's branches."""

    __tablename__ = "reach_item"
    __table_args__ = (
        CheckConstraint("reads IS NULL OR reads >= 0", name="reads_not_negative"),
        CheckConstraint("forwards IS NULL OR forwards >= 0", name="forwards_not_negative"),
        Index("ix_reach_item_branch_published", "branch_id", "published_on"),
        Index("ix_reach_item_region_published", "region_id", "published_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReachKind] = mapped_column(str_enum(ReachKind, 16))
    outlet: Mapped[str] = mapped_column(String(OUTLET_MAX_LENGTH))
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), default="")
    published_on: Mapped[date] = mapped_column(Date)
    url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH), default="")
    # Unknown (not entered) is None, which counts as 0 and shows as a dash.
    reads: Mapped[int | None] = mapped_column(Integer)
    forwards: Mapped[int | None] = mapped_column(Integer)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    branch: Mapped[Branch] = relationship()
    region: Mapped[Region] = relationship()
    event: Mapped[Event | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A head sees the items of their region's branches; staff see their branch's."""
        if scope.branch_id is not None:
            return cls.branch_id == scope.branch_id
        return cls.region_id.in_(region_subtree(scope.region_path))

    @property
    def kind_label(self) -> str:
        """The kind, in the current language."""
        return str(REACH_KIND_LABELS[self.kind])

    def __repr__(self) -> str:
        return f"<ReachItem {self.id} {self.kind} {self.outlet}>"
