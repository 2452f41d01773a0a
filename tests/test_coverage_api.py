"""The read-only reporting token and the token-authenticated coverage JSON."""

from __future__ import annotations

from tests.coverage_data import (
    expected_report,
    local_today,
    slim_json,
    twelve_months,
)
from tests.helpers import api_request, api_token_from_page


def test_token_reads_the_same_figures_as_the_session(app, client, auth, cw):
    auth.login("head_a")
    token = api_token_from_page(client)
    session_json = client.get(f"/coverage/{cw.district_a_id}.json").get_json()
    auth.logout()
    anonymous = app.test_client()
    response = api_request(anonymous, cw.district_a_id, token)
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
    token = api_token_from_page(client)
    anonymous = app.test_client()
    for region_id in (cw.district_b_id, cw.city_id, cw.community_b_id, 999999):
        response = api_request(anonymous, region_id, token)
        assert response.status_code == 404
        assert response.is_json and "error" in response.get_json()
    bad = api_request(anonymous, cw.district_a_id, token, period="custom", **{"from": "2026-99"})
    assert bad.status_code == 400 and bad.get_json()["fields"]


def test_api_refuses_other_methods(app, world):
    response = app.test_client().post(f"/api/coverage/{world.city_id}")
    assert response.status_code == 405
