"""Personal tokens, the calendar feed address and the reporting API's bearer token: issued,
renewed and turned off on their pages by POST only, and every forged, foreign or revoked token
answered like an unknown one. They end with the sessions: a password change (own or by an
administrator), a deactivation and a role or scope change leave the old feed URL and bearer
token answering exactly like an unknown token, also after the account is reactivated; logging
out keeps them. Real requests, real database."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.coverage.api import api_token, renew_api_token
from outreach_app.extensions import db
from outreach_app.regions.models import Branch
from outreach_app.schedule.feed import feed_token, renew_feed
from tests.factories import World
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    SESSION_COOKIE,
    api_request,
    api_token_from_page,
    csrf_token_from,
    feed_path,
    login,
)


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
                AuditLog.action == "sessions.revoke",
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


# --- the calendar feed address ----------------------------------------------------------------


def test_feed_is_off_until_created(client, auth, english, world):
    auth.login("staff_a")
    html = client.get("/events/feed").get_data(as_text=True)
    assert "Your calendar feed is off." in html
    assert feed_path(client) is None


def test_feed_page_shows_a_copyable_address(client, auth, english, world):
    auth.login("staff_a")
    response = client.post("/events/feed/renew", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your calendar address is ready." in html
    assert re.search(r'<input[^>]+id="feed-url"[^>]+readonly', html)
    assert 'href="webcal://outreach.example.cn/events/feed/' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_renewing_the_feed_kills_the_old_address(app, client, auth, world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    old = feed_path(client)
    response = client.post("/events/feed/renew")
    assert response.status_code == 302
    new = feed_path(client)
    assert new != old
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    with app.app_context():
        actions = list(
            db.session.execute(
                select(AuditLog.action)
                .where(AuditLog.object_type == "user", AuditLog.object_id == world.staff_a_id)
                .where(AuditLog.action.like("calendar_feed%"))
                .order_by(AuditLog.id)
            ).scalars()
        )
    assert actions == ["calendar_feed.create", "calendar_feed.renew"]


def test_turning_the_feed_off(app, client, auth, english, world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    path = feed_path(client)
    response = client.post("/events/feed/off", follow_redirects=True)
    assert "Your calendar feed is off. Its address no longer works." in response.get_data(
        as_text=True
    )
    assert feed_path(client) is None
    assert app.test_client().get(path).status_code == 404
    again = client.post("/events/feed/off", follow_redirects=True).get_data(as_text=True)
    assert "Your calendar feed is off already." in again
    with app.app_context():
        user = db.session.get(User, world.staff_a_id)
        assert user.calendar_feed_version == 0
        revoked = db.session.execute(
            select(AuditLog).where(AuditLog.action == "calendar_feed.revoke")
        ).scalar_one()
        assert revoked.user_id == world.staff_a_id
    # Turned on again, the feed gets an address never used before.
    client.post("/events/feed/renew")
    assert feed_path(client) not in (None, path)


def test_feed_changes_only_by_post(client, auth, world):
    auth.login("staff_a")
    assert client.get("/events/feed/renew").status_code == 405
    assert client.get("/events/feed/off").status_code == 405
    assert feed_path(client) is None


def test_inactive_users_feed_is_gone(app, client, auth, world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    path = feed_path(client)
    with app.app_context():
        db.session.get(User, world.staff_a_id).is_active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def bad_tokens(app, good: str, world) -> list[str]:
    from itsdangerous import URLSafeSerializer

    # A character in the middle of the signature: the last one may carry unused bits only.
    middle = len(good) - 10
    flipped = good[:middle] + ("A" if good[middle] != "A" else "B") + good[middle + 1 :]
    other_salt = URLSafeSerializer(app.secret_key, salt="something-else").dumps(
        [world.staff_a_id, 1]
    )
    other_key = URLSafeSerializer("not-the-key", salt="calendar-feed").dumps([world.staff_a_id, 1])
    as_another = URLSafeSerializer(app.secret_key, salt="calendar-feed").dumps(
        [world.staff_b_id, 1]
    )
    weird = [
        URLSafeSerializer(app.secret_key, salt="calendar-feed").dumps(payload)
        for payload in ([world.staff_a_id], [True, 1], [world.staff_a_id, 0], {"id": 1}, "x")
    ]
    return [flipped, other_salt, other_key, as_another, "x" * 10_000, "", "..", *weird]


def test_bad_tokens_get_the_same_404(app, client, auth, english, world):
    auth.login("staff_a")
    client.post("/events/feed/renew")
    good = feed_path(client).removeprefix("/events/feed/").removesuffix(".ics")
    anonymous = app.test_client()
    anonymous.set_cookie("outreach_lang", "en")
    answers = set()
    for token in bad_tokens(app, good, world):
        response = anonymous.get(f"/events/feed/{token}.ics")
        assert response.status_code == 404, token[:40]
        html = response.get_data(as_text=True)
        assert "We could not find that page." in html
        answers.add(re.search(r"<h1.*?</h1>\s*<p.*?</p>", html, re.S).group(0))
    assert len(answers) == 1
    assert anonymous.get(f"/events/feed/{good}.ics").status_code == 200


def test_feed_is_rate_limited(app, client, auth, world):
    app.config["CALENDAR_FEED_LIMIT"] = "3 per minute"
    anonymous = app.test_client()
    statuses = [anonymous.get("/events/feed/nothing.ics").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


# --- the reporting API's bearer token ---------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer " + "A" * 10_000,
        "Bearer ' OR 1=1--",
    ],
)
def test_no_valid_token_is_401_json(app, world, header):
    anonymous = app.test_client()
    headers = {"Authorization": header} if header is not None else {}
    response = anonymous.get(f"/api/coverage/{world.city_id}", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Location" not in response.headers


def test_forged_revoked_and_foreign_tokens_fail(app, client, auth, world):
    auth.login("admin")
    token = api_token_from_page(client)
    anonymous = app.test_client()
    assert api_request(anonymous, world.city_id, token).status_code == 200
    # Change a character inside the signature: the last one partly carries pad bits.
    at = len(token) - 10
    flipped = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
    assert api_request(anonymous, world.city_id, flipped).status_code == 401
    with app.app_context():
        admin = db.session.get(User, world.admin_id)
        # Another salt (the calendar feed's) with the same payload shape is no API token.
        renew_feed(admin)
        db.session.commit()
        calendar = feed_token(admin, app.secret_key)
        other_salt = URLSafeSerializer(app.secret_key, salt="calendar-feed").dumps(
            [admin.id, admin.api_token_version]
        )
        other_key = URLSafeSerializer("another-secret", salt="coverage-reporting-api").dumps(
            [admin.id, admin.api_token_version]
        )
    for forged in (calendar, other_salt, other_key):
        assert api_request(anonymous, world.city_id, forged).status_code == 401
    # A new token replaces the old one; revoking stops it.
    new = api_token_from_page(client)
    assert new != token
    assert api_request(anonymous, world.city_id, token).status_code == 401
    assert api_request(anonymous, world.city_id, new).status_code == 200
    client.post("/coverage/api-token", data={"action": "revoke"})
    assert api_request(anonymous, world.city_id, new).status_code == 401
    assert "api-token-off" in client.get("/coverage/api-token").get_data(as_text=True)


def test_deactivated_users_token_fails(app, client, auth, world):
    auth.login("head_a")
    token = api_token_from_page(client)
    with app.app_context():
        user = db.session.get(User, world.head_a_id)
        user.is_active = False
        db.session.commit()
    assert api_request(app.test_client(), world.district_a_id, token).status_code == 401


def test_token_page_needs_csrf_and_post(app, csrf_app, client, auth, world):
    auth.login("head_a")
    assert client.post("/coverage/api-token", data={"action": "renew"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, world.head_a_id).api_token_version == 0
    page = client.get("/coverage/api-token").get_data(as_text=True)
    response = client.post(
        "/coverage/api-token", data={"action": "renew", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, world.head_a_id).api_token_version > 0
    # Looking at the page never changes the token.
    client.get("/coverage/api-token")  # shows (and so clears) the flashed message
    before = client.get("/coverage/api-token").get_data(as_text=True)
    assert client.get("/coverage/api-token").get_data(as_text=True) == before
    assert 'data-testid="api-token"' in before
