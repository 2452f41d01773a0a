"""The coverage rollups always equal a recount of the raw rows, through every kind of change.

``expected`` below is an independent computation in plain Python over the ORM objects (not
the SQL the rollups use), so a wrong join or filter in the rollup code cannot hide.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.core.types import utcnow
from outreach_app.coverage import rollups
from outreach_app.coverage.models import METRICS, CoverageRollup
from outreach_app.events.models import Event, EventAttendance, EventKind, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.models import PrintRun
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.regions.models import Branch, Region
from tests.factories import make_event, make_print_run


def expected() -> dict:
    """Every rollup row computed in Python from the raw rows."""
    rows: dict = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    events = {e.id: e for e in db.session.scalars(select(Event))}

    def key(event: Event, dim: str = "all", dim_id: int = 0):
        month = event.starts_at.year * 100 + event.starts_at.month
        return (event.region_id, event.branch_id, month, str(event.kind), dim, dim_id)

    live = {i: e for i, e in events.items() if e.status is not EventStatus.CANCELLED}
    for event in live.values():
        rows[key(event)]["events"] += 1
        rows[key(event)]["events_completed"] += event.status is EventStatus.COMPLETED
        for group in event.target_groups:
            rows[key(event, "group", group.id)]["events"] += 1
            rows[key(event, "group", group.id)]["events_completed"] += (
                event.status is EventStatus.COMPLETED
            )
        for topic in event.topics:
            rows[key(event, "topic", topic.id)]["events"] += 1
            rows[key(event, "topic", topic.id)]["events_completed"] += (
                event.status is EventStatus.COMPLETED
            )
    for row in db.session.scalars(select(EventAttendance)):
        if row.event_id in live:
            rows[key(live[row.event_id])]["reached"] += row.headcount
            rows[key(live[row.event_id], "group", row.target_group_id)]["reached"] += row.headcount
    for run in db.session.scalars(select(PrintRun)):
        if run.event_id in live and run.revoked_at is None:
            rows[key(live[run.event_id])]["copies"] += run.copies
    for scan in db.session.scalars(select(HandoutScan)):
        if scan.event_id in live:
            rows[key(live[scan.event_id])]["scans"] += 1
            rows[key(live[scan.event_id])]["copies_scanned"] += scan.is_first
    for check_in in db.session.scalars(select(CheckIn)):
        if check_in.event_id in live:
            rows[key(live[check_in.event_id])]["check_ins"] += 1
            if check_in.target_group_id is not None:
                rows[key(live[check_in.event_id], "group", check_in.target_group_id)][
                    "check_ins"
                ] += 1
    for quiz in db.session.scalars(select(QuizSubmission)):
        if quiz.event_id in live:
            parts = [key(live[quiz.event_id]), key(live[quiz.event_id], "topic", quiz.topic_id)]
            if quiz.target_group_id is not None:
                parts.append(key(live[quiz.event_id], "group", quiz.target_group_id))
            for k in parts:
                rows[k]["quiz_correct"] += quiz.correct
                rows[k]["quiz_total"] += quiz.total
    for feedback in db.session.scalars(select(Feedback)):
        if feedback.event_id in live:
            rows[key(live[feedback.event_id])]["feedback_sum"] += feedback.rating
            rows[key(live[feedback.event_id])]["feedback_count"] += 1
    return {k: v for k, v in rows.items() if any(v.values())}


def expected_subtree(own: dict) -> dict:
    """Own rows summed up the region tree, walking parents one by one (not by path)."""
    rows: dict = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for (region_id, *rest), values in own.items():
        region = db.session.get(Region, region_id)
        while region is not None:
            for name, value in values.items():
                rows[(region.id, *rest)][name] += value
            region = region.parent
    return {k: v for k, v in rows.items() if any(v.values())}


def assert_consistent() -> None:
    db.session.expire_all()
    truth = expected()
    have = rollups.stored(db.session)
    for key in set(have) | set(truth):
        assert have.get(key) == truth.get(key), key
    assert rollups.recount(db.session) == truth
    assert rollups.stored(db.session, subtree=True) == expected_subtree(truth)


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
                    kind=list(EventKind)[i % 5],
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
        from outreach_app.regions.services import move_region

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
        assert written == len(expected())
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
        return expected()


def test_bump_ignores_cancelled_events(app, data):
    with app.app_context():
        event = db.session.get(Event, data.event_b_id)
        event.status = EventStatus.CANCELLED
        db.session.commit()
        rollups.bump(db.session, event, scans=1)
        db.session.commit()
        assert rollups.stored(db.session) == expected()


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
    written in another connection: the scan waits for the change and counts in its new place."""
    import threading
    import time as _time

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

        def scan() -> None:
            try:
                with app.app_context():
                    attendee.record_scan(attendee.find_copy(token))
                    db.session.commit()
            except BaseException as error:  # reported below, in the test's own thread
                errors.append(error)

        other = threading.Thread(target=scan)
        other.start()
        _time.sleep(0.3)
        db.session.commit()
        other.join(timeout=30)
        assert not other.is_alive() and errors == []
        assert_consistent()
