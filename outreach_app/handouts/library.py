"""The handout content library: listing, creating handouts, writing new versions, retiring them.

Versions are never changed: an edit writes version ``number + 1``, so every print run keeps
pointing at the exact text it printed. Everything here flushes and records an audit entry; the
caller commits. Texts are plain: nothing is read as HTML or markup, here or when printed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.handouts.models import (
    MAX_TIPS,
    MIN_TIPS,
    Handout,
    HandoutLanguage,
    HandoutVersion,
    PrintRun,
)
from outreach_app.handouts.text import HandoutText
from outreach_app.reference.models import TargetGroup, Topic

CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
CODE_MAX = 40
TITLE_MAX = 120
LEAD_MAX = 600
TIP_MAX = 200
NEVER_ASK_MAX = 300
NOTE_MAX = 200
SEARCH_MAX = 100
EVERYONE = "everyone"  # the target-group filter value of handouts meant for everyone

# The handout text form checks these rules too, with the same words.
HIDDEN_CHARACTERS = _l(
    "Remove control or invisible characters (for example pasted direction marks)."
)
ENTER_TITLE = _l("Enter a title.")
WRITE_TIPS = _l("Write between %(low)d and %(high)d tips.", low=MIN_TIPS, high=MAX_TIPS)
SAY_NEVER_ASK = _l("Say what the bank never asks for.")
# The new handout form says these too.
CHOOSE_LANGUAGE = _l("Choose a language from the list.")
CHOOSE_TOPIC = _l("Choose a topic from the list.")

# Invisible characters that only hide or reorder text: bidirectional overrides and isolates,
# zero-width space, word joiner, byte-order mark. Joiners (U+200C/D) are allowed: scripts use them.
_INVISIBLE = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF])


def has_hidden_characters(value: str, allow_newlines: bool = False) -> bool:
    """True when ``value`` holds control characters or invisible direction/zero-width marks."""
    for ch in value:
        if allow_newlines and ch == "\n":
            continue
        if unicodedata.category(ch) == "Cc" or ord(ch) in _INVISIBLE:
            return True
    return False


@dataclass(frozen=True)
class LibraryFilters:
    """What the library list is narrowed to; None or "" means no filter."""

    q: str = ""
    topic_id: int | None = None
    group: str = ""  # a target group id as text, EVERYONE, or ""
    language: HandoutLanguage | None = None
    include_inactive: bool = False

    @property
    def is_active(self) -> bool:
        """True when any filter narrows the list."""
        return bool(self.q or self.topic_id or self.group or self.language)


def _check_line(field: str, value: str, limit: int, allow_newlines: bool = False) -> None:
    """The message goes beside the field, so it need not name it."""
    if has_hidden_characters(value, allow_newlines=allow_newlines):
        raise ServiceError(str(HIDDEN_CHARACTERS), field=field)
    if len(value) > limit:
        raise ServiceError(_("Keep this to %(n)d characters or fewer.", n=limit), field=field)


def check_text(text: HandoutText) -> None:
    """Raise ``ServiceError`` unless the text can be saved as a version."""
    if not text.title:
        raise ServiceError(str(ENTER_TITLE), field="title")
    _check_line("title", text.title, TITLE_MAX)
    _check_line("lead", text.lead, LEAD_MAX, allow_newlines=True)
    if not MIN_TIPS <= len(text.tips) <= MAX_TIPS or not all(text.tips):
        raise ServiceError(str(WRITE_TIPS), field="tips")
    for tip in text.tips:
        # Blank tips are dropped before this, so "tips" rather than the n-th input box.
        _check_line("tips", tip, TIP_MAX)
    if not text.never_ask:
        raise ServiceError(str(SAY_NEVER_ASK), field="never_ask")
    _check_line("never_ask", text.never_ask, NEVER_ASK_MAX)


def check_note(note: str) -> None:
    """Raise ``ServiceError`` unless ``note`` is a valid "what changed" note."""
    _check_line("note", note, NOTE_MAX)


# Reading ---------------------------------------------------------------------------------------


def library_select(filters: LibraryFilters) -> Select[tuple[Handout]]:
    """The handouts matching ``filters``, by code then language, for pagination."""
    newest = (
        select(HandoutVersion.handout_id, func.max(HandoutVersion.number).label("number"))
        .group_by(HandoutVersion.handout_id)
        .subquery()
    )
    stmt = (
        select(Handout)
        .join(newest, newest.c.handout_id == Handout.id)
        .join(
            HandoutVersion,
            (HandoutVersion.handout_id == Handout.id) & (HandoutVersion.number == newest.c.number),
        )
        .options(joinedload(Handout.topic), joinedload(Handout.target_group))
        .order_by(Handout.code, Handout.language)
    )
    if not filters.include_inactive:
        stmt = stmt.where(Handout.is_active.is_(True))
    if filters.topic_id is not None:
        stmt = stmt.where(Handout.topic_id == filters.topic_id)
    if filters.group == EVERYONE:
        stmt = stmt.where(Handout.target_group_id.is_(None))
    elif filters.group.isdigit():
        stmt = stmt.where(Handout.target_group_id == int(filters.group))
    if filters.language is not None:
        stmt = stmt.where(Handout.language == filters.language)
    if filters.q:
        needle = filters.q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        Handout.code,
                        HandoutVersion.title,
                        HandoutVersion.lead,
                        HandoutVersion.never_ask,
                    )
                ),
                HandoutVersion.id.in_(_versions_with_tip(newest, needle)),
            )
        )
    return stmt


def _versions_with_tip(newest: Any, needle: str) -> list[int]:
    """The current versions with a tip containing ``needle`` (lower case). Tips are a JSON list,
    which the databases store differently, so they are searched here: the library holds tens of
    handouts, not thousands."""
    rows = db.session.execute(
        select(HandoutVersion.id, HandoutVersion.tips).join(
            newest,
            (newest.c.handout_id == HandoutVersion.handout_id)
            & (newest.c.number == HandoutVersion.number),
        )
    )
    return [row.id for row in rows if any(needle in tip.lower() for tip in row.tips)]


def current_versions(handout_ids: list[int]) -> dict[int, HandoutVersion]:
    """The newest version of each of the given handouts, by handout id."""
    if not handout_ids:
        return {}
    newest = (
        select(HandoutVersion.handout_id, func.max(HandoutVersion.number).label("number"))
        .where(HandoutVersion.handout_id.in_(handout_ids))
        .group_by(HandoutVersion.handout_id)
        .subquery()
    )
    stmt = select(HandoutVersion).join(
        newest,
        (newest.c.handout_id == HandoutVersion.handout_id)
        & (newest.c.number == HandoutVersion.number),
    )
    return {version.handout_id: version for version in db.session.scalars(stmt)}


def versions_of(handout: Handout) -> list[HandoutVersion]:
    """Every version of a handout, newest first, with its author loaded."""
    stmt = (
        select(HandoutVersion)
        .options(joinedload(HandoutVersion.created_by))
        .where(HandoutVersion.handout_id == handout.id)
        .order_by(HandoutVersion.number.desc())
    )
    return list(db.session.scalars(stmt))


def runs_per_version(handout: Handout) -> dict[int, int]:
    """How many print runs used each version of a handout, by version id."""
    stmt = (
        select(PrintRun.handout_version_id, func.count(PrintRun.id))
        .join(HandoutVersion, HandoutVersion.id == PrintRun.handout_version_id)
        .where(HandoutVersion.handout_id == handout.id)
        .group_by(PrintRun.handout_version_id)
    )
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def all_topics() -> list[Topic]:
    """Every topic, in the agreed order."""
    return list(db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.id)))


def all_target_groups() -> list[TargetGroup]:
    """Every target group, in the agreed order."""
    return list(
        db.session.scalars(select(TargetGroup).order_by(TargetGroup.sort_order, TargetGroup.id))
    )


# Changing --------------------------------------------------------------------------------------


def create_handout(
    user: User,
    code: str,
    language: Any,
    topic: Topic | None,
    target_group: TargetGroup | None,
    text: HandoutText,
) -> Handout:
    """Add a handout with its first version; the caller commits. Raises ``ServiceError``."""
    code = (code or "").strip()
    if not CODE_RE.fullmatch(code):
        raise ServiceError(
            _(
                "Use 1 to 40 lower-case letters, digits and dashes, "
                "not starting or ending with a dash."
            ),
            field="code",
        )
    try:
        lang = HandoutLanguage(language)
    except ValueError:
        raise ServiceError(str(CHOOSE_LANGUAGE), field="language") from None
    if topic is None:
        raise ServiceError(str(CHOOSE_TOPIC), field="topic")
    check_text(text)
    taken = db.session.scalar(
        select(Handout.id).where(Handout.code == code, Handout.language == lang)
    )
    if taken is not None:
        raise ServiceError(
            _("A handout with this code already exists in this language."), field="code"
        )
    handout = Handout(
        code=code, language=lang, topic=topic, target_group=target_group, is_active=True
    )
    db.session.add(handout)
    version = _add_version(user, handout, 1, text, "")
    db.session.flush()
    record(
        "handout.create",
        handout,
        actor=user,
        code=code,
        language=str(lang),
        topic=topic.code,
        target_group=target_group.code if target_group else None,
        version=version.number,
    )
    return handout


def _add_version(
    user: User, handout: Handout, number: int, text: HandoutText, note: str
) -> HandoutVersion:
    version = HandoutVersion(
        handout=handout,
        number=number,
        title=text.title,
        lead=text.lead,
        tips=list(text.tips),
        never_ask=text.never_ask,
        note=note,
        created_by=user,
    )
    db.session.add(version)
    return version


def add_version(
    user: User, handout: Handout, current: HandoutVersion, text: HandoutText, note: str
) -> HandoutVersion | None:
    """Write ``text`` as the next version after ``current``; None (and nothing written) when it
    is the same text. The caller commits. Raises ``ServiceError``."""
    check_text(text)
    note = (note or "").strip()
    check_note(note)
    if text == HandoutText.of(current):
        return None
    version = _add_version(user, handout, current.number + 1, text, note)
    db.session.flush()
    changed = [
        name
        for name in ("title", "lead", "tips", "never_ask")
        if getattr(text, name) != getattr(HandoutText.of(current), name)
    ]
    record(
        "handout.add_version",
        handout,
        actor=user,
        version=version.number,
        changed=changed,
        note=note,
    )
    return version


def set_handout_active(user: User, handout: Handout, is_active: bool) -> bool:
    """Take a handout out of use or back into use; False when it already was. Caller commits."""
    if handout.is_active == is_active:
        return False
    handout.is_active = is_active
    record(
        "handout.activate" if is_active else "handout.deactivate",
        handout,
        actor=user,
        code=handout.code,
        language=str(handout.language),
    )
    return True
