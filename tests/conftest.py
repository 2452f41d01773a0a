"""Fixtures: a migrated database (SQLite, or PostgreSQL from TEST_DATABASE_URL), the app (and
csrf_app, the same with CSRF protection on), a client, a CLI runner, a login helper, a small
world of two districts with a head and staff in each (cw: the coverage data set on top of it),
and a temporary upload folder. Helpers that are no fixtures are in tests/helpers.py, test data
in tests/factories.py.

Every test gets the one application of the run on the same migrated database, put back as new
after it: rows are removed (reference data, such as target groups and topics, stays), the
configuration is restored, caches are dropped and rate-limit counters reset.
"""

from __future__ import annotations

import gc
import os
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Engine

from outreach_app import create_app
from outreach_app.extensions import db, limiter
from outreach_app.handouts.seed import insert_shipped_handouts
from outreach_app.reference.data import EVENT_KINDS, TARGET_GROUPS
from outreach_app.reference.models import EventKind, TargetGroup
from tests.coverage_data import CoverageWorld, build_coverage_world
from tests.factories import World, build_world
from tests.helpers import PASSWORD, login, logout


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far (zxcvbn's word lists, the libraries) out of the garbage
    collector's sight: pytest collects garbage after every test, and scanning them is slow."""
    gc.collect()
    gc.freeze()


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


# Every engine that connected during the current test: some tests make an app of their own
# (the production configuration, trusted proxies, another secret key), each with its own engine
# and pool, and a pool left to the garbage collector would drop its open connections at some
# random later moment.
_engines_used: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection) -> None:
    _engines_used.add(connection.engine)


@pytest.fixture(autouse=True)
def close_database_connections() -> Iterator[None]:
    """After each test, close the pooled connections of every engine it used, once requests
    still running in server threads have handed theirs back."""
    yield
    for engine in list(_engines_used):
        deadline = time.monotonic() + 10
        while getattr(engine.pool, "checkedout", lambda: 0)() and time.monotonic() < deadline:
            time.sleep(0.02)
        engine.dispose()
    _engines_used.clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database built from nothing by the migrations, once per test run."""
    from flask_migrate import upgrade

    url = _database_url(tmp_path_factory)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


def clean_database() -> None:
    """Delete every row except the reference data, in an order the foreign keys allow, start
    the ids again from 1, put the event kinds and target groups back as shipped (tests add,
    rename and retire them), then the shipped handouts as the migration left them."""
    tables = [t for t in db.metadata.sorted_tables if not t.info.get("reference")]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One round trip of plain DELETEs and setvals: TRUNCATE of every table after every
            # test cost more than most tests on PostgreSQL.
            conn.exec_driver_sql(_postgres_reset_sql(conn, tuple(t.name for t in tables)))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
        _restore_kinds_and_groups(conn)
        insert_shipped_handouts(conn)


def _restore_kinds_and_groups(conn) -> None:
    """The shipped kinds and groups only, with their shipped names, order and rules."""
    kinds = EventKind.__table__
    conn.execute(kinds.delete().where(kinds.c.code.not_in([k[0] for k in EVENT_KINDS])))
    conn.execute(
        kinds.update().where(kinds.c.code == bindparam("b_code")),
        [
            {
                "b_code": code,
                "name_zh": zh,
                "name_en": en,
                "sort_order": n,
                "min_staff": staff,
                "private_venue": private,
                "is_retired": False,
            }
            for n, (code, zh, en, staff, private) in enumerate(EVENT_KINDS, start=1)
        ],
    )
    groups = TargetGroup.__table__
    conn.execute(groups.delete().where(groups.c.code.not_in([g[0] for g in TARGET_GROUPS])))
    conn.execute(
        groups.update().where(groups.c.code == bindparam("b_code")),
        [
            {"b_code": code, "name_zh": zh, "name_en": en, "sort_order": n, "is_retired": False}
            for n, (code, zh, en) in enumerate(TARGET_GROUPS, start=1)
        ],
    )


_RESET_SQL: dict[tuple[str, ...], str] = {}


def _postgres_reset_sql(conn, names: tuple[str, ...]) -> str:
    """DELETE FROM every table (children first) and set each sequence back to 1."""
    if names not in _RESET_SQL:
        sequences = conn.execute(
            text("SELECT c.relname FROM pg_class c WHERE c.relkind = 'S' ORDER BY c.relname")
        ).scalars()
        statements = [f'DELETE FROM "{name}"' for name in reversed(names)]
        # The reference tables keep their rows, so their ids go on after the highest one.
        kept = {t.name for t in db.metadata.sorted_tables if t.info.get("reference")}
        for seq in sequences:
            table = seq.removesuffix("_id_seq")
            if table in kept:
                after = f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}")'
                statements.append(f"SELECT setval('\"{seq}\"', {after}, false)")
            else:
                statements.append(f"SELECT setval('\"{seq}\"', 1, false)")
        _RESET_SQL[names] = "; ".join(statements)
    return _RESET_SQL[names]


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> Flask:
    """One application for the whole run: building an app, its URL map, its templates and its
    compiled SQL anew for each test cost more than most tests do."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})


@pytest.fixture
def app(shared_app: Flask) -> Iterator[Flask]:
    """The application on the migrated test database, as new: after the test its rows are
    removed, its configuration is put back, the caches it filled are dropped and its rate-limit
    counters are reset."""
    config = dict(shared_app.config)
    extensions = set(shared_app.extensions)
    yield shared_app
    with shared_app.app_context():
        db.session.remove()
        clean_database()
        limiter.reset()
    shared_app.config.clear()
    shared_app.config.update(config)
    for name in set(shared_app.extensions) - extensions:
        del shared_app.extensions[name]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """A CLI runner for ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def world(app: Flask) -> World:
    """Two districts (A and B) with a branch, a head, staff, a partner and an event each."""
    with app.app_context():
        return build_world(PASSWORD)


@pytest.fixture
def cw(app: Flask, world: World) -> CoverageWorld:
    """The coverage data set: the world with more areas, branches, partners and a year and a
    half of events and attendee rows (``tests.coverage_data``)."""
    with app.app_context():
        return build_coverage_world(world, PASSWORD)


@pytest.fixture
def uploads(app: Flask, tmp_path) -> Path:
    """A temporary upload folder for ``app`` instead of the instance folder; the folder the
    event photos go to in it."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / "event-photos"


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD, **extra):
        """Post the login form (see ``tests.helpers.login``)."""
        return login(self._client, username, password, **extra)

    def logout(self):
        """Post the logout form."""
        return logout(self._client)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Login helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    """``app`` with CSRF protection on, as in production (the reset after the test turns it
    off again); ``client``, ``auth`` and ``world`` of the same test see it on too."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    """``client`` with the interface switched to English, for assertions on message text."""
    client.set_cookie("outreach_lang", "en")
    return client
