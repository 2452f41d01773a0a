"""What a handout says: its text, a shipped handout, a quiz question (plain values, no database).

``HandoutText`` is the one text of a handout, as a version stores it, the library edits it and
the attendee page shows it; the shipped handouts in ``content`` and the attendee page's
``VersionText`` carry it with what else they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach_app.handouts.kinds import HandoutLanguage

if TYPE_CHECKING:
    from outreach_app.handouts.models import HandoutVersion


@dataclass(frozen=True)
class HandoutText:
    """The text of a handout in one language (plain text, never markup)."""

    title: str
    lead: str
    tips: tuple[str, ...]
    never_ask: str

    @staticmethod
    def of(version: HandoutVersion) -> HandoutText:
        """The text of a stored version."""
        return HandoutText(version.title, version.lead, tuple(version.tips), version.never_ask)


@dataclass(frozen=True)
class ShippedHandout:
    """One handout in one language as shipped with the code (the library starts from these)."""

    code: str
    topic_code: str
    target_group_code: str | None  # None: for everyone
    language: str  # "zh_CN" or "en"
    title: str
    lead: str
    tips: tuple[str, ...]  # 4 to 8
    never_ask: str
    hotline_note: str  # contains "{bank_hotline}"

    def __post_init__(self) -> None:
        if self.language not in set(HandoutLanguage):
            raise ValueError(f"unknown language {self.language!r}")
        if not 4 <= len(self.tips) <= 8:
            raise ValueError(f"{self.code}: a handout has 4 to 8 tips")

    def hotline_text(self, bank_hotline: str) -> str:
        """The hotline note with the bank's hotline filled in."""
        return self.hotline_note.format(bank_hotline=bank_hotline)


@dataclass(frozen=True)
class QuizQuestion:
    """One quiz question in one language; the same code links its zh_CN and en versions."""

    code: str
    topic_code: str
    language: str
    question: str
    choices: tuple[str, ...]  # 3 or 4
    answer_index: int
    explanation: str

    def __post_init__(self) -> None:
        if self.language not in set(HandoutLanguage):
            raise ValueError(f"unknown language {self.language!r}")
        if not 3 <= len(self.choices) <= 4:
            raise ValueError(f"{self.code}: a question has 3 or 4 choices")
        if not 0 <= self.answer_index < len(self.choices):
            raise ValueError(f"{self.code}: answer_index out of range")
