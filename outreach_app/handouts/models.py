"""The handout content library (with kept versions) and print runs of QR-coded copies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach_app.auth.models import User
from outreach_app.core.types import UTCDateTime, str_enum, utcnow
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.kinds import HandoutLanguage, HandoutMaterial, PrintLayout
from outreach_app.reference.models import TargetGroup, Topic

if TYPE_CHECKING:
    from outreach_app.core.scope import Scope

MIN_COPIES = 1
MAX_COPIES = 5000
MIN_TIPS = 4
MAX_TIPS = 8
# A ledger line's quantity; a line with none handed out is not stored.
MAX_HANDED_OUT = 1_000_000
MATERIAL_LABEL_MAX = 40


LANGUAGE_LABELS = {
    HandoutLanguage.ZH_CN: _l("Chinese"),
    HandoutLanguage.EN: _l("English"),
}

LAYOUT_LABELS = {
    PrintLayout.A4: _l("A4, one per page"),
    PrintLayout.A5X2: _l("A5, two per A4 sheet with cut marks"),
    PrintLayout.LARGE: _l("A4 large print for seniors, two pages per copy (print double-sided)"),
}

MATERIAL_LABELS = {
    HandoutMaterial.POSTER: _l("Posters"),
    HandoutMaterial.BOOKLET: _l("Booklets"),
    HandoutMaterial.LEAFLET: _l("Leaflets (without QR code)"),
    HandoutMaterial.GIFT: _l("Gifts"),
    HandoutMaterial.OTHER: _l("Other material"),
}
# Kinds whose line must say what exactly was handed out (the gift's kind, say 环保袋).
MATERIALS_NEEDING_LABEL = frozenset({HandoutMaterial.GIFT, HandoutMaterial.OTHER})


class Handout(db.Model):
    """One handout in one language; its text lives in versions, the newest being current.

    ``code`` names the handout across languages (the zh_CN and en texts of one leaflet share it).
    """

    __tablename__ = "handout"
    __table_args__ = (UniqueConstraint("code", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    language: Mapped[HandoutLanguage] = mapped_column(str_enum(HandoutLanguage, 8))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("target_group.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic] = relationship()
    target_group: Mapped[TargetGroup | None] = relationship()
    versions: Mapped[list[HandoutVersion]] = relationship(
        back_populates="handout", order_by="HandoutVersion.number"
    )

    @property
    def language_label(self) -> str:
        """The language, in the current UI language."""
        return str(LANGUAGE_LABELS[self.language])

    def __repr__(self) -> str:
        return f"<Handout {self.code} {self.language}>"


class HandoutVersion(db.Model):
    """The text of a handout as it was at one moment; never changed once written.

    ``tips`` is a JSON list of 4 to 8 plain-text strings. The hotline line is not stored here: it
    is built from the configured hotlines when a run is printed and kept on the print run.
    """

    __tablename__ = "handout_version"
    __table_args__ = (UniqueConstraint("handout_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    lead: Mapped[str] = mapped_column(Text)
    tips: Mapped[list[str]] = mapped_column(JSON)
    never_ask: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handout: Mapped[Handout] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<HandoutVersion {self.handout_id} v{self.number}>"


class PrintRun(db.Model):
    """A batch of printed copies of one handout version for one event.

    ``public_id`` is a random 63-bit number (never the row id) carried in every copy's token;
    copies are numbered 1..copies. ``page`` keeps the header text as printed (bank, branch,
    event, partner, date, hotlines, printed for/on) so a later download shows the same page.
    """

    __tablename__ = "print_run"
    __table_args__ = (
        CheckConstraint(f"copies BETWEEN {MIN_COPIES} AND {MAX_COPIES}", name="copies_range"),
        Index("ix_print_run_event_created", "event_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    handout_version_id: Mapped[int] = mapped_column(ForeignKey("handout_version.id"), index=True)
    language: Mapped[HandoutLanguage] = mapped_column(str_enum(HandoutLanguage, 8))
    layout: Mapped[PrintLayout] = mapped_column(str_enum(PrintLayout, 8))
    copies: Mapped[int] = mapped_column(Integer)
    page: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")

    event: Mapped[Event] = relationship()
    version: Mapped[HandoutVersion] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A print run is visible to whoever may see its event."""
        return cls.event_id.in_(select(Event.id).where(Event.scope_filter(scope)))

    @property
    def is_revoked(self) -> bool:
        """True once the run has been withdrawn."""
        return self.revoked_at is not None

    @property
    def layout_label(self) -> str:
        """The layout, in the current UI language."""
        return str(LAYOUT_LABELS[self.layout])

    @property
    def language_label(self) -> str:
        """The language, in the current UI language."""
        return str(LANGUAGE_LABELS[self.language])

    def __repr__(self) -> str:
        return f"<PrintRun {self.id} event={self.event_id} copies={self.copies}>"


class HandoutLedgerLine(db.Model):
    """How many of something an event handed out: the coded copies of one of its print runs
    (``print_run_id`` set, ``material`` empty), or uncoded material of one kind, with a short
    ``label`` saying what (required for gifts and other material).

    Only lines with something handed out are stored: a quantity cleared in the report removes
    its line. A run has at most one line; it belongs to the run's event.
    """

    __tablename__ = "handout_ledger_line"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_HANDED_OUT}", name="quantity_range"),
        CheckConstraint("(print_run_id IS NULL) <> (material IS NULL)", name="coded_or_material"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    print_run_id: Mapped[int | None] = mapped_column(ForeignKey("print_run.id"), unique=True)
    material: Mapped[HandoutMaterial | None] = mapped_column(str_enum(HandoutMaterial, 16))
    label: Mapped[str] = mapped_column(String(MATERIAL_LABEL_MAX), default="", server_default="")
    quantity: Mapped[int] = mapped_column(Integer)

    event: Mapped[Event] = relationship()
    print_run: Mapped[PrintRun | None] = relationship()

    @classmethod
    def scope_filter(cls, scope: Scope) -> ColumnElement[bool]:
        """A ledger line is visible to whoever may see its event."""
        return cls.event_id.in_(select(Event.id).where(Event.scope_filter(scope)))

    @property
    def is_coded(self) -> bool:
        """True for the line of a print run (copies with QR codes)."""
        return self.print_run_id is not None

    @property
    def counts_as_coded(self) -> bool:
        """True when coverage counts the line as coded copies handed out: a run in force.

        A withdrawn run's copies leave "handouts printed", so what was handed out of them
        leaves "handed out" too, and handed out never exceeds printed in any figure.
        """
        return self.print_run is not None and self.print_run.revoked_at is None

    @property
    def material_label(self) -> str:
        """The material's kind, in the current UI language (empty for coded copies)."""
        return "" if self.material is None else str(MATERIAL_LABELS[self.material])

    def __repr__(self) -> str:
        what = f"run={self.print_run_id}" if self.is_coded else str(self.material)
        return f"<HandoutLedgerLine event={self.event_id} {what} x{self.quantity}>"
