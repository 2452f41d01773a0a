"""What the attendee page does: find the copy a token names, show its handout, and record scans,
check-ins, quiz answers and feedback, each at most once per copy.

Nothing here reads the request. Writes flush or execute, never commit: the view commits once.
Handout versions never change once written, so their text is kept per process after the first
read; the print run itself is read on every request, because it can be withdrawn.

Personal data: nothing stored says who a reader is. A scan keeps the time and the copy. To
count a reload of one copy from one client address once, the view passes the address to
``record_scan``, which keeps only a keyed hash of address and copy, cut to 64 bits, with the
time it was counted (``RecentScan``), and deletes it once the reload window
(``ATTENDEE_RELOAD_WINDOW_SECONDS``, ten minutes) has passed. That window lives in the database
rather than in each worker's memory so that every worker sees it, and so that it commits or
rolls back with the scan it stands for, which keeps the rollups equal to a recount.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Insert, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outreach_app.attendee.models import (
    MAX_COMMENT_CHARS,
    CheckIn,
    Feedback,
    HandoutScan,
    QuizSubmission,
    RecentScan,
)
from outreach_app.core.types import utcnow
from outreach_app.extensions import db
from outreach_app.handouts.content import GENERAL_TIPS, QR_NOTE, quiz_for
from outreach_app.handouts.kinds import HandoutLanguage, PrintLayout
from outreach_app.handouts.models import Handout, HandoutVersion, PrintRun
from outreach_app.handouts.services import MAX_PUBLIC_ID
from outreach_app.handouts.text import HandoutText, QuizQuestion
from outreach_app.handouts.tokens import MAX_SERIAL, normalize_token, read_token, token_secret
from outreach_app.reference.models import TargetGroup, Topic

# Groups an attendee may say they belong to. Disability and ethnicity are left out on purpose:
# they are sensitive personal information (PIPL art. 28), so staff count those groups instead.
SELF_DECLARED_GROUPS = ("seniors", "youth", "rural", "new_urban", "general")
# A run id no print run can have: unknown tokens make the same query as real ones.
NO_RUN = -1
_CACHE_KEY = "attendee"


# Copies and their handout text ------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """One printed copy as the attendee page needs it (plain values, safe after a commit)."""

    token: str  # canonical spelling
    run_id: int
    serial: int
    event_id: int
    language: str
    layout: PrintLayout
    page: dict[str, Any]
    version_id: int
    withdrawn: bool

    @property
    def is_large_print(self) -> bool:
        """True for the large-print layout, which opens in senior mode."""
        return self.layout is PrintLayout.LARGE


@dataclass(frozen=True)
class VersionText(HandoutText):
    """The text of one stored handout version, with what the page looks up by it: the handout
    code and language (for the other language's text) and the topic (for the quiz)."""

    version_id: int
    code: str
    language: str
    topic_id: int
    topic_code: str


def _cache() -> dict[str, Any]:
    """Per-application memo of immutable rows (handout versions, target groups)."""
    return current_app.extensions.setdefault(_CACHE_KEY, {"versions": {}, "groups": None})


# Built once, on the tables (not the ORM classes): the page runs these on every request, and
# building a statement or going through the ORM costs more than running it on SQLite.
_RUN = PrintRun.__table__.c
_FIND_RUN = (
    select(
        _RUN.id,
        _RUN.copies,
        _RUN.event_id,
        _RUN.language,
        _RUN.layout,
        _RUN.page,
        _RUN.handout_version_id,
        _RUN.revoked_at,
    )
    .select_from(PrintRun.__table__)
    .where(_RUN.public_id == bindparam("public_id"))
)
_INSERTS: dict[tuple[str, str, bool], Insert] = {}
_INSERT_SCAN = HandoutScan.__table__.insert()


def find_copy(token: str) -> Copy | None:
    """The copy ``token`` names (withdrawn or not), or None for anything else.

    Every token, forged or real, costs the same single query, so answers take as long for a
    guessed token as for one naming an unknown print run.
    """
    canonical = normalize_token(token)
    data = read_token(token_secret(), canonical) if canonical else None
    valid = data is not None and 1 <= data.serial <= MAX_SERIAL and data.run_id <= MAX_PUBLIC_ID
    public_id = data.run_id if valid and data is not None else NO_RUN
    row = db.session.execute(_FIND_RUN, {"public_id": public_id}).first()
    if row is None or data is None or canonical is None or not valid or data.serial > row.copies:
        return None
    return Copy(
        token=canonical,
        run_id=row.id,
        serial=data.serial,
        event_id=row.event_id,
        language=str(row.language),
        layout=PrintLayout(row.layout),
        page=dict(row.page),
        version_id=row.handout_version_id,
        withdrawn=row.revoked_at is not None,
    )


def handout_text(version_id: int) -> VersionText:
    """The text of a handout version (read once per process: versions never change)."""
    versions = _cache()["versions"]
    text = versions.get(version_id)
    if text is None:
        row = db.session.execute(
            select(HandoutVersion, Handout.code, Handout.language, Topic.id, Topic.code)
            .join(Handout, Handout.id == HandoutVersion.handout_id)
            .join(Topic, Topic.id == Handout.topic_id)
            .where(HandoutVersion.id == version_id)
        ).one()
        version, code, language, topic_id, topic_code = row
        text = VersionText(
            version_id=version.id,
            code=code,
            language=str(language),
            topic_id=topic_id,
            topic_code=topic_code,
            title=version.title,
            lead=version.lead,
            tips=tuple(version.tips),
            never_ask=version.never_ask,
        )
        versions[version_id] = text
    return text


def handout_in(copy: Copy, language: str) -> VersionText:
    """The copy's handout in ``language``: the printed version in the printed language, else the
    current version of the same handout code in the other language (or the printed one if the
    code has no text in that language)."""
    printed = handout_text(copy.version_id)
    if language == copy.language:
        return printed
    try:
        wanted = HandoutLanguage(language)
    except ValueError:
        return printed
    version_id = db.session.scalar(
        select(HandoutVersion.id)
        .join(Handout, Handout.id == HandoutVersion.handout_id)
        .where(Handout.code == printed.code, Handout.language == wanted)
        .order_by(HandoutVersion.number.desc())
        .limit(1)
    )
    return printed if version_id is None else handout_text(version_id)


def general_tips(language: str) -> tuple[str, ...]:
    """The tips shown when a code opens no handout."""
    return GENERAL_TIPS.get(language, GENERAL_TIPS["zh_CN"])


def qr_note(language: str) -> str:
    """The reminder that this page never asks for money, passwords or codes."""
    return QR_NOTE.get(language, QR_NOTE["zh_CN"])


# Target groups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOption:
    """A target group an attendee may pick, named in both languages."""

    id: int
    code: str
    name_zh: str
    name_en: str

    def name(self, language: str) -> str:
        """The group's name in ``language``."""
        return self.name_en if language == "en" else self.name_zh


def group_options() -> tuple[GroupOption, ...]:
    """The groups offered at check-in, in display order (reference rows, read once)."""
    cache = _cache()
    if cache["groups"] is None:
        rows = db.session.execute(
            select(TargetGroup)
            .where(TargetGroup.code.in_(SELF_DECLARED_GROUPS))
            .order_by(TargetGroup.sort_order, TargetGroup.id)
        ).scalars()
        cache["groups"] = tuple(GroupOption(g.id, g.code, g.name_zh, g.name_en) for g in rows)
    return cache["groups"]


def group_id_for(code: str) -> int | None:
    """The id of an offered group's code; ``None`` when it is not one of them."""
    return next((g.id for g in group_options() if g.code == code), None)


# Writes ---------------------------------------------------------------------------------------


def _insert_once(
    model: type[db.Model],  # type: ignore[name-defined]
    values: dict[str, Any],
    first_only: bool = False,
) -> bool:
    """INSERT … ON CONFLICT (print_run_id, serial) DO NOTHING; True if a row was added.

    The unique index decides, so concurrent submits of one copy add exactly one row.
    ``first_only`` names the partial unique index of a copy's first scan instead.
    """
    dialect = db.session.get_bind().dialect.name
    key = (model.__tablename__, dialect, first_only)
    stmt = _INSERTS.get(key)
    if stmt is None:
        module = postgresql if dialect == "postgresql" else sqlite
        table = model.__table__
        stmt = (
            module.insert(table)
            .on_conflict_do_nothing(
                index_elements=["print_run_id", "serial"],
                index_where=text("is_first") if first_only else None,
            )
            .returning(table.c.id)
        )
        _INSERTS[key] = stmt
    return db.session.execute(stmt, values).first() is not None


# What a new row changes elsewhere (the coverage rollups count it) is registered by the app
# factory, so that this package needs nothing from the packages that read its rows.
RowListener = Callable[[Session, type, Mapping[str, Any]], None]
_ROW_LISTENERS: list[RowListener] = []


def on_row_written(listener: RowListener) -> None:
    """Call ``listener(session, model, values)`` after every scan, check-in, quiz answer or
    feedback row is written, in the same transaction (registered once; again is a no-op)."""
    if listener not in _ROW_LISTENERS:
        _ROW_LISTENERS.append(listener)


def _written(model: type, values: Mapping[str, Any]) -> None:
    """Tell the listeners that a row of ``model`` with ``values`` was just written."""
    for listener in _ROW_LISTENERS:
        listener(db.session, model, values)


_RECENT = RecentScan.__table__
# Rows other transactions are deleting or renewing are left to them (SKIP LOCKED on PostgreSQL;
# SQLite has one writer at a time and ignores the clause), so the clean-up never waits.
_FORGET_OLD_SCANS = delete(_RECENT).where(
    _RECENT.c.reader_key.in_(
        select(_RECENT.c.reader_key)
        .where(_RECENT.c.counted_at < bindparam("cutoff"))
        .with_for_update(skip_locked=True)
    )
)
_REMEMBER_SCANS: dict[str, Insert] = {}


def reader_key(copy: Copy, reader: str) -> str:
    """The keyed hash that stands for one client address reading one copy (64 bits, hex)."""
    secret = current_app.secret_key
    key = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
    message = f"reload-window\x00{copy.run_id}\x00{copy.serial}\x00{reader}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def _is_reload(copy: Copy, reader: str) -> bool:
    """True if ``reader`` had this copy's page counted within the reload window; otherwise
    remember this opening (the window starts again) and return False. Entries older than the
    window are deleted on the way.

    The reader's own entry is written first and the old ones deleted after: the only lock a
    scan can wait for is on its own entry, held by no one who waits for this scan (two scans
    that each cleaned up the other's old entry first would wait for each other).
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["ATTENDEE_RELOAD_WINDOW_SECONDS"])
    dialect = db.session.get_bind().dialect.name
    stmt = _REMEMBER_SCANS.get(dialect)
    if stmt is None:
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(_RECENT)
        # An entry still inside the window is left as it is, and no row comes back.
        stmt = insert.on_conflict_do_update(
            index_elements=["reader_key"],
            set_={"counted_at": insert.excluded.counted_at},
            where=_RECENT.c.counted_at < bindparam("cutoff"),
        ).returning(_RECENT.c.reader_key)
        _REMEMBER_SCANS[dialect] = stmt
    values = {"reader_key": reader_key(copy, reader), "counted_at": now, "cutoff": cutoff}
    counted = db.session.execute(stmt, values).first() is not None
    db.session.execute(_FORGET_OLD_SCANS, {"cutoff": cutoff})
    return not counted


def record_scan(copy: Copy, reader: str | None = None) -> bool:
    """Count one opening of the copy's page: the time and the copy, nothing about the reader.
    Returns False, counting nothing, for a reload: the same ``reader`` (the client address) had
    this copy counted within ``ATTENDEE_RELOAD_WINDOW_SECONDS``. Without a reader every
    opening counts.

    The first opening of each copy is marked ``is_first`` (its partial unique index decides
    under concurrent scans), so copies reached can be counted without a DISTINCT.
    """
    if reader is not None and _is_reload(copy, reader):
        return False
    values = {
        "print_run_id": copy.run_id,
        "serial": copy.serial,
        "event_id": copy.event_id,
        "scanned_at": utcnow(),
    }
    first = _insert_once(HandoutScan, {**values, "is_first": True}, first_only=True)
    if not first:
        db.session.execute(_INSERT_SCAN, {**values, "is_first": False})
    _written(HandoutScan, {**values, "is_first": first})
    return True


def check_in(copy: Copy, group_id: int | None) -> bool:
    """Check the copy in, with the group the attendee chose (or none); False if already done."""
    values = {
        "print_run_id": copy.run_id,
        "serial": copy.serial,
        "event_id": copy.event_id,
        "target_group_id": group_id,
        "created_at": utcnow(),
    }
    added = _insert_once(CheckIn, values)
    if added:
        _written(CheckIn, values)
    return added


def checked_in_group(copy: Copy) -> int | None:
    """The group the copy checked in with, if it did and said one."""
    return db.session.scalar(
        select(CheckIn.target_group_id).where(
            CheckIn.print_run_id == copy.run_id, CheckIn.serial == copy.serial
        )
    )


# Quiz -----------------------------------------------------------------------------------------


def quiz_questions(topic_code: str, language: str) -> tuple[QuizQuestion, ...]:
    """The quiz on a topic in ``language``, falling back to Chinese."""
    return quiz_for(topic_code, language) or quiz_for(topic_code, "zh_CN")


@dataclass(frozen=True)
class QuizResult:
    """One submission: the answers chosen by question code, and how many were right."""

    answers: dict[str, int]
    correct: int
    total: int


def grade(questions: tuple[QuizQuestion, ...], answers: dict[str, int]) -> QuizResult:
    """Score ``answers`` (checked by the caller to answer each question once, in range)."""
    correct = sum(1 for q in questions if answers.get(q.code) == q.answer_index)
    return QuizResult(answers=dict(answers), correct=correct, total=len(questions))


def submit_quiz(copy: Copy, topic_id: int, result: QuizResult) -> bool:
    """Store the copy's quiz answers with its check-in group; False if it already answered.

    The answers count for the group the copy checked in with before the quiz, if any."""
    group_id = checked_in_group(copy)
    values = {
        "print_run_id": copy.run_id,
        "serial": copy.serial,
        "event_id": copy.event_id,
        "topic_id": topic_id,
        "target_group_id": group_id,
        "correct": result.correct,
        "total": result.total,
        "answers": result.answers,
        "created_at": utcnow(),
    }
    added = _insert_once(QuizSubmission, values)
    if added:
        _written(QuizSubmission, values)
    return added


def stored_quiz(copy: Copy) -> QuizResult | None:
    """The copy's stored quiz answers, if it has taken the quiz."""
    row = db.session.execute(
        select(QuizSubmission.answers, QuizSubmission.correct, QuizSubmission.total).where(
            QuizSubmission.print_run_id == copy.run_id, QuizSubmission.serial == copy.serial
        )
    ).first()
    if row is None:
        return None
    return QuizResult(answers=dict(row.answers), correct=row.correct, total=row.total)


# Feedback -------------------------------------------------------------------------------------

# Bidirectional overrides and isolates could make a comment read differently to staff.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_comment(text: str) -> str:
    """A comment as stored: control characters (NUL included) and bidi overrides removed,
    line breaks normalised, surrounding space trimmed. Escaping happens when it is shown."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = (
        ch
        for ch in text
        if ch in "\n\t"
        or (ch not in _BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs"))
    )
    return "".join(kept).strip()


def leave_feedback(copy: Copy, rating: int, comment: str) -> bool:
    """Store the copy's rating and comment; False if it already gave feedback."""
    if not 1 <= rating <= 5 or len(comment) > MAX_COMMENT_CHARS:
        raise ValueError("rating or comment out of range")
    values = {
        "print_run_id": copy.run_id,
        "serial": copy.serial,
        "event_id": copy.event_id,
        "rating": rating,
        "comment": comment,
        "created_at": utcnow(),
    }
    added = _insert_once(Feedback, values)
    if added:
        _written(Feedback, values)
    return added


# What a returning reader has already done -----------------------------------------------------


def _done_by(table: Any) -> Any:
    return (
        select(table.c.id)
        .where(
            table.c.print_run_id == bindparam("run_id"),
            table.c.serial == bindparam("serial"),
        )
        .exists()
    )


# One query for all three, built once: the page asks on every opening.
_COPY_STATE = select(
    _done_by(CheckIn.__table__).label("checked_in"),
    _done_by(QuizSubmission.__table__).label("quiz_taken"),
    _done_by(Feedback.__table__).label("feedback_given"),
)


def copy_state(copy: Copy) -> tuple[bool, bool, bool]:
    """Whether the copy has checked in, taken the quiz and given feedback, in one query."""
    row = db.session.execute(_COPY_STATE, {"run_id": copy.run_id, "serial": copy.serial}).one()
    return bool(row.checked_in), bool(row.quiz_taken), bool(row.feedback_given)
