"""Privacy retention and ``flask purge``: failed-login audit rows and feedback comments older
than their configured periods go, younger ones and everything else stay, coverage figures do
not move, and every purge is in the audit log. Rows are dated by writing their times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from outreach_app.attendee.models import Feedback
from outreach_app.attendee.stats import event_responses
from outreach_app.audit.models import AuditLog
from outreach_app.core.types import utcnow
from outreach_app.coverage import rollups
from outreach_app.coverage.models import CoverageRollup
from outreach_app.events.models import Event
from outreach_app.extensions import db
from tests.factories import World, make_print_run
from tests.helpers import login

DAY = timedelta(days=1)


def add_login_failure(username: str, when: datetime) -> None:
    """A failed-login audit row as the login form writes it, dated ``when``."""
    db.session.add(
        AuditLog(
            action="login.fail",
            object_type="",
            remote_addr="203.0.113.9",
            detail=json.dumps({"username": username}),
            created_at=when,
        )
    )


@pytest.fixture
def dated(app: Flask, world: World) -> World:
    """Failed logins and feedback on either side of the default limits (180 and 730 days),
    with the coverage rollups recounted."""
    now = utcnow()
    with app.app_context():
        add_login_failure("old.typo", now - 181 * DAY)
        add_login_failure("my secret password", now - 400 * DAY)
        add_login_failure("recent.typo", now - 179 * DAY)
        db.session.add(
            AuditLog(
                action="login.succeed",
                object_type="user",
                object_id=world.staff_a_id,
                remote_addr="198.51.100.7",
                created_at=now - 900 * DAY,
            )
        )
        event = db.session.get(Event, world.event_a_id)
        run = make_print_run(event, copies=6)
        for serial, (days, rating, comment) in enumerate(
            [
                (731, 5, "王阿姨说讲得很好，电话13800000000"),
                (1000, 2, "太快了"),
                (729, 4, "下次再来"),
                (800, 3, ""),
                (10, 1, "听不清"),
            ],
            start=1,
        ):
            db.session.add(
                Feedback(
                    print_run_id=run.id,
                    serial=serial,
                    event_id=event.id,
                    rating=rating,
                    comment=comment,
                    created_at=now - days * DAY,
                )
            )
        db.session.flush()
        rollups.rebuild_all(db.session)
        db.session.commit()
    return world


def failed_logins(app: Flask) -> list[str]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditLog.detail).where(AuditLog.action == "login.fail").order_by(AuditLog.id)
        ).scalars()
        return [json.loads(detail)["username"] for detail in rows]


def feedback(app: Flask) -> list[tuple[int, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Feedback.serial, Feedback.rating, Feedback.comment).order_by(Feedback.serial)
        )
        return [tuple(row) for row in rows]


def purges(app: Flask) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditLog).where(AuditLog.action == "data.purge").order_by(AuditLog.id)
        ).scalars()
        return [json.loads(row.detail) | {"user_id": row.user_id} for row in rows]


def figures(app: Flask, world: World) -> tuple[list[tuple], dict]:
    """The rollup rows and the administrator's coverage JSON for the event's month."""
    with app.app_context():
        rows = db.session.execute(select(CoverageRollup)).scalars().all()
        table = sorted(
            tuple(getattr(row, c.key) for c in CoverageRollup.__table__.columns) for row in rows
        )
        month = db.session.get(Event, world.event_a_id).starts_at.strftime("%Y-%m")
    client = app.test_client()
    login(client, "admin")
    response = client.get(
        f"/coverage/{world.city_id}.json",
        query_string={"period": "custom", "from": month, "to": month},
    )
    assert response.status_code == 200
    return table, response.get_json()


def test_purge_removes_only_what_is_past_its_period(app, runner, dated):
    before = figures(app, dated)
    assert before[1]["total"]["feedback_count"] == 5

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert "2 failed logins deleted: older than 180 days" in result.output
    assert "2 feedback comments blanked (ratings kept): older than 730 days" in result.output
    assert failed_logins(app) == ["recent.typo"]
    assert feedback(app) == [
        (1, 5, ""),
        (2, 2, ""),
        (3, 4, "下次再来"),
        (4, 3, ""),
        (5, 1, "听不清"),
    ]
    with app.app_context():
        # Other audit rows, however old, stay.
        old_login = select(AuditLog.id).where(
            AuditLog.action == "login.succeed", AuditLog.created_at < utcnow() - 800 * DAY
        )
        assert db.session.execute(old_login).scalar_one()
        responses = event_responses(dated.event_a_id, "zh_CN")
        assert [c.comment for c in responses.comments] == ["听不清", "下次再来"]
        assert responses.feedback_count == 5
    # Ratings, their counts and the coverage figures are as they were, and still a recount.
    assert figures(app, dated) == before
    with app.app_context():
        rollups.rebuild_all(db.session)
        db.session.commit()
    assert figures(app, dated) == before
    assert [(p["kind"], p["count"], p["retention_days"], p["user_id"]) for p in purges(app)] == [
        ("login_failures", 2, 180, None),
        ("feedback_comments", 2, 730, None),
        ("problem_callback_numbers", 0, 30, None),
        ("sign_in_sheets", 0, 1095, None),
    ]


def test_purge_again_removes_nothing_and_says_so(app, runner, dated):
    runner.invoke(args=["purge"])
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0
    assert "0 failed logins deleted" in result.output
    assert "0 feedback comments blanked" in result.output
    assert [(p["kind"], p["count"]) for p in purges(app)][-4:] == [
        ("login_failures", 0),
        ("feedback_comments", 0),
        ("problem_callback_numbers", 0),
        ("sign_in_sheets", 0),
    ]


def test_dry_run_counts_and_changes_nothing(app, runner, dated):
    logins, comments = failed_logins(app), feedback(app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 failed logins to delete" in result.output
    assert "2 feedback comments to blank (ratings kept)" in result.output
    assert failed_logins(app) == logins
    assert feedback(app) == comments
    assert purges(app) == []


def test_retention_periods_follow_the_configuration(app, runner, dated):
    app.config["LOGIN_FAILURE_RETENTION_DAYS"] = 300
    app.config["FEEDBACK_COMMENT_RETENTION_DAYS"] = 5
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert failed_logins(app) == ["old.typo", "recent.typo"]
    assert [comment for _serial, _rating, comment in feedback(app)] == [""] * 5


@pytest.mark.parametrize("days", [0, -1])
def test_a_period_below_one_day_is_refused(app, runner, dated, days):
    logins, comments = failed_logins(app), feedback(app)
    app.config["FEEDBACK_COMMENT_RETENTION_DAYS"] = days
    result = runner.invoke(args=["purge"])
    assert result.exit_code != 0
    assert "FEEDBACK_COMMENT_RETENTION_DAYS must be at least 1 day" in result.output
    # Nothing at all is purged, the valid kind neither.
    assert failed_logins(app) == logins
    assert feedback(app) == comments
    assert purges(app) == []


def test_retention_settings_come_from_the_environment():
    root = Path(__file__).resolve().parent.parent
    code = (
        "import config; c = config.Config; "
        "print(c.LOGIN_FAILURE_RETENTION_DAYS, c.FEEDBACK_COMMENT_RETENTION_DAYS,"
        " c.SIGN_IN_SHEET_RETENTION_DAYS)"
    )
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_RETENTION_DAYS")}

    def read(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env=environment | extra,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert read() == "180 730 1095"
    assert read(
        LOGIN_FAILURE_RETENTION_DAYS="30",
        FEEDBACK_COMMENT_RETENTION_DAYS="365",
        SIGN_IN_SHEET_RETENTION_DAYS="400",
    ) == ("30 365 400")


def test_purge_has_help(runner):
    result = runner.invoke(args=["purge", "--help"])
    assert result.exit_code == 0
    assert "retention period" in result.output and "--dry-run" in result.output
