"""The read-only reporting token and the token-authenticated coverage JSON."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeSerializer

from outreach_app.auth.models import User
from outreach_app.extensions import db
from outreach_app.schedule.feed import feed_token, renew_feed
from tests.conftest import PASSWORD, csrf_token_from
from tests.coverage_data import (
    build_coverage_world,
    expected_report,
    local_today,
    slim_json,
    twelve_months,
)


@pytest.fixture
def cw(app, world):
    """The coverage data set."""
    with app.app_context():
        return build_coverage_world(world, PASSWORD)


def _token(client) -> str:
    client.post("/coverage/api-token", data={"action": "renew"})
    page = client.get("/coverage/api-token").get_data(as_text=True)
    start = page.index('id="api-token" value="') + len('id="api-token" value="')
    return page[start : page.index('"', start)]


def _api(client, region_id: int, token: str | None, **args):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(f"/api/coverage/{region_id}", headers=headers, query_string=args)


def test_token_reads_the_same_figures_as_the_session(app, client, auth, cw):
    auth.login("head_a")
    token = _token(client)
    session_json = client.get(f"/coverage/{cw.district_a_id}.json").get_json()
    auth.logout()
    anonymous = app.test_client()
    response = _api(anonymous, cw.district_a_id, token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == session_json
    first, last = twelve_months(local_today())
    with app.app_context():
        expected = expected_report(cw.head_a_id, cw.district_a_id, first, last, local_today())
    assert slim_json(response.get_json())["total"] == expected["total"]
    assert "Set-Cookie" not in response.headers


def test_token_is_scoped_like_its_user(app, client, auth, cw):
    auth.login("head_a")
    token = _token(client)
    anonymous = app.test_client()
    for region_id in (cw.district_b_id, cw.city_id, cw.community_b_id, 999999):
        response = _api(anonymous, region_id, token)
        assert response.status_code == 404
        assert response.is_json and "error" in response.get_json()
    bad = _api(anonymous, cw.district_a_id, token, period="custom", **{"from": "2026-99"})
    assert bad.status_code == 400 and bad.get_json()["fields"]


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


def test_forged_revoked_and_foreign_tokens_fail(app, client, auth, cw):
    auth.login("admin")
    token = _token(client)
    anonymous = app.test_client()
    assert _api(anonymous, cw.city_id, token).status_code == 200
    # Change a character inside the signature: the last one partly carries pad bits.
    at = len(token) - 10
    flipped = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
    assert _api(anonymous, cw.city_id, flipped).status_code == 401
    with app.app_context():
        admin = db.session.get(User, cw.admin_id)
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
        assert _api(anonymous, cw.city_id, forged).status_code == 401
    # A new token replaces the old one; revoking stops it.
    new = _token(client)
    assert new != token
    assert _api(anonymous, cw.city_id, token).status_code == 401
    assert _api(anonymous, cw.city_id, new).status_code == 200
    client.post("/coverage/api-token", data={"action": "revoke"})
    assert _api(anonymous, cw.city_id, new).status_code == 401
    assert "api-token-off" in client.get("/coverage/api-token").get_data(as_text=True)


def test_deactivated_users_token_fails(app, client, auth, cw):
    auth.login("head_a")
    token = _token(client)
    with app.app_context():
        user = db.session.get(User, cw.head_a_id)
        user.is_active = False
        db.session.commit()
    assert _api(app.test_client(), cw.district_a_id, token).status_code == 401


def test_token_page_needs_csrf_and_post(app, csrf_app, client, auth, cw):
    auth.login("head_a")
    assert client.post("/coverage/api-token", data={"action": "renew"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, cw.head_a_id).api_token_version == 0
    page = client.get("/coverage/api-token").get_data(as_text=True)
    response = client.post(
        "/coverage/api-token", data={"action": "renew", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, cw.head_a_id).api_token_version > 0
    # Looking at the page never changes the token.
    client.get("/coverage/api-token")  # shows (and so clears) the flashed message
    before = client.get("/coverage/api-token").get_data(as_text=True)
    assert client.get("/coverage/api-token").get_data(as_text=True) == before
    assert 'data-testid="api-token"' in before


def test_api_refuses_other_methods(app, world):
    response = app.test_client().post(f"/api/coverage/{world.city_id}")
    assert response.status_code == 405
