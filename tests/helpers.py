"""Helpers the test files share: logging in through the real form, the CSRF token of a page,
reading the personal tokens from their pages, the forms and uploads several areas post, counts
and snapshots of stored rows to show that a refused request changed nothing, the audit entries
about an object, and the SQL a block of code runs."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Row, Table, func, select
from sqlalchemy import event as sa_event

from outreach_app.audit.models import AuditLog
from outreach_app.extensions import db
from outreach_app.handouts.content import quiz_for
from outreach_app.reference.models import TargetGroup

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "violet kettle harbour spins"
SESSION_COOKIE = "outreach_session"


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def _csrf_enabled(client: FlaskClient) -> bool:
    return client.application.config.get("WTF_CSRF_ENABLED", True)


def login(client: FlaskClient, username: str, password: str = PASSWORD, **extra: Any):
    """Post the login form as a browser would: with CSRF protection on, with the token of the
    login page unless ``csrf_token`` is given (``csrf_token=None`` posts none)."""
    data = {"username": username, "password": password, **extra}
    if "csrf_token" not in data and _csrf_enabled(client):
        data["csrf_token"] = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={k: v for k, v in data.items() if v is not None})


def is_logged_in(client: FlaskClient) -> bool:
    """The home page answers (200) instead of sending the client to the login page."""
    response = client.get("/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def logout(client: FlaskClient):
    """Post the logout form (with the home page's CSRF token when protection is on)."""
    data = {}
    if _csrf_enabled(client):
        data["csrf_token"] = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post("/logout", data=data)


def feed_path(client: FlaskClient) -> str | None:
    """The path of the user's calendar feed as its page shows it, or None while it is off."""
    html = client.get("/events/feed").get_data(as_text=True)
    match = re.search(r'value="([^"]+)" readonly', html)
    if match is None:
        return None
    url = match.group(1).replace("&amp;", "&")
    assert url.startswith("https://outreach.example.cn/events/feed/")
    return url.removeprefix("https://outreach.example.cn")


def api_token_from_page(client: FlaskClient) -> str:
    """Renew the user's reporting token on its page and read the new token from there."""
    client.post("/coverage/api-token", data={"action": "renew"})
    page = client.get("/coverage/api-token").get_data(as_text=True)
    start = page.index('id="api-token" value="') + len('id="api-token" value="')
    return page[start : page.index('"', start)]


def api_request(client: FlaskClient, region_id: int, token: str | None, **args):
    """GET the coverage API for a region with ``token`` as the bearer token (none when None)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(f"/api/coverage/{region_id}", headers=headers, query_string=args)


def quiz_answers(right: bool = True) -> dict[str, str]:
    """The attendee quiz form of the pension-scams handout (English), every answer right, or
    every answer wrong when ``right`` is false."""
    questions = quiz_for("fraud_pension", "en")
    assert len(questions) == 3
    return {
        f"q-{q.code}": str(q.answer_index if right else (q.answer_index + 1) % len(q.choices))
        for q in questions
    }


def group_ids(app: Flask) -> dict[str, int]:
    """The target groups' ids by code."""
    with app.app_context():
        return dict(db.session.execute(select(TargetGroup.code, TargetGroup.id)).all())


def report_form(
    app: Flask, summary: str = "讲解了电信诈骗的常见手法。", **fields
) -> dict[str, str]:
    """Report form data: ``seniors=30`` sets a head count, other keys set fields as they are."""
    ids = group_ids(app)
    data = {f"attendance_{gid}": "" for gid in ids.values()}
    data.update(report_summary=summary, issues_raised="")
    if not any(code in fields for code in ids):
        fields.setdefault("seniors", "30")
    for key, value in fields.items():
        data[f"attendance_{ids[key]}" if key in ids else key] = str(value)
    return data


def upload_photo(
    client: FlaskClient, event_id: int, content: bytes, filename="photo.jpg", caption="", **kw
):
    """Post ``content`` to an event's photo upload form (as a JPEG unless ``content_type``)."""
    data = {"photo": (io.BytesIO(content), filename, kw.pop("content_type", "image/jpeg"))}
    data["caption"] = caption
    response = client.post(
        f"/events/{event_id}/photos", data=data, content_type="multipart/form-data", **kw
    )
    # Werkzeug's client leaves a large body's temporary file open unless it follows redirects.
    response.request.input_stream.close()
    return response


def paper_form(app: Flask, **fields) -> dict[str, str]:
    """Paper counts form data: ``seniors=30`` sets a count, other keys set fields as they are."""
    ids = group_ids(app)
    data = {f"paper_{gid}": "" for gid in ids.values()}
    for key, value in fields.items():
        data[f"paper_{ids[key]}" if key in ids else key] = str(value)
    return data


def upload_sheet(client: FlaskClient, event_id: int, content: bytes, filename="sheet.jpg", **kw):
    """Post ``content`` to an event's sign-in sheet upload (as a JPEG unless ``content_type``)."""
    data = {"sheet": (io.BytesIO(content), filename, kw.pop("content_type", "image/jpeg"))}
    response = client.post(
        f"/events/{event_id}/sign-in/sheets", data=data, content_type="multipart/form-data", **kw
    )
    response.request.input_stream.close()
    return response


def stored_files(folder: Path) -> list[str]:
    """The names of the files in an upload folder, sorted (none while it does not exist)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _table(source: type | Table) -> Table:
    return getattr(source, "__table__", source)


def count(app: Flask, model: type, **where: Any) -> int:
    """How many rows of ``model`` are stored, only those whose columns equal ``where`` when
    given (``count(app, CheckIn, serial=1)``); inside an app context it counts in that
    context's session, outside it in a new one."""
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    if has_app_context():
        return db.session.scalar(stmt)
    with app.app_context():
        return db.session.scalar(stmt)


def snapshot(app: Flask, *tables: type | Table) -> dict[str, list[tuple]]:
    """Every row of each table (a model or a ``Table``), all its columns, in primary-key order:
    the same snapshot before and after a request shows that it changed nothing there."""
    with app.app_context():
        rows = {}
        for source in tables:
            table = _table(source)
            order = list(table.primary_key.columns) or list(table.columns)
            result = db.session.execute(select(table).order_by(*order))
            rows[table.name] = [tuple(row) for row in result]
        return rows


def stored(app: Flask, model: type, row_id: int) -> Row:
    """One row as stored now, every column readable by name (``stored(...).title``)."""
    table = _table(model)
    with app.app_context():
        return db.session.execute(select(table).where(table.c.id == row_id)).one()


def audit_entries(app: Flask, object_type: str, object_id: int) -> list[tuple[str, dict]]:
    """The audit entries about one object (``"event"``, 7), oldest first, as (action, detail)."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditLog.action, AuditLog.detail)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
            .order_by(AuditLog.id)
        ).all()
        return [(action, json.loads(detail)) for action, detail in rows]


def audit_actions(app: Flask, object_type: str, object_id: int) -> list[str]:
    """The actions of the audit entries about one object, oldest first."""
    return [action for action, _ in audit_entries(app, object_type, object_id)]


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the ``with`` block, in order, to show
    how many queries a page or a service takes; works inside an app context and outside."""
    if has_app_context():
        engine = db.engine
    else:
        with app.app_context():
            engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
