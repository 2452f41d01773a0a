"""Personal tokens (the calendar feed address and the reporting API's bearer token) end with
the sessions: a password change (own or by an administrator), a deactivation and a role or scope
change leave the old feed URL and bearer token answering exactly like an unknown token, also
after the account is reactivated; logging out keeps them. Real requests, real database."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.coverage.api import api_token, renew_api_token
from outreach_app.extensions import db
from outreach_app.regions.models import Branch
from outreach_app.schedule.feed import feed_token, renew_feed
from tests.factories import World
from tests.helpers import PASSWORD, login

SESSION_COOKIE = "outreach_session"
NEW_PASSWORD = "violet kettle harbour spins"


@dataclass(frozen=True)
class Tokens:
    """One user's feed and API tokens as issued."""

    feed: str
    api: str


def issue_tokens(app: Flask, user_id: int) -> Tokens:
    """Give the user a calendar feed and a reporting token, as their own pages do."""
    with app.app_context():
        user = db.session.get(User, user_id)
        renew_feed(user)
        renew_api_token(user)
        db.session.commit()
        return Tokens(feed_token(user, app.secret_key), api_token(user, app.secret_key))


def feed_answer(app: Flask, token: str) -> tuple[int, str]:
    """What a calendar app fetching the feed address gets (the page's own CSRF token and its
    echo of the address left out)."""
    response = app.test_client().get(f"/events/feed/{token}.ics")
    page = response.get_data(as_text=True).replace(token, "TOKEN")
    return response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def api_answer(app: Flask, token: str, region_id: int) -> tuple[int, str, str | None]:
    """What a reporting tool presenting the bearer token gets."""
    response = app.test_client().get(
        f"/api/coverage/{region_id}", headers={"Authorization": f"Bearer {token}"}
    )
    return (
        response.status_code,
        response.get_data(as_text=True),
        response.headers.get("WWW-Authenticate"),
    )


def session_works(app: Flask, cookie: str) -> bool:
    """A fresh browser holding only this session cookie reaches the home page."""
    other = app.test_client()
    other.set_cookie(SESSION_COOKIE, cookie)
    return other.get("/").status_code == 200


def unknown() -> str:
    """A token nobody was ever given."""
    return secrets.token_urlsafe(24)


def change_own_password(app: Flask, staff: FlaskClient, admin: FlaskClient, world: World) -> None:
    response = staff.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302


def reset_password(app: Flask, staff: FlaskClient, admin: FlaskClient, world: World) -> None:
    response = admin.post(
        f"/admin/users/{world.staff_a_id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302


def deactivate(app: Flask, staff: FlaskClient, admin: FlaskClient, world: World) -> None:
    assert admin.post(f"/admin/users/{world.staff_a_id}/deactivate").status_code == 302


def _edit(admin: FlaskClient, world: World, **fields: str) -> None:
    data = {"display_name": "张宣教", "role": "staff", "region": "", "branch": ""}
    data.update(fields)
    response = admin.post(f"/admin/users/{world.staff_a_id}/edit", data=data)
    assert response.status_code == 302


def change_role(app: Flask, staff: FlaskClient, admin: FlaskClient, world: World) -> None:
    _edit(admin, world, role="head", region=str(world.district_a_id))


def change_scope(app: Flask, staff: FlaskClient, admin: FlaskClient, world: World) -> None:
    _edit(admin, world, branch=str(world.branch_b_id))


EVENTS = {
    "own password change": (change_own_password, "password_changed"),
    "password reset by an administrator": (reset_password, "password_changed"),
    "deactivation": (deactivate, "deactivated"),
    "role change": (change_role, "role_or_scope_changed"),
    "scope change": (change_scope, "role_or_scope_changed"),
}


def revocations(app: Flask, user_id: int) -> list[dict]:
    """The details of the audit entries that ended the user's sessions, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditLog.detail)
            .where(
                AuditLog.action == "sessions_revoked",
                AuditLog.object_type == "user",
                AuditLog.object_id == user_id,
            )
            .order_by(AuditLog.id)
        ).scalars()
        return [json.loads(detail) for detail in rows]


@pytest.mark.parametrize("name", list(EVENTS))
def test_event_ends_feed_api_token_and_sessions(app, client, world, name):
    end_by, reason = EVENTS[name]
    assert login(client, "staff_a").status_code == 302
    old_session = client.get_cookie(SESSION_COOKIE).value
    tokens = issue_tokens(app, world.staff_a_id)
    region = world.community_a_id
    assert feed_answer(app, tokens.feed)[0] == 200
    assert api_answer(app, tokens.api, region)[0] == 200
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302

    end_by(app, client, admin, world)

    assert feed_answer(app, tokens.feed) == feed_answer(app, unknown())
    assert api_answer(app, tokens.api, region) == api_answer(app, unknown(), region)
    assert not session_works(app, old_session)
    assert revocations(app, world.staff_a_id)[-1] == {
        "reason": reason,
        "tokens": ["calendar_feed", "api_token"],
    }
    with app.app_context():
        user = db.session.get(User, world.staff_a_id)
        assert (user.calendar_feed_version, user.api_token_version) == (0, 0)

    if name == "deactivation":
        assert admin.post(f"/admin/users/{world.staff_a_id}/reactivate").status_code == 302
        assert feed_answer(app, tokens.feed) == feed_answer(app, unknown())
        assert api_answer(app, tokens.api, region) == api_answer(app, unknown(), region)
        assert not session_works(app, old_session)
        # The reactivated user can log in and ask for new tokens, which are new addresses.
        again = app.test_client()
        assert login(again, "staff_a").status_code == 302
        fresh = issue_tokens(app, world.staff_a_id)
        assert fresh.feed != tokens.feed and fresh.api != tokens.api
        assert feed_answer(app, fresh.feed)[0] == 200
        assert api_answer(app, fresh.api, region)[0] == 200


def test_deactivated_users_tokens_fail_before_any_version_changes(app, world):
    """A user switched off directly in the database (not through the service) is refused too."""
    tokens = issue_tokens(app, world.staff_a_id)
    with app.app_context():
        db.session.get(User, world.staff_a_id).is_active = False
        db.session.commit()
    assert feed_answer(app, tokens.feed) == feed_answer(app, unknown())
    region = world.community_a_id
    assert api_answer(app, tokens.api, region) == api_answer(app, unknown(), region)


def test_renaming_keeps_tokens(app, client, world):
    tokens = issue_tokens(app, world.staff_a_id)
    admin = app.test_client()
    login(admin, "admin")
    _edit(admin, world, display_name="张宣教(新)", branch=str(world.branch_a_id))
    assert feed_answer(app, tokens.feed)[0] == 200
    assert api_answer(app, tokens.api, world.community_a_id)[0] == 200
    assert revocations(app, world.staff_a_id) == []


def test_logout_ends_sessions_but_keeps_tokens(app, client, world):
    login(client, "staff_a")
    old_session = client.get_cookie(SESSION_COOKIE).value
    tokens = issue_tokens(app, world.staff_a_id)
    assert client.post("/logout").status_code == 302
    assert not session_works(app, old_session)
    # The calendar app and the reporting tool go on working after a logout.
    assert feed_answer(app, tokens.feed)[0] == 200
    assert api_answer(app, tokens.api, world.community_a_id)[0] == 200
    assert revocations(app, world.staff_a_id) == [{"reason": "logout", "tokens": []}]


def test_user_without_tokens_has_none_to_end(app, client, world):
    admin = app.test_client()
    login(admin, "admin")
    deactivate(app, client, admin, world)
    assert revocations(app, world.staff_a_id) == [{"reason": "deactivated", "tokens": []}]
    with app.app_context():
        user = db.session.get(User, world.staff_a_id)
        assert (user.calendar_feed_version, user.api_token_version) == (0, 0)


def test_closed_branchs_staff_tokens_answer_like_unknown_until_it_reopens(app, world):
    tokens = issue_tokens(app, world.staff_a_id)
    region = world.community_a_id

    def set_branch_active(is_active: bool) -> None:
        with app.app_context():
            db.session.get(Branch, world.branch_a_id).is_active = is_active
            db.session.commit()

    set_branch_active(False)
    assert feed_answer(app, tokens.feed) == feed_answer(app, unknown())
    assert api_answer(app, tokens.api, region) == api_answer(app, unknown(), region)
    set_branch_active(True)
    assert feed_answer(app, tokens.feed)[0] == 200
    assert api_answer(app, tokens.api, region)[0] == 200


def test_own_password_change_says_the_tokens_ended(app, client, english, world):
    login(client, "staff_a")
    issue_tokens(app, world.staff_a_id)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Your password has been changed." in html
    assert "your personal tokens (calendar feed address, reporting token) no longer work" in html
    # Without tokens there is nothing to say about them.
    again = client.post(
        "/account/password",
        data={"current_password": NEW_PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Your password has been changed." in again and "personal tokens" not in again
