"""Target groups and topics: fixed lists named in Chinese and English."""

from flask_babel import get_locale
from sqlalchemy import Integer, String
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

    def __repr__(self) -> str:
        return f"<TargetGroup {self.code}>"


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
