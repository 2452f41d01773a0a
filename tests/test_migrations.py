"""The migrations build the schema from nothing, agree with the models, stand alone (no
application code in the newer ones) and bring older data up to date."""

from __future__ import annotations

import ast
import os
import re
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, create_engine, inspect, make_url, select, text
from sqlalchemy.exc import IntegrityError

from outreach_app import create_app
from outreach_app.attendee.models import HandoutScan
from outreach_app.coverage import rollups
from outreach_app.extensions import db
from outreach_app.reference.data import EVENT_KINDS, TARGET_GROUPS, TOPICS
from outreach_app.reference.models import EventKind, TargetGroup, Topic

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    """An empty database of the kind the suite runs on: a new SQLite file, or a new database
    on the PostgreSQL server of ``TEST_DATABASE_URL``, dropped afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield "sqlite:///" + str(tmp_path / "fresh.db")
        return
    name = "outreach_migrations_" + secrets.token_hex(4)
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_reference_data_matches_the_application(app):
    with app.app_context():
        groups = db.session.execute(select(TargetGroup).order_by(TargetGroup.sort_order)).scalars()
        assert [(g.code, g.name_zh, g.name_en) for g in groups] == TARGET_GROUPS
        topics = db.session.execute(select(Topic).order_by(Topic.sort_order)).scalars()
        assert [(t.code, t.category, t.name_zh, t.name_en) for t in topics] == TOPICS
        kinds = db.session.execute(select(EventKind).order_by(EventKind.sort_order)).scalars()
        assert [
            (k.code, k.name_zh, k.name_en, k.min_staff, k.private_venue) for k in kinds
        ] == EVENT_KINDS


def test_upgrade_downgrade_upgrade_from_nothing(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"region", "branch", "user", "partner", "event", "audit_log"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert db.session.execute(select(TargetGroup)).scalars().first() is not None
        db.session.remove()
        db.engine.dispose()


def test_constraint_names_follow_the_convention(app):
    with app.app_context():
        inspector = inspect(db.engine)
        fks = inspector.get_foreign_keys("event")
        assert {fk["name"] for fk in fks} >= {
            "fk_event_branch_id_branch",
            "fk_event_region_id_region",
            "fk_event_partner_id_partner",
        }
        assert inspector.get_pk_constraint("event")["name"] in ("pk_event", None)


def _imported_modules(path: Path) -> set[str]:
    """Every module a migration script imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names.add("__import__")
    return names


def test_migrations_from_0007_on_use_their_own_sql():
    """The application's models move on; a migration that imported them would break."""
    scripts = sorted(p for p in VERSIONS.glob("*.py") if p.name[:4].isdigit() and p.name >= "0007")
    assert [p.name[:4] for p in scripts[:2]] == ["0007", "0008"]
    for script in scripts:
        imported = _imported_modules(script)
        assert not {m for m in imported if m.split(".")[0] in ("outreach_app", "config")}, script
        assert "__import__" not in imported and "importlib" not in imported, script


# --- older data brought up to date -------------------------------------------------------------

T0 = datetime(2026, 3, 10, 9, 0)


def _insert_old_world(conn) -> None:
    """Regions, a branch, events and attendee rows as revision 0004 stored them (scans without
    ``is_first``), written straight into that revision's tables."""
    tables = MetaData()
    tables.reflect(conn)
    t = tables.tables
    groups = dict(conn.execute(text("SELECT code, id FROM target_group")).all())
    topics = dict(conn.execute(text("SELECT code, id FROM topic")).all())
    version_id = conn.execute(text("SELECT MIN(id) FROM handout_version")).scalar_one()
    region = {"is_rural": False, "branch_access": "branch"}
    conn.execute(
        t["region"].insert(),
        [
            {**region, "id": 1, "parent_id": None, "name": "青岛市", "level": 1, "path": "/1/"},
            {**region, "id": 2, "parent_id": 1, "name": "市南区", "level": 2, "path": "/1/2/"},
            {**region, "id": 3, "parent_id": 2, "name": "湛山", "level": 3, "path": "/1/2/3/"},
            {**region, "id": 4, "parent_id": 1, "name": "崂山区", "level": 2, "path": "/1/4/"},
            # A prefix of another path as text, but not its parent: /1/2/ is not above /1/20/.
            {**region, "id": 20, "parent_id": 1, "name": "黄岛区", "level": 2, "path": "/1/20/"},
        ],
    )
    conn.execute(
        t["branch"].insert(),
        [
            {
                "id": 1,
                "name": "市南支行",
                "region_id": 2,
                "address": "",
                "phone": "",
                "is_active": True,
            },
            {
                "id": 2,
                "name": "崂山支行",
                "region_id": 4,
                "address": "",
                "phone": "",
                "is_active": True,
            },
        ],
    )
    event = {
        "venue": "活动室",
        "notes": "",
        "cancel_reason": "",
        "created_at": T0,
        "updated_at": T0,
    }
    conn.execute(
        t["event"].insert(),
        [
            {
                **event,
                "id": 1,
                "title": "湛山讲座",
                "kind": "community",
                "status": "completed",
                "branch_id": 1,
                "region_id": 3,
                "starts_at": T0,
                "ends_at": T0 + timedelta(hours=2),
            },
            {
                **event,
                "id": 2,
                "title": "崂山进村",
                "kind": "village",
                "status": "confirmed",
                "branch_id": 2,
                "region_id": 4,
                "starts_at": T0 + timedelta(days=31),
                "ends_at": T0 + timedelta(days=31, hours=2),
            },
            {
                **event,
                "id": 3,
                "title": "取消了",
                "kind": "community",
                "status": "cancelled",
                "branch_id": 1,
                "region_id": 3,
                "starts_at": T0,
                "ends_at": T0 + timedelta(hours=1),
                "cancel_reason": "下雨",
            },
            {
                **event,
                "id": 4,
                "title": "黄岛讲座",
                "kind": "campus",
                "status": "planned",
                "branch_id": 1,
                "region_id": 20,
                "starts_at": T0,
                "ends_at": T0 + timedelta(hours=1),
            },
        ],
    )
    conn.execute(
        t["event_target_group"].insert(),
        [
            {"event_id": 1, "target_group_id": groups["seniors"]},
            {"event_id": 2, "target_group_id": groups["rural"]},
        ],
    )
    conn.execute(
        t["event_topic"].insert(),
        [
            {"event_id": 1, "topic_id": topics[min(topics)]},
            {"event_id": 2, "topic_id": topics[max(topics)]},
        ],
    )
    conn.execute(
        t["event_attendance"].insert(),
        [{"event_id": 1, "target_group_id": groups["seniors"], "headcount": 40}],
    )
    run = {
        "handout_version_id": version_id,
        "language": "zh_CN",
        "layout": "a4",
        "page": {},
        "created_at": T0,
        "revoked_at": None,
    }
    conn.execute(
        t["print_run"].insert(),
        [
            {**run, "id": 1, "public_id": 1001, "event_id": 1, "copies": 50},
            {**run, "id": 2, "public_id": 1002, "event_id": 2, "copies": 20},
            {**run, "id": 3, "public_id": 1003, "event_id": 3, "copies": 10},
            {**run, "id": 4, "public_id": 1004, "event_id": 1, "copies": 5, "revoked_at": T0},
            {**run, "id": 5, "public_id": 1005, "event_id": 4, "copies": 5},
        ],
    )
    # (id, run, serial, minutes after T0): ids and times deliberately out of step for copy 1/2.
    scans = [
        (1, 1, 1, 30),
        (2, 1, 1, 31),
        (3, 1, 2, 50),
        (4, 1, 2, 40),
        (5, 1, 3, 10),
        (6, 2, 1, 60),
        (7, 2, 1, 60),
        (8, 3, 1, 5),
        (9, 4, 2, 7),
        (10, 5, 1, 9),
    ]
    conn.execute(
        t["handout_scan"].insert(),
        [
            {
                "id": i,
                "print_run_id": r,
                "serial": n,
                "event_id": (1, 2, 3, 1, 4)[r - 1],
                "scanned_at": T0 + timedelta(minutes=m),
            }
            for i, r, n, m in scans
        ],
    )
    conn.execute(
        t["check_in"].insert(),
        [
            {
                "id": 1,
                "print_run_id": 1,
                "serial": 1,
                "event_id": 1,
                "target_group_id": groups["seniors"],
                "created_at": T0,
            }
        ],
    )
    conn.execute(
        t["quiz_submission"].insert(),
        [
            {
                "id": 1,
                "print_run_id": 1,
                "serial": 1,
                "event_id": 1,
                "topic_id": topics[min(topics)],
                "target_group_id": groups["seniors"],
                "correct": 2,
                "total": 3,
                "answers": {},
                "created_at": T0,
            }
        ],
    )
    conn.execute(
        t["feedback"].insert(),
        [
            {
                "id": 1,
                "print_run_id": 2,
                "serial": 1,
                "event_id": 2,
                "rating": 4,
                "comment": "",
                "created_at": T0,
            }
        ],
    )


def _assert_rollups_equal_a_recount() -> None:
    own = rollups.recount(db.session)
    paths = dict(db.session.execute(text("SELECT id, path FROM region")).all())
    assert rollups.stored(db.session) == own
    assert rollups.stored(db.session, subtree=True) == rollups.subtree_totals(own, paths)


def test_old_scans_get_their_first_scan_and_count_as_copies_scanned(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            # Scans the application took after 0005: the first it saw of each copy is marked,
            # though copy 1/1 had been scanned before.
            conn.execute(
                text(
                    "INSERT INTO handout_scan (id, print_run_id, serial, event_id, scanned_at,"
                    " is_first) VALUES (11, 1, 1, 1, :late, :yes), (12, 1, 4, 1, :late, :yes),"
                    " (13, 1, 4, 1, :later, :no)"
                ),
                {
                    "late": T0 + timedelta(days=2),
                    "later": T0 + timedelta(days=3),
                    "yes": True,
                    "no": False,
                },
            )
        upgrade()
        scans = db.session.execute(select(HandoutScan).order_by(HandoutScan.id)).scalars().all()
        first = {s.id for s in scans if s.is_first}
        # The earliest scan of each copy by time (then id): 1/1 → 1, 1/2 → 4 (id 3 came later).
        assert first == {1, 4, 5, 6, 8, 9, 10, 12}
        _assert_rollups_equal_a_recount()
        city = db.session.execute(
            text(
                "SELECT SUM(copies_scanned), SUM(scans), SUM(copies), SUM(events) FROM"
                " coverage_rollup WHERE region_id = 1 AND subtree = :yes AND dim = 'all'"
            ),
            {"yes": True},
        ).one()
        # Copies 1/1-1/4, 2/1, 4/2 (withdrawn run, its scans still count) and 5/1; the
        # cancelled event's copy 3/1 does not count.
        assert tuple(city) == (7, 12, 75, 3)
        district = db.session.execute(
            text(
                "SELECT SUM(copies_scanned) FROM coverage_rollup"
                " WHERE region_id = 2 AND subtree = :yes AND dim = 'all'"
            ),
            {"yes": True},
        ).scalar_one()
        assert district == 5  # 湛山's copies only, not 黄岛区's (/1/20/)
        db.session.commit()  # the reads opened a transaction; let the downgrade alter the tables

        # Down past both and up again: the same marks and the same figures. The reads above
        # end first: on PostgreSQL their open transaction would hold off the downgrade, which
        # drops tables and rollup columns they read.
        db.session.rollback()
        downgrade(revision="0006")
        upgrade()
        again = db.session.execute(select(HandoutScan.id).where(HandoutScan.is_first))
        assert set(again.scalars()) == first
        _assert_rollups_equal_a_recount()
        db.session.remove()
        db.engine.dispose()


# --- audit action names ------------------------------------------------------------------------

# Action names as the application wrote them before revision 0011, with the names it writes now.
OLD_ACTIONS = {
    "login": "login.succeed",
    "login_failed": "login.fail",
    "user_created": "user.create",
    "user_deactivated": "user.deactivate",
    "event_status": "event.change_status",
    "event_changed_after_completion": "event.change_after_completion",
    "calendar_feed_renewed": "calendar_feed.renew",
    "api_token_revoked": "api_token.revoke",
    "partner_restored": "partner.restore",
    "data_purged": "data.purge",
    "handout.version": "handout.add_version",
}
# Already in the new style, or not an action the application writes: left as they are.
KEPT_ACTIONS = ("print_run.create", "region.update", "handout.create", "something_else")


def _audit_actions() -> dict[int, str]:
    rows = db.session.execute(text("SELECT id, action FROM audit_log ORDER BY id"))
    return dict(rows.all())


def test_stored_audit_actions_take_the_noun_verb_names_and_back(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    old = [*OLD_ACTIONS, *KEPT_ACTIONS]
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, created_at, action, object_type, remote_addr,"
                    " detail) VALUES (:id, :at, :action, '', '', '{}')"
                ),
                [{"id": i, "at": T0, "action": action} for i, action in enumerate(old, 1)],
            )
        upgrade()
        renamed = [OLD_ACTIONS.get(action, action) for action in old]
        assert _audit_actions() == dict(enumerate(renamed, 1))
        db.session.commit()  # a read opened a transaction; let the downgrade take the table
        downgrade(revision="0010")
        assert _audit_actions() == dict(enumerate(old, 1))
        db.session.commit()
        upgrade()
        assert _audit_actions() == dict(enumerate(renamed, 1))
        db.session.remove()
        db.engine.dispose()


def _names_in(expression: ast.expr) -> list[str]:
    """The action names an expression can give: a string, either side of ``a if c else b``,
    an f-string with each placeholder as ``*``."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _names_in(expression.body) + _names_in(expression.orelse)
    if isinstance(expression, ast.JoinedStr):
        parts = expression.values
        return ["".join(v.value if isinstance(v, ast.Constant) else "*" for v in parts)]
    return []


def _recorded_actions() -> list[tuple[str, str]]:
    """Every action name the application passes to ``record``, with its module."""
    root = Path(__file__).resolve().parents[1] / "outreach_app"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_call = isinstance(node, ast.Call) and bool(node.args)
            if is_call and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record":
                found += [(path.name, name) for name in _names_in(node.args[0])]
    return found


def test_every_audit_action_is_a_noun_and_a_verb():
    actions = _recorded_actions()
    assert len(actions) > 20
    word = r"(?:[a-z]+(?:_[a-z]+)*|\*)"
    for module, name in actions:
        assert re.fullmatch(rf"{word}\.{word}", name), (module, name)
    assert not set(OLD_ACTIONS) & {name for _module, name in actions}


# --- the handout ledger ------------------------------------------------------------------------

BEFORE_LEDGER = "0011"  # the revision before the handout ledger


def _handouts_distributed() -> dict[int, int | None]:
    rows = db.session.execute(text("SELECT id, handouts_distributed FROM event ORDER BY id"))
    return dict(rows.all())


def test_the_old_handout_number_becomes_a_ledger_line_and_back(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        upgrade(revision=BEFORE_LEDGER)
        old = {1: 120, 2: 0, 3: 30, 4: None}  # completed, confirmed, cancelled, planned
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE event SET handouts_distributed = :n WHERE id = :id"),
                [{"id": i, "n": n} for i, n in old.items()],
            )
        upgrade()
        lines = db.session.execute(
            text(
                "SELECT event_id, print_run_id, material, label, quantity"
                " FROM handout_ledger_line ORDER BY event_id"
            )
        ).all()
        # No line for 0 or none; the cancelled event keeps its line but counts nowhere.
        assert [tuple(line) for line in lines] == [
            (1, None, "other", "宣传资料", 120),
            (3, None, "other", "宣传资料", 30),
        ]
        columns = {c["name"] for c in inspect(db.engine).get_columns("event")}
        assert "handouts_distributed" not in columns
        _assert_rollups_equal_a_recount()
        city = db.session.execute(
            text(
                "SELECT SUM(materials_handed_out), SUM(handed_out), SUM(gifts_handed_out)"
                " FROM coverage_rollup WHERE region_id = 1 AND subtree = :yes AND dim = 'all'"
            ),
            {"yes": True},
        ).one()
        assert tuple(city) == (120, 0, 0)
        db.session.commit()

        downgrade(revision=BEFORE_LEDGER)
        assert _handouts_distributed() == {1: 120, 2: None, 3: 30, 4: None}
        assert "handout_ledger_line" not in inspect(db.engine).get_table_names()
        db.session.commit()
        upgrade()
        _assert_rollups_equal_a_recount()
        again = db.session.execute(text("SELECT COUNT(*) FROM handout_ledger_line")).scalar_one()
        assert again == 2
        db.session.remove()
        db.engine.dispose()


# --- event kinds as data -----------------------------------------------------------------------

BEFORE_KINDS = "0013"  # the revision before event kinds became rows


def _event_rows() -> dict[str, int]:
    """How many rows each table that refers to an event holds, and the events' kinds."""
    tables = ("event", "event_target_group", "event_topic", "event_attendance", "print_run")
    counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    kinds = db.session.execute(text("SELECT id, kind FROM event ORDER BY id")).all()
    # End the transaction: PostgreSQL's ALTER TABLE of a migration waits for every reader.
    db.session.remove()
    return {**counts, "kinds": [tuple(row) for row in kinds]}


def test_event_kinds_become_rows_and_every_event_keeps_its_links(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        upgrade(revision=BEFORE_KINDS)
        before = _event_rows()
        upgrade()
        # Building the event table again on SQLite must not cascade to the rows that refer to it.
        assert _event_rows() == before
        codes = set(db.session.execute(text("SELECT code FROM event_kind")).scalars())
        assert {kind for _id, kind in before["kinds"]} <= codes
        _assert_rollups_equal_a_recount()
        db.session.remove()
        # The kind is a foreign key now: a code no kind has is refused.
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE event SET kind = 'nowhere' WHERE id = 1"))
        groups = db.session.execute(
            text("SELECT code FROM target_group ORDER BY sort_order")
        ).scalars()
        assert list(groups) == [code for code, _zh, _en in TARGET_GROUPS]
        db.session.remove()

        # Down and up again: the same rows.
        downgrade(revision=BEFORE_KINDS)
        assert _event_rows() == before
        assert "event_kind" not in inspect(db.engine).get_table_names()
        db.session.remove()
        upgrade()
        assert _event_rows() == before
        db.session.remove()
        db.engine.dispose()


def test_downgrade_refuses_while_events_have_new_kinds(fresh_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE event SET kind = 'home_visit' WHERE id = 1"))
        # Flask-Migrate logs the error and exits; nothing is changed.
        with pytest.raises(SystemExit):
            downgrade(revision=BEFORE_KINDS)
        assert db.session.execute(text("SELECT count(*) FROM event_kind")).scalar_one() == 7
        db.session.remove()
        db.engine.dispose()
