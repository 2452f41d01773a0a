"""Logging in and out, from the attack list: one answer for every failure, sessions that are
renewed at login and die at logout, deactivation and password change, safe ``next``, rate
limits, time-outs, CSRF and cookie flags. Real requests, real database, no mocks."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import decode_cookie, encode_cookie
from sqlalchemy import select

from outreach_app import create_app
from outreach_app.audit.models import AuditLog
from outreach_app.auth.models import User
from outreach_app.core.scope import scope_of, scoped_select
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.regions.models import Branch
from outreach_app.users.services import create_user, set_active
from tests.factories import World
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    SESSION_COOKIE,
    csrf_token_from,
    is_logged_in,
    login,
)

REMEMBER_COOKIE = "outreach_remember"
GENERIC_FAILURE = "The user name or password is wrong, or the account is disabled."


# --- helpers ----------------------------------------------------------------------------------


def cookie_value(client: FlaskClient, name: str) -> str | None:
    """The value of a cookie the client holds, or None."""
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def replay(app: Flask, name: str, value: str) -> FlaskClient:
    """A fresh client that holds nothing but one copied cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def set_cookie_headers(response, name: str) -> list[str]:
    """The Set-Cookie headers of ``response`` for cookie ``name``."""
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def login_form_next(html: str) -> str:
    """The value of the login form's hidden ``next`` field."""
    match = re.search(r'<input id="next" name="next" type="hidden" value="([^"]*)"', html)
    assert match, "no next field in the login form"
    return match.group(1)


def flash_text(html: str) -> str:
    """The text of the flash messages on a page."""
    match = re.search(r'<div class="flash-messages".*?</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(0)) if match else ""


def make_account(app: Flask, username: str, password: str, world: World) -> None:
    """A staff account created through the service, with the password policy checked."""
    with app.app_context():
        create_user(username, "staff", password, branch=db.session.get(Branch, world.branch_a_id))
        db.session.commit()


# --- logging in -------------------------------------------------------------------------------


def test_login_redirects_home_and_records_it(app, client, english, world):
    response = login(client, "staff_a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome, 张宣教." in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, world.staff_a_id)
        assert user.last_login_at is not None
        actions = db.session.execute(select(AuditLog.action)).scalars().all()
        assert "login.succeed" in actions


def test_login_name_ignores_case_and_spaces(client, world):
    assert login(client, "  STAFF_A ").status_code == 302


def test_wrong_password_unknown_user_and_disabled_user_get_the_same_answer(
    app, client, english, world
):
    with app.app_context():
        set_active(db.session.get(User, world.staff_b_id), False)
        db.session.commit()
    answers = []
    for username, password in [
        ("staff_a", "wrong password entirely"),
        ("no_such_user", "wrong password entirely"),
        ("staff_b", PASSWORD),  # right password, disabled account
    ]:
        fresh = app.test_client()
        fresh.set_cookie("outreach_lang", "en")
        response = login(fresh, username, password)
        html = response.get_data(as_text=True)
        assert GENERIC_FAILURE in html
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", html.replace(username, "NAME"))
        answers.append((response.status_code, flash_text(html), page))
        assert not is_logged_in(fresh)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    with app.app_context():
        failures = db.session.execute(
            select(AuditLog).where(AuditLog.action == "login.fail")
        ).scalars()
        assert [f.user_id for f in failures] == [None, None, None]


@pytest.mark.parametrize(
    ("username", "password"),
    [("", PASSWORD), ("staff_a", ""), ("", ""), ("   ", "   ")],
)
def test_empty_fields_get_a_message(client, english, world, username, password):
    response = login(client, username, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This field is required." in html
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "username",
    [
        "' OR 1=1--",
        "admin' --",
        "ａｄｍｉｎ",  # full-width letters
        "𠮷野家",
        "admin\u202e",
        "x" * 65,
        "%",
        "_dmin",
    ],
)
def test_odd_user_names_get_the_generic_answer(client, english, world, username):
    response = login(client, username)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert GENERIC_FAILURE in html or "Field cannot be longer than 64 characters." in html
    assert not is_logged_in(client)


def test_one_megabyte_password_is_refused_without_error(client, english, world):
    response = login(client, "staff_a", "x" * (1024 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'data-status="413"' in html and "What you sent is too large." in html
    assert not is_logged_in(client)
    assert login(client, "staff_a").status_code == 302  # the account still works


def test_overlong_password_is_refused_before_hashing(client, english, world):
    response = login(client, "staff_a", "x" * 2000)
    assert response.status_code == 200
    assert "Field cannot be longer than 1024 characters." in response.get_data(as_text=True)
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "password",
    [
        "a slow river under seventy-two old stone bridges, counted twice at dawn",  # 72
        "the quiet lighthouse keeper paints blue herons on every seventh stair " * 3,  # 213
        "w" * 4 + "orange tractor, marble cello, paper comet & brass kettle! " * 4,  # 236
        "月光照在老城墙上风吹过青石板路",  # CJK
        "我的密码是：红灯笼挂在老槐树下🏮",  # CJK with punctuation and emoji
        "🐼🎋🍵🌕🏮🐉🧧🎆🥟🐟🌸🎐",  # emoji only
        "👩‍👩‍👧‍👦 family trip to 崂山 in spring",  # zero-width joiners
        "𠮷野家の牛丼はとても美味しい",  # a character outside the BMP
    ],
)
def test_long_cjk_and_emoji_passwords_work(app, client, world, password):
    make_account(app, "unicode.user", password, world)
    assert login(client, "unicode.user", password + "x").status_code == 200
    assert login(client, "unicode.user", password[:-1]).status_code == 200
    response = login(client, "unicode.user", password)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_own_password_change_to_cjk_password(app, client, english, world):
    login(client, "staff_a")
    new_password = "山海之间有一盏不灭的灯🏮"
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, "staff_a", PASSWORD).status_code == 200
    assert login(client, "staff_a", new_password).status_code == 302


def test_own_password_change_checks_current_password_and_policy(app, client, english, world):
    login(client, "staff_a")
    with app.app_context():
        before = db.session.get(User, world.staff_a_id).password_hash
    for data, message in [
        (
            {"current_password": "nope", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "The current password is wrong.",
        ),
        (
            {"current_password": PASSWORD, "new_password": "staff_a", "confirm": "staff_a"},
            "Use at least 12 characters.",
        ),
        (
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "other"},
            "The two passwords differ.",
        ),
    ]:
        response = client.post("/account/password", data=data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.staff_a_id).password_hash == before


# --- sessions ---------------------------------------------------------------------------------


def test_session_is_renewed_at_login(client, world):
    client.get("/")  # the "please log in" flash gives the visitor a session cookie
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = cookie_value(client, SESSION_COOKIE)
    assert before
    login(client, "staff_a")
    after = cookie_value(client, SESSION_COOKIE)
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_kills_the_old_session_cookie(app, client, world):
    login(client, "staff_a")
    old = cookie_value(client, SESSION_COOKIE)
    assert is_logged_in(replay(app, SESSION_COOKIE, old))
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, SESSION_COOKIE, old))


def test_logout_ends_sessions_on_other_devices(app, client, world):
    login(client, "staff_a")
    other_device = app.test_client()
    login(other_device, "staff_a")
    client.post("/logout")
    assert not is_logged_in(other_device)


def test_deactivation_kills_the_session_cookie(app, client, world):
    login(client, "staff_a")
    old = cookie_value(client, SESSION_COOKIE)
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post(f"/admin/users/{world.staff_a_id}/deactivate").status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, SESSION_COOKIE, old))
    # Reactivating does not bring old sessions back.
    admin.post(f"/admin/users/{world.staff_a_id}/reactivate")
    assert not is_logged_in(replay(app, SESSION_COOKIE, old))


def test_password_reset_by_admin_kills_the_session_cookie(app, client, world):
    login(client, "staff_a", remember="y")
    old = cookie_value(client, SESSION_COOKIE)
    old_remember = cookie_value(client, REMEMBER_COOKIE)
    admin = app.test_client()
    login(admin, "admin")
    response = admin.post(
        f"/admin/users/{world.staff_a_id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, SESSION_COOKIE, old))
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, old_remember))


def test_own_password_change_keeps_this_session_and_kills_the_others(app, client, world):
    login(client, "staff_a")
    old = cookie_value(client, SESSION_COOKIE)
    other_device = app.test_client()
    login(other_device, "staff_a", remember="y")
    other_remember = cookie_value(other_device, REMEMBER_COOKIE)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert cookie_value(client, SESSION_COOKIE) != old
    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    assert not is_logged_in(replay(app, SESSION_COOKIE, old))
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, other_remember))


def test_remember_cookie_only_when_chosen(client, world):
    response = login(client, "staff_a")
    assert not set_cookie_headers(response, REMEMBER_COOKIE)
    assert cookie_value(client, REMEMBER_COOKIE) is None
    client.post("/logout")
    response = login(client, "staff_a", remember="y")
    headers = set_cookie_headers(response, REMEMBER_COOKIE)
    assert len(headers) == 1
    assert "HttpOnly" in headers[0] and "SameSite=Lax" in headers[0]
    assert "Expires=" in headers[0]


def test_remember_cookie_logs_in_and_dies_at_logout(app, client, world):
    login(client, "staff_a", remember="y")
    remember = cookie_value(client, REMEMBER_COOKIE)
    assert remember
    # Alone, on a browser whose session cookie is gone, it logs the user in ...
    assert is_logged_in(replay(app, REMEMBER_COOKIE, remember))
    response = client.post("/logout")
    # ... and after logout it no longer does; the browser is told to delete it, too.
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, remember))
    deleted = set_cookie_headers(response, REMEMBER_COOKIE)
    assert deleted and all("Max-Age=0" in h or "1970" in h for h in deleted)
    assert cookie_value(client, REMEMBER_COOKIE) is None
    assert not is_logged_in(client)


def with_issue_time(app: Flask, cookie: str, issued_at: int) -> str:
    """The remember-me cookie ``cookie`` re-signed with another issue time, as if the login
    had happened then."""
    with app.test_request_context():
        user_id, version, _issued, nonce = decode_cookie(cookie).split(":")
        return encode_cookie(f"{user_id}:{version}:{issued_at}:{nonce}")


def test_remember_cookie_is_new_at_every_login(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, "staff_a", remember="y")
    login(second, "staff_a", remember="y")
    one, two = cookie_value(first, REMEMBER_COOKIE), cookie_value(second, REMEMBER_COOKIE)
    assert one and two and one != two
    # Both work on their own until their age runs out or the session version moves.
    assert is_logged_in(replay(app, REMEMBER_COOKIE, one))
    assert is_logged_in(replay(app, REMEMBER_COOKIE, two))
    second.post("/logout")
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, one))
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, two))


def test_remember_cookie_has_a_server_side_age(app, world):
    client = app.test_client()
    login(client, "staff_a", remember="y")
    cookie = cookie_value(client, REMEMBER_COOKIE)
    week = 7 * 24 * 3600
    now = int(time.time())
    assert is_logged_in(replay(app, REMEMBER_COOKIE, with_issue_time(app, cookie, now - week + 60)))
    assert not is_logged_in(
        replay(app, REMEMBER_COOKIE, with_issue_time(app, cookie, now - week - 60))
    )
    # An issue time in the future is as false as a forged one.
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, with_issue_time(app, cookie, now + 3600)))
    # The age follows the configuration.
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(hours=1)
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, with_issue_time(app, cookie, now - 7200)))


def test_cookie_without_issue_time_is_refused(app, world):
    with app.app_context():
        version = db.session.get(User, world.staff_a_id).session_version
    with app.test_request_context():
        # The form cookies had before they carried an issue time: id and session version.
        old_style = encode_cookie(f"{world.staff_a_id}:{version}")
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, old_style))


def test_session_identity_has_the_same_age_limit(app, client, world):
    login(client, "staff_a")
    with client.session_transaction() as session:
        user_id, version, _issued, nonce = session["_user_id"].split(":")
        session["_user_id"] = f"{user_id}:{version}:{int(time.time()) - 8 * 24 * 3600}:{nonce}"
    assert not is_logged_in(client)


def test_remembered_login_outlives_the_idle_timeout(app, client, world):
    login(client, "staff_a", remember="y")
    cookie = cookie_value(client, REMEMBER_COOKIE)
    with client.session_transaction() as session:
        session["_seen_at"] -= 3600
        identity = session["_user_id"]
    assert is_logged_in(client)  # back through the young remember-me cookie
    with client.session_transaction() as session:
        assert session["_user_id"] == identity  # the same login, with its own issue time
        assert session["_seen_at"] >= int(time.time()) - 60
    assert cookie_value(client, REMEMBER_COOKIE) == cookie
    # Past the absolute limit of one session, too.
    with client.session_transaction() as session:
        session["_login_at"] -= 13 * 3600
    assert is_logged_in(client)


def test_remembered_login_with_an_old_cookie_idles_out(app, client, english, world):
    login(client, "staff_a", remember="y")
    cookie = cookie_value(client, REMEMBER_COOKIE)
    client.set_cookie(
        REMEMBER_COOKIE, with_issue_time(app, cookie, int(time.time()) - 8 * 24 * 3600)
    )
    with client.session_transaction() as session:
        session["_seen_at"] -= 3600
    response = client.get("/partners/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has expired. Please log in again." in html
    assert not is_logged_in(client)


def test_idle_session_times_out(client, english, world):
    login(client, "staff_a")
    assert is_logged_in(client)
    with client.session_transaction() as session:
        session["_seen_at"] -= 3600
    response = client.get("/partners/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "next=/partners/" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has expired. Please log in again." in html
    assert not is_logged_in(client)


def test_idle_timeout_follows_the_configuration(app, client, world):
    app.config["IDLE_TIMEOUT"] = timedelta(seconds=60)
    login(client, "staff_a")
    with client.session_transaction() as session:
        session["_seen_at"] -= 30
    assert is_logged_in(client)  # activity moves the clock on
    with client.session_transaction() as session:
        session["_seen_at"] -= 61
    assert not is_logged_in(client)


def test_absolute_session_lifetime(client, world):
    login(client, "staff_a")
    with client.session_transaction() as session:
        session["_login_at"] -= 13 * 3600
    assert not is_logged_in(client)


def test_logout_is_post_only(client, world):
    login(client, "staff_a")
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert is_logged_in(client)


# --- deactivated branches ---------------------------------------------------------------------

BRANCH_CLOSED = (
    "Your branch 市南支行 has been deactivated, so you cannot log in until it is reactivated. "
    "Please ask an administrator."
)


def set_branch_active(app: Flask, branch_id: int, is_active: bool) -> None:
    """Open or close a branch, as the branch administration page does."""
    with app.app_context():
        db.session.get(Branch, branch_id).is_active = is_active
        db.session.commit()


def test_closing_a_branch_logs_its_staff_out_and_says_why(app, client, english, world):
    login(client, "staff_a", remember="y")
    old_session = cookie_value(client, SESSION_COOKIE)
    old_remember = cookie_value(client, REMEMBER_COOKIE)
    set_branch_active(app, world.branch_a_id, False)
    response = client.get("/partners/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert BRANCH_CLOSED in flash_text(client.get(response.headers["Location"]).get_data(True))
    assert cookie_value(client, REMEMBER_COOKIE) is None
    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, SESSION_COOKIE, old_session))
    assert not is_logged_in(replay(app, REMEMBER_COOKIE, old_remember))


def test_closed_branchs_staff_cannot_log_in_and_are_told_why(app, client, english, world):
    set_branch_active(app, world.branch_a_id, False)
    response = login(client, "staff_a")
    assert response.status_code == 200
    assert BRANCH_CLOSED in flash_text(response.get_data(as_text=True))
    assert not is_logged_in(client)
    # Without the right password nothing is revealed about the account.
    wrong = login(client, "staff_a", "wrong password entirely").get_data(as_text=True)
    assert GENERIC_FAILURE in wrong and "deactivated" not in flash_text(wrong)
    with app.app_context():
        refusal = db.session.execute(
            select(AuditLog).where(AuditLog.action == "login.refuse")
        ).scalar_one()
        assert refusal.object_id == world.staff_a_id
        assert json.loads(refusal.detail) == {"reason": "branch_deactivated"}
    # Other branches' staff, the branch's regional head and administrators are unaffected.
    for username in ("staff_b", "head_a", "admin"):
        other = app.test_client()
        assert login(other, username).status_code == 302
        assert is_logged_in(other)


def test_reopening_the_branch_restores_access(app, client, world):
    set_branch_active(app, world.branch_a_id, False)
    assert login(client, "staff_a").status_code == 200
    set_branch_active(app, world.branch_a_id, True)
    assert login(client, "staff_a").status_code == 302
    assert is_logged_in(client)
    assert client.get(f"/events/{world.event_a_id}").status_code == 200


def test_closed_branchs_staff_see_nothing(app, world):
    set_branch_active(app, world.branch_a_id, False)
    with app.app_context():
        staff = db.session.get(User, world.staff_a_id)
        assert not scope_of(staff).is_everything
        for model in (Event, Partner, Branch, User):
            assert db.session.execute(scoped_select(model, staff)).scalars().all() == []
        head = db.session.get(User, world.head_a_id)
        events = db.session.execute(scoped_select(Event, head)).scalars().all()
        assert [event.id for event in events] == [world.event_a_id]


# --- next= ------------------------------------------------------------------------------------


def test_next_goes_back_to_the_page_asked_for(client, world):
    response = client.get("/partners/")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    next_value = login_form_next(login_page)
    assert next_value == "/partners/"
    response = login(client, "staff_a", next=next_value)
    assert response.headers["Location"] == "/partners/"


def test_next_from_the_query_string_round_trip(client, world):
    html = client.get("/login?next=/partners/").get_data(as_text=True)
    next_value = login_form_next(html)
    assert login(client, "staff_a", next=next_value).headers["Location"] == "/partners/"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "https://evil.com",
        "http://evil.com/partners/",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " //evil.com",
        "/\t/evil.com",
        "/\r\nSet-Cookie: x=y",
        "evil.com",
        "///evil.com",
        "https:evil.com",
    ],
)
def test_next_never_leaves_the_site(client, world, target):
    html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert login_form_next(html) == ""
    # Posted directly, as an attacker's own form would.
    response = login(client, "staff_a", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- rate limits ------------------------------------------------------------------------------


def test_login_limit_per_user_name(app, client, english, world):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per minute"
    for _ in range(3):
        assert login(client, "staff_a", "wrong password entirely").status_code == 200
    response = login(client, "STAFF_A", PASSWORD)  # the right password does not help now
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'data-status="429"' in html
    assert "You have sent too many requests in a short time." in html
    assert not is_logged_in(client)
    # Other accounts from the same address are not locked out.
    assert login(client, "staff_b").status_code == 302


def test_login_limit_per_address_ignores_forwarded_for(app, client, english, world):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    for n in range(3):
        response = client.post(
            "/login",
            data={"username": f"guess{n}", "password": "wrong password entirely"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert response.status_code == 200
    for n in range(3, 6):
        response = client.post(
            "/login",
            data={"username": f"guess{n}", "password": PASSWORD},
            headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}"},
        )
        assert response.status_code == 429
        assert "Too many requests" in response.get_data(as_text=True)
    assert login(client, "staff_a").status_code == 429  # the right password, no header
    # Another address is not affected.
    other = app.test_client()
    other_response = other.post(
        "/login",
        data={"username": "staff_a", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other_response.status_code == 302


def test_limit_applies_to_posts_only(app, client, world):
    app.config["LOGIN_LIMIT_PER_IP"] = "2 per minute"
    for _ in range(5):
        assert client.get("/login").status_code == 200


# --- CSRF -------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    client.get("/login")
    response = login(client, "staff_a", csrf_token=None)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-status="400"' in html
    assert "Traceback" not in html
    assert not is_logged_in(client)


def test_login_with_another_sessions_csrf_token_is_refused(csrf_app, world):
    attacker = csrf_app.test_client()
    token = csrf_token_from(attacker.get("/login").get_data(as_text=True))
    victim = csrf_app.test_client()
    victim.get("/login")
    response = login(victim, "staff_a", csrf_token=token)
    assert response.status_code == 400
    assert not is_logged_in(victim)
    assert login(csrf_app.test_client(), "staff_a", csrf_token="forged-token").status_code == 400


def test_login_with_a_valid_csrf_token_works(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = login(client, "staff_a", csrf_token=token)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_logout_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    login(client, "staff_a", csrf_token=token)
    assert client.post("/logout").status_code == 400
    assert is_logged_in(client)
    home = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token_from(home)}).status_code == 302
    assert not is_logged_in(client)


def test_admin_forms_need_the_csrf_token(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    login(client, "admin", csrf_token=token)
    url = f"/admin/users/{world.staff_a_id}/deactivate"
    assert client.post(url).status_code == 400
    with csrf_app.app_context():
        assert db.session.get(User, world.staff_a_id).is_active
    page = client.get(url).get_data(as_text=True)
    assert client.post(url, data={"csrf_token": csrf_token_from(page)}).status_code == 302
    with csrf_app.app_context():
        assert not db.session.get(User, world.staff_a_id).is_active


def test_expired_csrf_token_is_refused(csrf_app, world):
    # A negative time limit makes every token older than allowed, without waiting.
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert login(client, "staff_a", csrf_token=token).status_code == 400


# --- cookie flags -----------------------------------------------------------------------------


def test_session_cookie_flags(client, world):
    response = login(client, "staff_a")
    headers = set_cookie_headers(response, SESSION_COOKIE)
    assert headers
    assert all("HttpOnly" in h and "SameSite=Lax" in h for h in headers)


def test_production_cookies_are_secure(app, database_url, world):
    production = create_app(
        "production",
        {
            "SECRET_KEY": "production-test-key-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_BASE_URL": "https://outreach.example.cn",
        },
    )
    config = production.config
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["WTF_CSRF_ENABLED"] is not False

    client = production.test_client()
    page = client.get("/login", base_url="https://outreach.example.cn")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        base_url="https://outreach.example.cn",
        data={"username": "staff_a", "password": PASSWORD, "remember": "y", "csrf_token": token},
        headers={"Referer": "https://outreach.example.cn/login"},
    )
    assert response.status_code == 302
    for name in ("__Host-" + SESSION_COOKIE, "__Host-" + REMEMBER_COOKIE):
        headers = set_cookie_headers(response, name)
        assert headers, name
        for header in headers:
            assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
            assert "Path=/" in header and "Domain=" not in header
    with production.app_context():
        db.engine.dispose()
