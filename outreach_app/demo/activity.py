"""What happened at the demo's completed events: head counts by target group, print runs of
handouts, and what attendees did with their copies (scans, check-ins, quizzes, feedback).

Rows go in through the driver's executemany (``demo.bulk``), so the unique rules of the attendee
tables are kept by construction: one check-in, quiz and feedback at most per copy, and exactly
one first scan (``is_first``) for every copy that was scanned at all.

``add_attendee_rows`` adds millions of scans and check-ins at once, for load tests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, text

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.demo.bulk import datetime_encoder, insert_rows, reset_sequences
from outreach_app.demo.events import CompletedEvent
from outreach_app.events.models import Event, EventAttendance, EventStatus, event_target_group
from outreach_app.events.models import event_topic as event_topic_table
from outreach_app.handouts.models import Handout, HandoutVersion, PrintRun
from outreach_app.partners.models import Partner
from outreach_app.regions.models import Branch

# Share of completed events with a print run, and the most attendee rows a demo writes
# (bigger loads get print runs for fewer events, so a million events stay quick to load).
PRINT_RUN_SHARE = 0.4
ATTENDEE_ROW_BUDGET = 250_000
ROWS_PER_RUN_ESTIMATE = 90
# Of the copies of a run: share scanned; of those, share checked in; of those, quiz, feedback.
SCANNED_SHARE = (0.25, 0.65)
REPEAT_SCAN_SHARE = 0.35
CHECK_IN_SHARE = 0.62
NO_GROUP_SHARE = 0.15
QUIZ_SHARE = 0.5
FEEDBACK_SHARE = 0.3
QUIZ_QUESTIONS = 3
CORRECT_WEIGHTS = (0.04, 0.12, 0.34, 0.5)  # 0, 1, 2 or 3 of 3 right
RATING_WEIGHTS = (0.02, 0.03, 0.12, 0.33, 0.5)  # 1 … 5
CHUNK_ROWS = 50_000
MAX_PUBLIC_ID = 2**63 - 1

SCAN_COLUMNS = ("print_run_id", "serial", "event_id", "scanned_at", "is_first")
CHECK_IN_COLUMNS = ("print_run_id", "serial", "event_id", "target_group_id", "created_at")
QUIZ_COLUMNS = (
    "print_run_id",
    "serial",
    "event_id",
    "topic_id",
    "target_group_id",
    "correct",
    "total",
    "answers",
    "created_at",
)
FEEDBACK_COLUMNS = ("print_run_id", "serial", "event_id", "rating", "comment", "created_at")
RUN_COLUMNS = (
    "id",
    "public_id",
    "event_id",
    "handout_version_id",
    "language",
    "layout",
    "copies",
    "page",
    "created_at",
    "revoke_reason",
)
FEEDBACK_COMMENTS = (
    "讲得很清楚，学到了很多",
    "希望多来几次",
    "字再大一点就好了",
    "很实用，回去告诉家里人",
    "",
    "",
    "",
)


@dataclass
class ActivityCounts:
    """How many rows of each kind the activity wrote."""

    attendance: int = 0
    print_runs: int = 0
    copies: int = 0
    scans: int = 0
    check_ins: int = 0
    quizzes: int = 0
    feedback: int = 0


@dataclass(frozen=True)
class _Version:
    id: int
    topic_id: int
    language: str


def _versions(conn: Connection) -> tuple[dict[int, list[_Version]], list[_Version]]:
    """The current version of every active handout, by topic and all together."""
    newest = (
        select(HandoutVersion.handout_id, func.max(HandoutVersion.number).label("number"))
        .group_by(HandoutVersion.handout_id)
        .subquery()
    )
    stmt = (
        select(HandoutVersion.id, Handout.topic_id, Handout.language)
        .join(Handout, Handout.id == HandoutVersion.handout_id)
        .join(
            newest,
            (newest.c.handout_id == HandoutVersion.handout_id)
            & (newest.c.number == HandoutVersion.number),
        )
        .where(Handout.is_active.is_(True))
        .order_by(HandoutVersion.id)
    )
    by_topic: dict[int, list[_Version]] = {}
    every = []
    for version_id, topic_id, language in conn.execute(stmt):
        version = _Version(version_id, topic_id, str(language))
        by_topic.setdefault(topic_id, []).append(version)
        every.append(version)
    return by_topic, every


class _Writer:
    """Buffers rows per table and writes them in chunks."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.tables = {
            "attendance": (EventAttendance.__table__, ("event_id", "target_group_id", "headcount")),
            "runs": (PrintRun.__table__, RUN_COLUMNS),
            "scans": (HandoutScan.__table__, SCAN_COLUMNS),
            "check_ins": (CheckIn.__table__, CHECK_IN_COLUMNS),
            "quizzes": (QuizSubmission.__table__, QUIZ_COLUMNS),
            "feedback": (Feedback.__table__, FEEDBACK_COLUMNS),
        }

    def add(self, name: str, row: tuple[Any, ...]) -> None:
        bucket = self.rows.setdefault(name, [])
        bucket.append(row)
        if len(bucket) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        # Print runs first: the attendee rows refer to them.
        for name in ("runs", "attendance", "scans", "check_ins", "quizzes", "feedback"):
            rows = self.rows.get(name)
            if rows:
                table, columns = self.tables[name]
                insert_rows(self.conn, table, columns, rows)
                rows.clear()


@dataclass(frozen=True)
class _Names:
    """Branch names and addresses and partner names, printed on the demo handouts."""

    branches: dict[int, tuple[str, str]]
    partners: dict[int | None, str]

    @classmethod
    def load(cls, conn: Connection) -> _Names:
        branches = Branch.__table__.c
        partners = Partner.__table__.c
        return cls(
            {
                r.id: (r.name, r.address)
                for r in conn.execute(select(branches.id, branches.name, branches.address))
            },
            {r.id: r.name for r in conn.execute(select(partners.id, partners.name))},
        )


class _Times:
    """Encoded UTC timestamps for minutes counted from ``today`` 00:00 local time."""

    def __init__(self, conn: Connection, today: date, timezone: ZoneInfo) -> None:
        self._midnight = datetime.combine(today, time())
        self._timezone = timezone
        self._encode = datetime_encoder(conn)

    def utc(self, minute: int) -> Any:
        moment = (self._midnight + timedelta(minutes=minute)).replace(tzinfo=self._timezone)
        return self._encode(moment.astimezone(UTC).replace(tzinfo=None))


def _page(event: CompletedEvent, bank_name: str, day: str, names: _Names | None = None) -> str:
    branch_name, branch_address, partner_name = "", "", ""
    if names is not None:
        branch_name, branch_address = names.branches.get(event.branch_id, ("", ""))
        partner_name = names.partners.get(event.partner_id, "")
    return json.dumps(
        {
            "bank_name": bank_name,
            "branch_name": branch_name,
            "branch_address": branch_address,
            "event_title": event.title or f"#{event.id}",
            "partner_name": partner_name,
            "event_date": day,
            "hotline_note": "",
            "bank_hotline": "",
            "printed_for": "",
            "printed_on": day,
        },
        ensure_ascii=False,
    )


def _copies_of(
    writer: _Writer,
    rng: Random,
    times: _Times,
    counts: ActivityCounts,
    run_id: int,
    event: CompletedEvent,
    copies: int,
    topic_id: int,
    with_extras: bool = True,
) -> None:
    """The scans, check-ins, quizzes and feedback of one print run's copies."""
    random = rng.random
    scanned = int(copies * (SCANNED_SHARE[0] + random() * (SCANNED_SHARE[1] - SCANNED_SHARE[0])))
    groups = event.groups
    at = times.utc(event.start + 20)
    later = times.utc(event.start + 60 * 24 * (1 + int(random() * 6)))
    for serial in rng.sample(range(1, copies + 1), scanned):
        writer.add("scans", (run_id, serial, event.id, at, True))
        counts.scans += 1
        if random() < REPEAT_SCAN_SHARE:
            writer.add("scans", (run_id, serial, event.id, later, False))
            counts.scans += 1
        if random() >= CHECK_IN_SHARE:
            continue
        group = None
        if groups and random() >= NO_GROUP_SHARE:
            group = groups[int(random() * len(groups))]
        writer.add("check_ins", (run_id, serial, event.id, group, at))
        counts.check_ins += 1
        if not with_extras:
            continue
        if random() < QUIZ_SHARE:
            correct = rng.choices(range(QUIZ_QUESTIONS + 1), CORRECT_WEIGHTS)[0]
            writer.add(
                "quizzes",
                (run_id, serial, event.id, topic_id, group, correct, QUIZ_QUESTIONS, "{}", at),
            )
            counts.quizzes += 1
        if random() < FEEDBACK_SHARE:
            rating = rng.choices(range(1, 6), RATING_WEIGHTS)[0]
            comment = FEEDBACK_COMMENTS[int(random() * len(FEEDBACK_COMMENTS))]
            writer.add("feedback", (run_id, serial, event.id, rating, comment, at))
            counts.feedback += 1


def _next_id(conn: Connection, table: Any) -> int:
    return (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def generate_activity(
    conn: Connection,
    rng: Random,
    events: Sequence[CompletedEvent],
    today: date,
    timezone: ZoneInfo,
    bank_name: str,
) -> ActivityCounts:
    """Head counts for every completed event; print runs and attendee rows for a share."""
    counts = ActivityCounts()
    writer = _Writer(conn)
    times = _Times(conn, today, timezone)
    by_topic, every_version = _versions(conn)
    names = _Names.load(conn)
    run_id = _next_id(conn, PrintRun.__table__)
    share = PRINT_RUN_SHARE
    if events:
        share = min(share, ATTENDEE_ROW_BUDGET / (len(events) * ROWS_PER_RUN_ESTIMATE))
    random = rng.random
    for event in events:
        # Staff count a little above or below what was expected, the main group the most.
        people = max(5, int(event.expected * (0.7 + 0.45 * random())))
        weights = [2.0] + [0.6 + random() for _ in event.groups[1:]]
        total_weight = sum(weights)
        left = people
        for index, group in enumerate(event.groups):
            if index == len(event.groups) - 1:
                headcount = left
            else:
                headcount = int(people * weights[index] / total_weight)
                left -= headcount
            writer.add("attendance", (event.id, group, headcount))
            counts.attendance += 1
        if not every_version or random() >= share:
            continue
        choices = [v for t in event.topics for v in by_topic.get(t, ())] or every_version
        version = choices[int(random() * len(choices))]
        copies = max(10, min(5000, (people + 9) // 10 * 10 + 10))
        day = (datetime.combine(today, time()) + timedelta(minutes=event.start)).date()
        created = times.utc(event.start - 60 * 24 * 2)
        writer.add(
            "runs",
            (
                run_id,
                rng.randint(1, MAX_PUBLIC_ID),
                event.id,
                version.id,
                version.language,
                "a4",
                copies,
                _page(event, bank_name, day.isoformat(), names),
                created,
                "",
            ),
        )
        counts.print_runs += 1
        counts.copies += copies
        _copies_of(writer, rng, times, counts, run_id, event, copies, version.topic_id)
        run_id += 1
    writer.flush()
    reset_sequences(conn, [PrintRun.__table__])
    return counts


def add_attendee_rows(
    conn: Connection, target_rows: int, today: date, timezone: ZoneInfo, seed: int = 1
) -> ActivityCounts:
    """Add about ``target_rows`` scans and check-ins (with new print runs of 200 copies) to
    completed events, spread over all of them; for load tests on big demo databases."""
    rng = Random(seed)
    counts = ActivityCounts()
    by_topic, every_version = _versions(conn)
    if not every_version:
        raise RuntimeError("no handouts in the database")
    midnight = datetime.combine(today, time())
    stmt = (
        select(Event.id, Event.starts_at)
        .where(Event.status == EventStatus.COMPLETED)
        .order_by(Event.id)
    )
    completed = list(conn.execute(stmt))
    if not completed:
        return counts
    topics: dict[int, list[int]] = {}
    groups: dict[int, list[int]] = {}
    for event_id, topic_id in conn.execute(
        select(event_topic_table.c.event_id, event_topic_table.c.topic_id)
    ):
        topics.setdefault(event_id, []).append(topic_id)
    for event_id, group_id in conn.execute(
        select(event_target_group.c.event_id, event_target_group.c.target_group_id)
    ):
        groups.setdefault(event_id, []).append(group_id)
    writer = _Writer(conn)
    times = _Times(conn, today, timezone)
    run_id = _next_id(conn, PrintRun.__table__)
    copies = 200
    while counts.scans + counts.check_ins < target_rows:
        event_id, starts_at = completed[int(rng.random() * len(completed))]
        start = int((starts_at - midnight).total_seconds() // 60)
        event = CompletedEvent(event_id, start, "", 0, tuple(groups.get(event_id, ())), ())
        choices = [v for t in topics.get(event_id, ()) for v in by_topic.get(t, ())]
        version = (choices or every_version)[int(rng.random() * len(choices or every_version))]
        writer.add(
            "runs",
            (
                run_id,
                rng.randint(1, MAX_PUBLIC_ID),
                event_id,
                version.id,
                version.language,
                "a4",
                copies,
                _page(event, "", starts_at.date().isoformat()),
                times.utc(start - 60 * 24),
                "",
            ),
        )
        counts.print_runs += 1
        counts.copies += copies
        _copies_of(writer, rng, times, counts, run_id, event, copies, version.topic_id, False)
        run_id += 1
    writer.flush()
    reset_sequences(conn, [PrintRun.__table__])
    return counts


def load_attendee_rows(target_rows: int, today: date, seed: int = 1) -> ActivityCounts:
    """Add about ``target_rows`` scans and check-ins to the app's database and recount the
    coverage rollups; commits. Run inside an app context (load tests use it)."""
    from flask import current_app

    from outreach_app.coverage import rollups
    from outreach_app.demo.bulk import bulk_load_settings
    from outreach_app.extensions import db

    conn = db.session.connection()
    timezone = ZoneInfo(current_app.config["TIMEZONE"])
    with bulk_load_settings(conn):
        counts = add_attendee_rows(conn, target_rows, today, timezone, seed=seed)
        rollups.rebuild_all(db.session)
    db.session.commit()
    if conn.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return counts
