"""Event kinds, target groups and topics, named in Chinese and English.

Kinds and target groups are the bank's to extend (the admin pages in ``reference.routes``):
a row is retired rather than deleted, so that old events keep it and its figures still show,
while forms offer only the active ones. Topics are a fixed list.
"""

from flask_babel import get_locale
from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from outreach_app.extensions import db


class LocalizedNameMixin:
    """A row named in zh_CN and English; ``name`` follows the current locale."""

    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_zh


class TargetGroup(LocalizedNameMixin, db.Model):
    """A key group an event reaches (重点群体); figures about it are counts, never people."""

    __tablename__ = "target_group"
    __table_args__ = {"info": {"reference": True}}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Retired groups stay on the events that have them but are not offered for new ones.
    is_retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<TargetGroup {self.code}>"


class EventKind(LocalizedNameMixin, db.Model):
    """Where the bank goes (进乡村, 进社区, 进商圈, 上门服务, …) and the rules such an event keeps.

    ``Event.kind`` holds the code, which never changes once an event uses it, so the coverage
    rollups' ``kind`` column needs no rewrite when a kind is renamed.
    """

    __tablename__ = "event_kind"
    __table_args__ = {"info": {"reference": True}}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How many assigned staff the event form asks for (a home visit is made by two).
    min_staff: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A private venue (someone's home) is shown on the event page only: never in lists,
    # calendars, feeds, exports, search or partner pages.
    private_venue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<EventKind {self.code}>"


class Topic(LocalizedNameMixin, db.Model):
    """A subject taught at an event: a consumer right, a fraud, a digital skill, a rule."""

    __tablename__ = "topic"
    __table_args__ = {"info": {"reference": True}}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Topic {self.code}>"
