"""The access matrix: every route × every role × an object in and out of the user's scope.

Routes are read from the app's URL map, so a new route is covered (or this test asks for the
name of its id argument) without anyone remembering to add it.
"""

from __future__ import annotations

from dataclasses import asdict
from types import SimpleNamespace

import pytest

from outreach_app import create_app
from outreach_app.events.models import Event
from outreach_app.extensions import db
from tests.factories import make_photo, make_print_run

PUBLIC_ENDPOINTS = {
    "static",
    "core.healthz",
    "core.set_language",
    "auth.login",
    "auth.logout",
    "schedule.calendar_feed_ics",
    "attendee.copy_page",
    "attendee.lookup",
    "attendee.check_in_copy",
    "attendee.feedback",
    "attendee.quiz",
    "attendee.submit_answers",
    "attendee.help_now",
    "coverage_api.api_report",
}

# Which world object an id argument names: (in scope of staff_a and head_a, out of their scope).
ARG_IDS = {
    "branch_id": ("branch_a_id", "branch_b_id"),
    "region_id": ("community_a_id", "community_b_id"),
    "user_id": ("staff_a_id", "staff_b_id"),
    "partner_id": ("partner_a_id", "partner_b_id"),
    "event_id": ("event_a_id", "event_b_id"),
    "photo_id": ("photo_a_id", "photo_b_id"),
    "run_id": ("run_a_id", "run_b_id"),
    "handout_id": ("handout_a_id", "handout_b_id"),
}


@pytest.fixture
def world(app, world, tmp_path):
    """The default world plus a stored photo and a print run of each event."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        photos = [
            make_photo(db.session.get(Event, event_id), app.config["UPLOAD_FOLDER"])
            for event_id in (world.event_a_id, world.event_b_id)
        ]
        runs = [
            make_print_run(db.session.get(Event, world.event_a_id)),
            make_print_run(
                db.session.get(Event, world.event_b_id), code="click-farming", language="en"
            ),
        ]
        handouts = [run.version.handout_id for run in runs]
        db.session.commit()
        return SimpleNamespace(
            **asdict(world),
            photo_a_id=photos[0].id,
            photo_b_id=photos[1].id,
            run_a_id=runs[0].id,
            run_b_id=runs[1].id,
            handout_a_id=handouts[0],
            handout_b_id=handouts[1],
        )


def _rules():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append(
                pytest.param(rule.rule, method, sorted(rule.arguments), id=f"{method} {rule.rule}")
            )
    return rules


RULES = _rules()


def _url(rule: str, arguments: list[str], world, which: int) -> str:
    url = rule
    for name in arguments:
        assert name in ARG_IDS, f"add the id argument {name!r} of {rule} to ARG_IDS"
        value = getattr(world, ARG_IDS[name][which])
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return url


@pytest.mark.parametrize("rule, method, arguments", RULES)
def test_anonymous_is_sent_to_login(client, world, rule, method, arguments):
    response = client.open(_url(rule, arguments, world, 0), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ["staff_a", "head_a"])
@pytest.mark.parametrize(
    "rule, method, arguments", [r for r in RULES if r.values[0].startswith("/admin/")]
)
def test_admin_pages_are_forbidden_to_others(
    client, auth, world, username, rule, method, arguments
):
    auth.login(username)
    for which in (0, 1):
        response = client.open(_url(rule, arguments, world, which), method=method)
        assert response.status_code == 403, (username, which)


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a"])
@pytest.mark.parametrize("rule, method, arguments", [r for r in RULES if r.values[1] == "GET"])
def test_every_page_opens_for_those_allowed(client, auth, world, username, rule, method, arguments):
    auth.login(username)
    response = client.get(_url(rule, arguments, world, 0))
    if rule.startswith("/admin/") and username != "admin":
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize("username", ["head_a", "staff_a"])
@pytest.mark.parametrize(
    "rule, method, arguments",
    [r for r in RULES if r.values[2] and not r.values[0].startswith("/admin/")],
)
def test_objects_out_of_scope_are_404(client, auth, world, username, rule, method, arguments):
    auth.login(username)
    response = client.open(_url(rule, arguments, world, 1), method=method, data={"name": "x"})
    assert response.status_code == 404
