"""The coverage rollups always equal a recount of the raw rows, through every kind of change.

``coverage_data.expected_rollups`` is the independent computation in plain Python over the ORM
objects (``coverage_data.raw_counts``, not the SQL the rollups use), so a wrong join or filter
in the rollup code cannot hide; ``coverage_data.assert_consistent`` holds the stored rollups
against it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Insert, select
from sqlalchemy import event as sa_event

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.core.types import utcnow
from outreach_app.coverage import rollups
from outreach_app.coverage.figures import METRICS
from outreach_app.coverage.models import CoverageRollup
from outreach_app.events.models import Event, EventAttendance, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.models import PrintRun
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, Region
from tests.coverage_data import assert_consistent, expected_rollups
from tests.factories import make_event, make_print_run, make_region
from tests.locking import (
    HANG_GUARD_SECONDS,
    ON_POSTGRES,
    backend_pid,
    postgres_only,
    wait_until_blocked,
)


def _attendee_actions(event: Event, run: PrintRun, serial: int, group_id: int | None, rng) -> None:
    """What the attendee page does for one copy: rows plus the matching rollup bumps."""
    for first in (True, False):
        db.session.add(
            HandoutScan(print_run_id=run.id, serial=serial, event_id=event.id, is_first=first)
        )
    rollups.bump(db.session, event, scans=2, copies_scanned=1)
    db.session.add(
        CheckIn(print_run_id=run.id, serial=serial, event_id=event.id, target_group_id=group_id)
    )
    rollups.bump(db.session, event, check_ins=1)
    if group_id is not None:
        rollups.bump(db.session, event, "group", group_id, check_ins=1)
    correct = rng.randint(0, 3)
    topic_id = run.version.handout.topic_id
    db.session.add(
        QuizSubmission(
            print_run_id=run.id,
            serial=serial,
            event_id=event.id,
            topic_id=topic_id,
            target_group_id=group_id,
            correct=correct,
            total=3,
            answers={},
        )
    )
    rollups.bump(db.session, event, quiz_correct=correct, quiz_total=3)
    rollups.bump(db.session, event, "topic", topic_id, quiz_correct=correct, quiz_total=3)
    if group_id is not None:
        rollups.bump(db.session, event, "group", group_id, quiz_correct=correct, quiz_total=3)
    rating = rng.randint(1, 5)
    db.session.add(Feedback(print_run_id=run.id, serial=serial, event_id=event.id, rating=rating))
    rollups.bump(db.session, event, feedback_sum=rating, feedback_count=1)


@pytest.fixture
def data(app, world):
    with app.app_context():
        yield world


def test_rollups_follow_every_change(app, data):
    rng = random.Random(7)
    with app.app_context():
        # The world's two events were made before the listener could see them.
        rollups.rebuild_all(db.session)
        db.session.commit()
        assert_consistent()

        branch = db.session.get(Branch, data.branch_a_id)
        community_a = db.session.get(Region, data.community_a_id)
        community_b = db.session.get(Region, data.community_b_id)
        groups = {g.code: g.id for g in db.session.scalars(select(TargetGroup))}
        events = []
        for i in range(6):
            events.append(
                make_event(
                    f"活动{i}",
                    branch,
                    community_a if i % 2 else community_b,
                    starts_at=datetime(2026, 1 + i % 3, 10 + i, 9, 0),
                    kind=("village", "community", "campus", "enterprise", "branch")[i % 5],
                    groups=("seniors", "youth") if i % 2 else ("rural",),
                    topics=("fraud_pension", "digital_mobile_banking"),
                )
            )
        db.session.commit()
        assert_consistent()

        # Print runs and attendee actions (the bump path).
        runs = [make_print_run(e, copies=5) for e in events[:4]]
        db.session.commit()
        assert_consistent()
        for event, run in zip(events[:4], runs, strict=True):
            for serial in range(1, 4):
                group = rng.choice([None, groups["seniors"], groups["youth"]])
                _attendee_actions(event, run, serial, group, rng)
        db.session.commit()
        assert_consistent()

        # Attendance counted by staff and completion.
        event = events[1]
        event.attendance = [
            EventAttendance(target_group_id=groups["seniors"], headcount=31),
            EventAttendance(target_group_id=groups["youth"], headcount=12),
        ]
        event.status = EventStatus.COMPLETED
        event.completed_at = utcnow()
        db.session.commit()
        assert_consistent()
        event.attendance[0].headcount = 35
        db.session.commit()
        assert_consistent()

        # Moving an event to another region and month takes its figures along.
        event.region_id = data.community_b_id
        event.starts_at = event.starts_at + timedelta(days=45)
        event.ends_at = event.ends_at + timedelta(days=45)
        db.session.commit()
        assert_consistent()

        # Groups and topics changed on an event.
        events[0].target_groups = [db.session.get(TargetGroup, groups["youth"])]
        events[0].topics = list(db.session.scalars(select(Topic).limit(3)))
        db.session.commit()
        assert_consistent()

        # A withdrawn print run no longer counts its copies; a cancelled event counts nothing.
        runs[2].revoked_at = utcnow()
        db.session.commit()
        assert_consistent()
        events[3].status = EventStatus.CANCELLED
        events[3].cancel_reason = "雨天"
        db.session.commit()
        assert_consistent()

        # Moving a region elsewhere in the tree moves its figures with it.
        community = db.session.get(Region, data.community_a_id)
        street_b = db.session.get(Region, data.community_b_id).parent
        from outreach_app.regions.tree import move_region

        move_region(community, street_b)
        db.session.commit()
        assert_consistent()

        # A rolled-back change leaves the rollups as they were.
        events[4].region_id = data.community_a_id
        db.session.flush()
        db.session.rollback()
        assert_consistent()


def test_rebuild_all_matches_recount(app, data):
    with app.app_context():
        event = db.session.get(Event, data.event_a_id)
        run = make_print_run(event, copies=4)
        db.session.commit()
        _attendee_actions(event, run, 1, None, random.Random(1))
        db.session.commit()
        written = rollups.rebuild_all(db.session)
        db.session.commit()
        assert written == len(expected_rollups())
        assert_consistent()


def test_rebuild_rollups_command_recounts_lost_rows(app, runner, data):
    with app.app_context():
        event = db.session.get(Event, data.event_a_id)
        run = make_print_run(event, copies=4)
        db.session.commit()
        seniors = db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "seniors"))
        _attendee_actions(event, run, 1, seniors, random.Random(2))
        db.session.commit()
        db.session.execute(CoverageRollup.__table__.delete())
        db.session.commit()
        assert rollups.stored(db.session) == {}
    result = runner.invoke(args=["rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert f"{len(expected_rows(app))} rows" in result.output
    with app.app_context():
        assert_consistent()


def expected_rows(app) -> dict:
    with app.app_context():
        return expected_rollups()


def test_bump_ignores_cancelled_events(app, data):
    with app.app_context():
        event = db.session.get(Event, data.event_b_id)
        event.status = EventStatus.CANCELLED
        db.session.commit()
        rollups.bump(db.session, event, scans=1)
        db.session.commit()
        assert rollups.stored(db.session) == expected_rollups()


def test_attendee_actions_keep_rollups_exact(app, data):
    """The attendee page's own writes (scan, check-in, quiz, feedback) move the rollups."""
    from outreach_app.attendee import services as attendee
    from outreach_app.handouts.services import copy_token

    with app.app_context():
        rollups.rebuild_all(db.session)
        event = db.session.get(Event, data.event_a_id)
        run = make_print_run(event, copies=3)
        db.session.commit()
        seniors = db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "seniors"))
        topic_id = run.version.handout.topic_id
        for serial in (1, 2, 2, 3):
            copy = attendee.find_copy(copy_token(run, serial))
            attendee.record_scan(copy)
            attendee.check_in(copy, seniors if serial != 3 else None)
            result = attendee.QuizResult(answers={}, correct=serial % 3, total=3)
            attendee.submit_quiz(copy, topic_id, result)
            attendee.leave_feedback(copy, 5 - serial, "")
            db.session.commit()
        assert_consistent()
        own = rollups.stored(db.session)
        totals = {name: sum(v[name] for k, v in own.items() if k[4] == "all") for name in METRICS}
        assert totals["scans"] == 4
        assert totals["copies_scanned"] == 3
        assert totals["check_ins"] == 3
        assert totals["feedback_count"] == 3
        # Quiz answers count for the group the copy checked in with (serials 1 and 2: seniors).
        by_group = [v for k, v in own.items() if k[4] == "group" and k[5] == seniors]
        assert sum(v["quiz_total"] for v in by_group) == 6
        assert sum(v["quiz_correct"] for v in by_group) == 1 + 2


def test_attendee_writes_follow_an_event_changed_after_the_lookup(app, data):
    """A copy looked up, then its event moved or cancelled, then the attendee's write: the write
    counts where the event is now (or nowhere once cancelled), never where it was."""
    from outreach_app.attendee import services as attendee
    from outreach_app.handouts.services import copy_token

    with app.app_context():
        rollups.rebuild_all(db.session)
        event = db.session.get(Event, data.event_a_id)
        run = make_print_run(event, copies=8)
        db.session.commit()
        seniors = db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "seniors"))
        topic_id = run.version.handout.topic_id
        copies = [attendee.find_copy(copy_token(run, serial)) for serial in range(1, 9)]

        def act(copy) -> None:
            attendee.record_scan(copy)
            attendee.check_in(copy, seniors)
            attendee.submit_quiz(copy, topic_id, attendee.QuizResult({}, 2, 3))
            attendee.leave_feedback(copy, 4, "")
            db.session.commit()

        event.starts_at += timedelta(days=40)
        event.ends_at += timedelta(days=40)
        event.region_id = data.community_b_id
        db.session.commit()
        act(copies[0])
        assert_consistent()
        event.status = EventStatus.CANCELLED
        event.cancel_reason = "场地临时关闭"
        db.session.commit()
        act(copies[1])
        assert_consistent()


def test_a_scan_racing_an_event_change_counts_where_the_event_ends_up(app, data):
    """An event changed (and its rollups recounted) while a scan of one of its copies is being
    written in another connection: the scan waits for the change and counts in its new place.

    The scan looks the copy up while the change is written but not committed; on PostgreSQL
    the change commits only once the scan waits for the event's lock (in ``target_of``), on
    SQLite once the scan is about to write (it then waits for the database's write lock)."""
    from outreach_app.attendee import services as attendee
    from outreach_app.handouts.services import copy_token

    with app.app_context():
        rollups.rebuild_all(db.session)
        event = db.session.get(Event, data.event_a_id)
        run = make_print_run(event, copies=2)
        db.session.commit()
        token = copy_token(run, 1)
        event.starts_at += timedelta(days=40)
        event.ends_at += timedelta(days=40)
        db.session.flush()  # the change is written (and the event row locked), not committed
        errors: list[BaseException] = []
        pids: list[int] = []
        looked_up, finished = threading.Event(), threading.Event()

        def scan() -> None:
            try:
                with app.app_context():
                    if ON_POSTGRES:
                        pids.append(backend_pid(db.session))
                    copy = attendee.find_copy(token)
                    looked_up.set()
                    attendee.record_scan(copy)
                    db.session.commit()
            except BaseException as error:  # reported below, in the test's own thread
                errors.append(error)
            finally:
                looked_up.set()
                finished.set()

        other = threading.Thread(target=scan)
        other.start()
        assert looked_up.wait(HANG_GUARD_SECONDS)
        if ON_POSTGRES and pids:
            wait_until_blocked(db.engine, pids[0], finished)
            assert not finished.is_set(), "the scan did not wait for the event's change"
        db.session.commit()
        other.join(timeout=HANG_GUARD_SECONDS)
        assert not other.is_alive() and errors == []
        assert_consistent()


# --- lock order -----------------------------------------------------------------------------


def _primary_key(row: dict) -> tuple:
    return tuple(row[column.name] for column in CoverageRollup.__table__.primary_key.columns)


@contextmanager
def rollup_writes() -> Iterator[list[list[tuple]]]:
    """The primary keys of the rollup rows every INSERT (or upsert) sends, one list per
    statement, in the order they are sent."""
    statements: list[list[tuple]] = []

    def capture(conn, clause, multiparams, params, execution_options) -> None:
        if isinstance(clause, Insert) and clause.table is CoverageRollup.__table__:
            statements.append([_primary_key(row) for row in multiparams or [params]])

    sa_event.listen(db.engine, "before_execute", capture)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_execute", capture)


def test_rollup_rows_are_written_in_primary_key_order(app, data):
    """The rule that keeps sibling events' transactions from deadlocking: every write of
    rollup rows goes in primary key order, and a recount adds to the subtree rows in one
    statement."""
    with app.app_context():
        rollups.rebuild_all(db.session)
        db.session.commit()
        groups = {g.code: g.id for g in db.session.scalars(select(TargetGroup))}
        event = db.session.get(Event, data.event_a_id)
        event.target_groups = list(
            db.session.scalars(select(TargetGroup).where(TargetGroup.code.in_(["youth", "rural"])))
        )
        event.topics = list(db.session.scalars(select(Topic).limit(3)))
        event.attendance = [
            EventAttendance(target_group_id=groups["seniors"], headcount=20),
            EventAttendance(target_group_id=groups["youth"], headcount=7),
        ]
        event.status = EventStatus.COMPLETED
        event.completed_at = utcnow()
        with rollup_writes() as recounted:
            db.session.commit()
        subtree_statements = [rows for rows in recounted if any(key[1] for key in rows)]
        assert len(subtree_statements) == 1
        assert len(subtree_statements[0]) > 4 * 3  # four enclosing regions, several breakdowns
        for rows in recounted:
            assert rows == sorted(rows)

        topic_id = event.topics[0].id
        with rollup_writes() as bumped:
            also = [("group", groups["youth"]), ("all", 0)]
            rollups.bump(db.session, event, "topic", topic_id, also=also, quiz_total=3)
        assert len(bumped) == 1
        assert len(bumped[0]) == 3 * 5  # three breakdowns, the own row and four subtree rows
        assert bumped[0] == sorted(bumped[0])
        db.session.rollback()

        with rollup_writes() as rebuilt:
            rollups.rebuild_all(db.session)
            rollups.rebuild_tree(db.session)
        assert len(rebuilt) == 2
        for rows in rebuilt:
            assert rows == sorted(rows)
        db.session.rollback()
        assert_consistent()


@pytest.fixture
def siblings(app, data):
    """Two confirmed events of branch A in one month and kind, in sibling communities; the
    first has seniors counted, the second a print run. Returns their ids and the run's."""
    with app.app_context():
        community = db.session.get(Region, data.community_a_id)
        sibling = make_region("太平角社区", community.parent, code="370202001002")
        branch = db.session.get(Branch, data.branch_a_id)
        start = datetime(2026, 11, 3, 9, 0)
        first = make_event("湛山社区讲座", branch, community, starts_at=start)
        second = make_event("太平角社区讲座", branch, sibling, starts_at=start + timedelta(days=1))
        seniors = db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "seniors"))
        first.status = EventStatus.COMPLETED
        first.completed_at = utcnow()
        first.attendance = [EventAttendance(target_group_id=seniors, headcount=10)]
        second.status = EventStatus.CONFIRMED
        run = make_print_run(second, copies=5)
        db.session.commit()
        rollups.rebuild_all(db.session)
        db.session.commit()
        return first.id, second.id, run.id


@postgres_only(
    "SQLite has no row locks: a writer holds the whole database until it commits, so two "
    "transactions can never each hold a rollup row the other needs"
)
@pytest.mark.parametrize("bump_first", ["all", "group"])
def test_a_recount_and_a_bump_of_sibling_events_do_not_deadlock(app, siblings, bump_first):
    """Sibling events share their ancestors' subtree rows. A recount of the first (its head
    count changes) and a check-in on the second write the same two breakdowns (all, seniors);
    the check-in names them in either order. The recount is stopped right after its first
    write of a subtree row and goes on only once the check-in's write has finished or waits
    for a lock: written in different orders, the two would now each hold a row the other
    needs. Written in one order, the second waits for the first and both commit."""
    first_id, second_id, run_id = siblings
    with app.app_context():
        seniors = db.session.scalar(select(TargetGroup.id).where(TargetGroup.code == "seniors"))
    dims = [("all", 0), ("group", seniors)]
    if bump_first == "group":
        dims.reverse()
    ready = threading.Barrier(2, timeout=HANG_GUARD_SECONDS)
    recount_holds_a_row, check_in_written = threading.Event(), threading.Event()
    check_in_pid: list[int] = []
    errors: list[BaseException] = []

    def recount_first_event() -> None:
        with app.app_context():
            event = db.session.get(Event, first_id)
            event.attendance[0].headcount = 25
            db.session.flush()
            ready.wait()
            db.session.commit()

    def check_in_on_second_event() -> None:
        try:
            with app.app_context():
                check_in_pid.append(backend_pid(db.session))
                db.session.add(
                    CheckIn(
                        print_run_id=run_id, serial=1, event_id=second_id, target_group_id=seniors
                    )
                )
                db.session.flush()
                target = rollups.target_of(db.session, second_id)
                ready.wait()
                assert recount_holds_a_row.wait(HANG_GUARD_SECONDS)
                rollups.bump(db.session, target, *dims[0], also=dims[1:], check_ins=1)
                check_in_written.set()
                db.session.commit()
        finally:
            check_in_written.set()

    recounter = threading.Thread(target=_reporting(recount_first_event, errors))
    checker = threading.Thread(target=_reporting(check_in_on_second_event, errors))

    def hold_after_first_subtree_write(conn, cursor, statement, params, context, many) -> None:
        if (
            threading.current_thread() is recounter
            and not recount_holds_a_row.is_set()
            and "coverage_rollup" in statement
            and "ON CONFLICT" in statement
        ):
            recount_holds_a_row.set()
            wait_until_blocked(db.engine, check_in_pid[0], check_in_written)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "after_cursor_execute", hold_after_first_subtree_write)
    try:
        recounter.start()
        checker.start()
        recounter.join(HANG_GUARD_SECONDS)
        checker.join(HANG_GUARD_SECONDS)
    finally:
        sa_event.remove(engine, "after_cursor_execute", hold_after_first_subtree_write)
    assert not recounter.is_alive() and not checker.is_alive()
    assert errors == []
    with app.app_context():
        assert_consistent()


def _reporting(work, errors: list[BaseException]):
    """``work`` for a thread, with its exception kept in ``errors`` for the test to report."""

    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)

    return run
