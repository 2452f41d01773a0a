"""User administration: only administrators get in; every change is checked, audited and
ends the sessions it must; bad input changes nothing; the create-user command."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from outreach_app.audit.models import AuditLog
from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.auth.passwords import verify_password
from outreach_app.core.roles import Role
from outreach_app.extensions import db
from outreach_app.regions.models import Branch
from tests.factories import World, make_user
from tests.helpers import NEW_PASSWORD, PASSWORD, audit_actions, is_logged_in, login, snapshot

# --- helpers ----------------------------------------------------------------------------------


def get_user(app: Flask, username: str) -> User | None:
    """The user row as stored now (a detached copy)."""
    with app.app_context():
        user = db.session.execute(
            select(User).where(User.username == username)
        ).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def new_user_form(**overrides: str) -> dict[str, str]:
    """A valid create form for a staff member of branch A (ids filled in by the caller)."""
    data = {
        "username": "wang.fang",
        "display_name": "王芳",
        "role": "staff",
        "region": "",
        "branch": "",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def edit_form(user: User, **overrides: str) -> dict[str, str]:
    """The edit form as the page would post it for ``user``, with some fields changed."""
    data = {
        "display_name": user.display_name,
        "role": user.role.value,
        "region": str(user.region_id or ""),
        "branch": str(user.branch_id or ""),
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client: FlaskClient, english: FlaskClient, world: World) -> FlaskClient:
    """``client`` logged in as the administrator, in English."""
    assert login(client, "admin").status_code == 302
    return client


# --- who may enter ----------------------------------------------------------------------------


def _pages(world: World) -> list[tuple[str, str]]:
    uid = world.staff_b_id
    return [
        ("GET", "/admin/users/"),
        ("GET", "/admin/users/?q=staff&role=staff&active=1"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", f"/admin/users/{uid}/edit"),
        ("POST", f"/admin/users/{uid}/edit"),
        ("GET", f"/admin/users/{uid}/deactivate"),
        ("POST", f"/admin/users/{uid}/deactivate"),
        ("POST", f"/admin/users/{uid}/reactivate"),
        ("GET", f"/admin/users/{uid}/password"),
        ("POST", f"/admin/users/{uid}/password"),
    ]


@pytest.mark.parametrize("username", ["staff_a", "head_a"])
def test_staff_and_heads_get_403_everywhere(app, client, world, username):
    login(client, username)
    before = snapshot(app, User)
    data = {
        **new_user_form(branch=str(world.branch_a_id)),
        "username": "intruder",
        "role": "admin",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    for method, url in _pages(world):
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, (method, url)
    assert snapshot(app, User) == before


def test_anonymous_is_sent_to_login(app, client, world):
    before = snapshot(app, User)
    for method, url in _pages(world):
        response = client.open(url, method=method, data={"role": "admin"})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login")
    assert snapshot(app, User) == before


def test_a_deactivated_admin_loses_access_at_once(app, world):
    other = app.test_client()
    login(other, "admin")
    with app.app_context():
        second = make_user("admin2", Role.ADMIN, PASSWORD)
        db.session.commit()
        second_id = second.id
    second_client = app.test_client()
    login(second_client, "admin2")
    assert other.post(f"/admin/users/{second_id}/deactivate").status_code == 302
    assert second_client.get("/admin/users/").status_code == 302


def test_unknown_user_is_404(admin_client):
    for url in ("/admin/users/99999/edit", "/admin/users/99999/deactivate"):
        assert admin_client.get(url).status_code == 404
    assert admin_client.get("/admin/users/abc/edit").status_code == 404


# Ids no database can hold (past 2**63 SQLite fails, past 2**31 - 1 PostgreSQL), and spellings
# that Python's int() would read ("+5", "1_0") but are not ids.
IDS_THAT_ARE_NOT = (str(2**63), str(2**63 + 5), str(2**31), "+5", "%2B5", "1_0", "05")


@pytest.mark.parametrize("user_id", IDS_THAT_ARE_NOT)
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "edit"), ("post", "edit"), ("get", "deactivate"), ("post", "deactivate")]
    + [("post", "reactivate"), ("get", "password"), ("post", "password")],
)
def test_ids_that_cannot_exist_are_404(admin_client, world, user_id, method, path):
    response = admin_client.open(f"/admin/users/{user_id}/{path}", method=method.upper())
    assert response.status_code == 404


def test_reactivate_refuses_get(admin_client, world):
    assert admin_client.get(f"/admin/users/{world.staff_a_id}/reactivate").status_code == 405


# --- the list ---------------------------------------------------------------------------------


def _usernames(html: str) -> list[str]:
    return re.findall(r'/admin/users/\d+/edit">([^<]+)</a>', html)


def test_list_shows_every_user_with_role_scope_and_state(admin_client):
    html = admin_client.get("/admin/users/").get_data(as_text=True)
    assert _usernames(html) == ["admin", "head_a", "staff_a", "staff_b"]
    assert "Regional head" in html and "Outreach staff" in html and "Administrator" in html
    assert "市南区" in html  # head_a's region
    assert "崂山支行" in html  # staff_b's branch
    assert 'scope="col"' in html
    assert "Never" in html  # nobody but the admin has logged in


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=staff", ["staff_a", "staff_b"]),
        ("q=STAFF_A", ["staff_a"]),
        ("q=张宣教", ["staff_a"]),
        ("q=  head  ", ["head_a"]),
        ("q=%25", []),
        ("q=_", ["head_a", "staff_a", "staff_b"]),
        ("role=head", ["head_a"]),
        ("role=staff&q=b", ["staff_b"]),
        ("active=1", ["admin", "head_a", "staff_a", "staff_b"]),
        ("active=0", []),
    ],
)
def test_list_search_and_filters(admin_client, query, expected):
    response = admin_client.get(f"/admin/users/?{query}")
    assert response.status_code == 200
    assert _usernames(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "role=superuser",
        "role=",
        "active=maybe",
        "active=%01",
        "q=%01",
        "q=a%1bb",
        "q=%E2%80%AE",
        "page=abc",
        "page=-1",
        "per_page=abc",
        "per_page=-5",
        "q=" + "x" * 5000,
        "q=' OR 1=1--",
        "role=admin&role=staff",
    ],
)
def test_list_ignores_odd_filters(admin_client, query):
    response = admin_client.get(f"/admin/users/?{query}")
    assert response.status_code == 200


def test_list_filters_inactive_and_shows_empty_state(app, admin_client, world):
    with app.app_context():
        db.session.get(User, world.staff_b_id).is_active = False
        db.session.commit()
    html = admin_client.get("/admin/users/?active=0").get_data(as_text=True)
    assert _usernames(html) == ["staff_b"]
    assert "Deactivated" in html
    html = admin_client.get("/admin/users/?q=nobody-like-this").get_data(as_text=True)
    assert _usernames(html) == []
    assert "No user matches these filters." in html


def test_list_paginates(app, admin_client, world):
    with app.app_context():
        for n in range(30):
            make_user(f"user{n:02d}", Role.ADMIN, PASSWORD)
        db.session.commit()
    first = admin_client.get("/admin/users/").get_data(as_text=True)
    second = admin_client.get("/admin/users/?page=2").get_data(as_text=True)
    assert len(_usernames(first)) == 25
    assert len(_usernames(second)) == 9
    assert not set(_usernames(first)) & set(_usernames(second))
    assert "34 in all, page 1 of 2" in first
    assert 'href="/admin/users/?page=2"' in first
    # Filters survive paging.
    filtered = admin_client.get("/admin/users/?role=admin").get_data(as_text=True)
    assert "role=admin" in filtered and "page=2" in filtered
    # A page past the end says so and leads back.
    beyond = admin_client.get("/admin/users/?page=9&role=admin").get_data(as_text=True)
    assert "There is nothing on this page." in beyond
    assert 'href="/admin/users/?role=admin"' in beyond


@pytest.mark.parametrize(
    "query",
    ["_method=POST", "endpoint=x", "_external=1", "_scheme=javascript", "_anchor=%0Aalert(1)"],
)
def test_paging_links_ignore_arguments_meant_for_url_for(app, admin_client, query):
    with app.app_context():
        for n in range(30):
            make_user(f"user{n:02d}", Role.ADMIN, PASSWORD)
        db.session.commit()
    response = admin_client.get(f"/admin/users/?{query}")
    assert response.status_code == 200
    nav = response.get_data(as_text=True).split('<ul class="pagination', 1)[1].split("</ul>")[0]
    assert 'href="/admin/users/?page=2"' in nav
    assert "http" not in nav and "alert(" not in nav and "#" not in nav.replace('href="#"', "")


# --- creating ---------------------------------------------------------------------------------


def test_admin_creates_staff_and_the_new_user_logs_in(app, admin_client, world):
    response = admin_client.post(
        "/admin/users/new",
        data=new_user_form(
            username="  Wang.Fang ",
            branch=str(world.branch_a_id),
            region=str(world.district_a_id),  # ignored for staff
        ),
    )
    assert response.status_code == 302
    user = get_user(app, "wang.fang")
    assert user is not None
    assert response.headers["Location"] == f"/admin/users/{user.id}/edit"
    assert (user.role, user.branch_id, user.region_id) == (Role.STAFF, world.branch_a_id, None)
    assert user.display_name == "王芳" and user.is_active
    assert audit_actions(app, "user", user.id) == ["user.create"]
    assert "User wang.fang has been created." in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    other = app.test_client()
    assert login(other, "wang.fang").status_code == 302
    assert is_logged_in(other)


def test_admin_creates_head_and_admin(app, admin_client, world):
    response = admin_client.post(
        "/admin/users/new",
        data=new_user_form(
            username="li.head",
            role="head",
            region=str(world.district_b_id),
            branch=str(world.branch_a_id),  # ignored for heads
        ),
    )
    assert response.status_code == 302
    head = get_user(app, "li.head")
    assert (head.role, head.region_id, head.branch_id) == (Role.HEAD, world.district_b_id, None)

    response = admin_client.post(
        "/admin/users/new",
        data=new_user_form(
            username="zhao.admin",
            role="admin",
            region=str(world.district_b_id),
            branch=str(world.branch_a_id),
        ),
    )
    assert response.status_code == 302
    admin = get_user(app, "zhao.admin")
    assert (admin.role, admin.region_id, admin.branch_id) == (Role.ADMIN, None, None)


def test_create_form_renders_with_every_field(admin_client):
    html = admin_client.get("/admin/users/new").get_data(as_text=True)
    for name in ("username", "display_name", "role", "region", "branch", "password", "confirm"):
        assert f'name="{name}"' in html
    assert "novalidate" in html and 'name="csrf_token"' in html
    assert "市南区" in html and "市南支行" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


BAD_CREATE_INPUTS = [
    pytest.param({"username": ""}, "This field is required.", id="empty-username"),
    pytest.param({"display_name": "   "}, "This field is required.", id="empty-display-name"),
    pytest.param({"password": "", "confirm": ""}, "This field is required.", id="empty-password"),
    pytest.param(
        {"display_name": "长" * 500},
        "Field cannot be longer than 80 characters.",
        id="500-char-display-name",
    ),
    pytest.param(
        {"display_name": "Wang\u202egnaW"},
        "Names cannot contain control or text-direction characters.",
        id="rtl-override",
    ),
    pytest.param(
        {"display_name": "Wang\x01Fang"},
        "This field contained invisible characters",
        id="control-character-in-name",
    ),
    pytest.param(
        {"username": "a b"},
        "User names have 3 to 64 letters, digits, dots, dashes or underscores.",
        id="space-in-username",
    ),
    pytest.param(
        {"username": "<script>"},
        "User names have 3 to 64 letters, digits, dots, dashes or underscores.",
        id="tag-as-username",
    ),
    pytest.param({"username": "x" * 65}, "Field cannot be longer than 64", id="long-username"),
    pytest.param({"role": "superuser"}, "Choose one of the listed roles.", id="superuser-role"),
    pytest.param({"role": ""}, "This field is required.", id="no-role"),
    pytest.param(
        {"role": "head", "region": ""}, "A regional head needs a region.", id="head-no-region"
    ),
    pytest.param(
        {"role": "head", "region": "99999"},
        "Choose a region from the list.",
        id="head-unknown-region",
    ),
    pytest.param(
        {"role": "head", "region": "1 OR 1=1"},
        "Choose a region from the list.",
        id="head-injected-region",
    ),
    pytest.param({"branch": ""}, "Outreach staff need a branch.", id="staff-no-branch"),
    pytest.param({"branch": "99999"}, "Choose a branch from the list.", id="unknown-branch"),
    pytest.param(
        {"password": "password1234", "confirm": "password1234"},
        "This password is too easy to guess",
        id="weak-password",
    ),
    pytest.param(
        {"password": "wang.fang123", "confirm": "wang.fang123"},
        "This password is too easy to guess",
        id="password-like-name",
    ),
    pytest.param(
        {"password": "short pass", "confirm": "short pass"},
        "Use at least 12 characters.",
        id="short-password",
    ),
    pytest.param(
        {"password": "z" * 257, "confirm": "z" * 257},
        "Use at most 256 characters.",
        id="long-password",
    ),
    pytest.param(
        {"confirm": PASSWORD + "!"}, "The two passwords differ.", id="mismatched-confirmation"
    ),
    pytest.param({"username": "STAFF_A"}, "The user name staff_a is taken.", id="duplicate-case"),
    pytest.param({"username": " admin "}, "The user name admin is taken.", id="duplicate-spaces"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CREATE_INPUTS)
def test_create_refuses_bad_input_and_changes_nothing(app, admin_client, world, overrides, message):
    data = new_user_form(branch=str(world.branch_a_id))
    data.update(overrides)
    before = snapshot(app, User)
    with app.app_context():
        audits = db.session.execute(select(func.count(AuditLog.id))).scalar_one()
    response = admin_client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Please correct the marked fields." in html
    assert 'aria-invalid="true"' in html
    assert snapshot(app, User) == before
    with app.app_context():
        assert db.session.execute(select(func.count(AuditLog.id))).scalar_one() == audits


def test_create_ignores_mass_assigned_fields(app, admin_client, world):
    data = new_user_form(branch=str(world.branch_a_id))
    data.update(
        {
            "is_active": "0",
            "session_version": "999",
            "id": "4242",
            "password_hash": "$argon2id$forged",
            "last_login_at": "2020-01-01",
            "region_id": str(world.district_b_id),
            "branch_id": str(world.branch_b_id),
        }
    )
    assert admin_client.post("/admin/users/new", data=data).status_code == 302
    user = get_user(app, "wang.fang")
    assert user.id != 4242
    assert user.is_active is True
    assert user.session_version == 1
    assert user.last_login_at is None
    assert (user.region_id, user.branch_id) == (None, world.branch_a_id)
    with app.app_context():
        assert verify_password(user.password_hash, PASSWORD)


def test_script_tags_in_names_are_shown_escaped(app, admin_client, world):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = admin_client.post(
        "/admin/users/new",
        data=new_user_form(display_name=evil, branch=str(world.branch_a_id)),
    )
    assert response.status_code == 302
    for url in ("/admin/users/", response.headers["Location"], "/admin/users/?q=%3Cscript"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html, url
        assert "<script>alert(" not in html, url
        assert "<img src=x" not in html, url


# --- editing ----------------------------------------------------------------------------------


def test_renaming_keeps_sessions(app, admin_client, world):
    staff = app.test_client()
    login(staff, "staff_a")
    user = get_user(app, "staff_a")
    response = admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit", data=edit_form(user, display_name=" 张宣教(新) ")
    )
    assert response.status_code == 302
    after = get_user(app, "staff_a")
    assert after.display_name == "张宣教(新)"
    assert after.session_version == user.session_version
    assert is_logged_in(staff)
    assert audit_actions(app, "user", world.staff_a_id) == ["login.succeed", "user.update"]


def test_changing_role_and_scope_ends_sessions(app, admin_client, world):
    staff = app.test_client()
    login(staff, "staff_a", PASSWORD)
    remembered = app.test_client()
    login_data = {"username": "staff_a", "password": PASSWORD, "remember": "y"}
    remembered.post("/login", data=login_data)
    assert is_logged_in(staff) and is_logged_in(remembered)
    user = get_user(app, "staff_a")
    response = admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit",
        data=edit_form(user, role="head", region=str(world.district_a_id)),
    )
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "logged out everywhere" in page
    after = get_user(app, "staff_a")
    assert (after.role, after.region_id, after.branch_id) == (Role.HEAD, world.district_a_id, None)
    assert after.session_version == user.session_version + 1
    assert not is_logged_in(staff)
    assert not is_logged_in(remembered)


def test_changing_only_the_branch_ends_sessions(app, admin_client, world):
    staff = app.test_client()
    login(staff, "staff_a")
    user = get_user(app, "staff_a")
    admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit", data=edit_form(user, branch=str(world.branch_b_id))
    )
    assert get_user(app, "staff_a").branch_id == world.branch_b_id
    assert not is_logged_in(staff)


def test_saving_unchanged_form_changes_nothing(app, admin_client, world):
    before = snapshot(app, User)
    user = get_user(app, "head_a")
    response = admin_client.post(f"/admin/users/{world.head_a_id}/edit", data=edit_form(user))
    assert response.status_code == 302
    assert "Nothing was changed." in admin_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert snapshot(app, User) == before
    assert audit_actions(app, "user", world.head_a_id) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "名" * 500}, "Field cannot be longer than 80 characters."),
        ({"role": "superuser"}, "Choose one of the listed roles."),
        ({"role": "head", "region": ""}, "A regional head needs a region."),
        ({"role": "staff", "branch": ""}, "Outreach staff need a branch."),
        ({"branch": "99999"}, "Choose a branch from the list."),
    ],
)
def test_edit_refuses_bad_input_and_changes_nothing(app, admin_client, world, overrides, message):
    user = get_user(app, "staff_a")
    before = snapshot(app, User)
    response = admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit",
        data={
            **edit_form(user, **overrides),
            "is_active": "0",
            "session_version": "7",
            "username": "renamed",
        },
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, User) == before


def test_edit_ignores_mass_assigned_fields(app, admin_client, world):
    user = get_user(app, "staff_b")
    data = {
        **edit_form(user, display_name="李宣教2"),
        "username": "renamed",
        "is_active": "0",
        "session_version": "99",
        "password_hash": "forged",
        "id": str(world.admin_id),
    }
    assert admin_client.post(f"/admin/users/{world.staff_b_id}/edit", data=data).status_code == 302
    after = get_user(app, "staff_b")
    assert after.display_name == "李宣教2"
    assert (after.username, after.is_active, after.session_version) == ("staff_b", True, 1)
    assert after.password_hash == user.password_hash
    assert get_user(app, "admin").display_name == "系统管理员"


def test_admin_cannot_remove_own_admin_role(app, admin_client, world):
    admin = get_user(app, "admin")
    before = snapshot(app, User)
    for role, scope in (("staff", {"branch": str(world.branch_a_id)}), ("head", {})):
        scope.setdefault("region", str(world.district_a_id))
        response = admin_client.post(
            f"/admin/users/{world.admin_id}/edit", data=edit_form(admin, role=role, **scope)
        )
        assert response.status_code == 200
        assert "You cannot remove your own administrator role." in response.get_data(as_text=True)
    assert snapshot(app, User) == before
    assert is_logged_in(admin_client)
    assert admin_client.get("/admin/users/").status_code == 200


def test_admin_may_rename_themselves_and_demote_another_admin(app, admin_client, world):
    admin = get_user(app, "admin")
    response = admin_client.post(
        f"/admin/users/{world.admin_id}/edit", data=edit_form(admin, display_name="管理员")
    )
    assert response.status_code == 302
    assert admin_client.get("/admin/users/").status_code == 200
    with app.app_context():
        other = make_user("admin2", Role.ADMIN, PASSWORD)
        db.session.commit()
        other_id = other.id
    response = admin_client.post(
        f"/admin/users/{other_id}/edit",
        data={"display_name": "admin2", "role": "head", "region": str(world.city_id)},
    )
    assert response.status_code == 302
    assert get_user(app, "admin2").role is Role.HEAD


def test_edit_page_shows_history_latest_first(app, admin_client, world):
    user = get_user(app, "staff_a")
    admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit", data=edit_form(user, display_name="新名字")
    )
    admin_client.post(f"/admin/users/{world.staff_a_id}/deactivate")
    html = admin_client.get(f"/admin/users/{world.staff_a_id}/edit").get_data(as_text=True)
    history = html.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    assert history.index("Deactivated") < history.index("Details changed")
    assert "by 系统管理员" in history


def test_history_names_ended_sessions_and_refused_logins(app, admin_client, world):
    user = get_user(app, "staff_a")
    admin_client.post(
        f"/admin/users/{world.staff_a_id}/edit", data=edit_form(user, branch=str(world.branch_b_id))
    )
    with app.app_context():
        db.session.get(Branch, world.branch_b_id).is_active = False
        db.session.commit()
    assert login(app.test_client(), "staff_a").status_code == 200
    html = admin_client.get(f"/admin/users/{world.staff_a_id}/edit").get_data(as_text=True)
    history = html.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    assert "Login refused: branch deactivated" in history
    assert "Logged out everywhere" in history
    assert history.index("Details changed") < history.index("Logged out everywhere")


def test_history_is_limited_to_twenty_entries(app, admin_client, world):
    with app.app_context():
        user = db.session.get(User, world.staff_a_id)
        for n in range(25):
            record("user.update", user, actor=user, n=n)
        db.session.commit()
    html = admin_client.get(f"/admin/users/{world.staff_a_id}/edit").get_data(as_text=True)
    history = html.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    assert history.count("<li>") == 20


# --- deactivating and reactivating ------------------------------------------------------------


def test_deactivate_asks_first_then_ends_sessions(app, admin_client, world):
    staff = app.test_client()
    login(staff, "staff_a")
    before = snapshot(app, User)
    confirm = admin_client.get(f"/admin/users/{world.staff_a_id}/deactivate")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Deactivate staff_a?" in html and 'method="post"' in html
    assert snapshot(app, User) == before  # GET never changes anything
    assert is_logged_in(staff)

    response = admin_client.post(f"/admin/users/{world.staff_a_id}/deactivate")
    assert response.status_code == 302
    after = get_user(app, "staff_a")
    assert after.is_active is False
    assert not is_logged_in(staff)
    assert login(app.test_client(), "staff_a").status_code == 200  # refused, form again
    assert audit_actions(app, "user", world.staff_a_id)[-1] == "user.deactivate"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been deactivated and logged out." in page
    assert f'action="/admin/users/{world.staff_a_id}/reactivate"' in page

    response = admin_client.post(f"/admin/users/{world.staff_a_id}/reactivate")
    assert response.status_code == 302
    assert get_user(app, "staff_a").is_active is True
    assert audit_actions(app, "user", world.staff_a_id)[-1] == "user.activate"
    again = app.test_client()
    assert login(again, "staff_a").status_code == 302
    assert is_logged_in(again)
    assert not is_logged_in(staff)  # the old session stays dead


def test_deactivating_twice_changes_nothing_more(app, admin_client, world):
    admin_client.post(f"/admin/users/{world.staff_b_id}/deactivate")
    before = snapshot(app, User)
    response = admin_client.post(f"/admin/users/{world.staff_b_id}/deactivate")
    assert response.status_code == 302
    assert snapshot(app, User) == before


def test_admin_cannot_deactivate_themselves(app, admin_client, world):
    before = snapshot(app, User)
    for method in ("GET", "POST"):
        response = admin_client.open(f"/admin/users/{world.admin_id}/deactivate", method=method)
        assert response.status_code == 302
        page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You cannot deactivate your own account." in page
    assert snapshot(app, User) == before
    assert admin_client.get("/admin/users/").status_code == 200


# --- password reset ---------------------------------------------------------------------------


def test_reset_password_ends_sessions_and_the_new_password_works(app, admin_client, world):
    staff = app.test_client()
    login(staff, "staff_a")
    assert admin_client.get(f"/admin/users/{world.staff_a_id}/password").status_code == 200
    response = admin_client.post(
        f"/admin/users/{world.staff_a_id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not is_logged_in(staff)
    assert login(app.test_client(), "staff_a", PASSWORD).status_code == 200
    fresh = app.test_client()
    assert login(fresh, "staff_a", NEW_PASSWORD).status_code == 302
    assert is_logged_in(fresh)
    user = get_user(app, "staff_a")
    assert user.password_changed_at is not None
    with app.app_context():
        entry = db.session.execute(
            select(AuditLog).where(AuditLog.action == "password.change")
        ).scalar_one()
        assert (entry.object_id, entry.user_id) == (world.staff_a_id, world.admin_id)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("", "", "This field is required."),
        ("password1234", "password1234", "This password is too easy to guess"),
        ("staff_a12345", "staff_a12345", "This password is too easy to guess"),
        ("too short", "too short", "Use at least 12 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + " ", "The two passwords differ."),
    ],
)
def test_reset_password_refuses_bad_passwords(app, admin_client, world, password, confirm, message):
    before = snapshot(app, User)
    response = admin_client.post(
        f"/admin/users/{world.staff_a_id}/password",
        data={"password": password, "confirm": confirm},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, User) == before


def test_own_password_is_changed_on_the_account_page(app, admin_client, world):
    before = snapshot(app, User)
    response = admin_client.post(
        f"/admin/users/{world.admin_id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    assert snapshot(app, User) == before


# --- flask create-user ------------------------------------------------------------------------


def create_user_cli(app: Flask, runner, *args: str, password: str = PASSWORD):
    """Run ``flask create-user`` the way the ``flask`` command does, inside an app context."""
    with app.app_context():
        return runner.invoke(
            args=["create-user", *args], env={"OUTREACH_PASSWORD": password}, catch_exceptions=False
        )


@pytest.mark.parametrize(
    ("args", "role", "scope"),
    [
        (("boss", "--role", "admin"), Role.ADMIN, (None, None)),
        (("Head.B", "--role", "head", "--region", "370212"), Role.HEAD, ("district_b_id", None)),
        (("clerk", "--role", "staff", "--branch", "市南支行"), Role.STAFF, (None, "branch_a_id")),
    ],
)
def test_cli_creates_each_role(app, runner, world, args, role, scope):
    result = create_user_cli(app, runner, *args, "--display-name", "新用户")
    assert result.exit_code == 0, result.output
    username = args[0].lower()
    assert f"Created {role.value} {username}." in result.output
    user = get_user(app, username)
    region_attr, branch_attr = scope
    assert user.role is role
    assert user.region_id == (getattr(world, region_attr) if region_attr else None)
    assert user.branch_id == (getattr(world, branch_attr) if branch_attr else None)
    assert user.display_name == "新用户"
    client = app.test_client()
    assert login(client, username).status_code == 302


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("new.head", "--role", "head", "--region", "999999"), PASSWORD, "No region has the"),
        (("new.head", "--role", "head"), PASSWORD, "A regional head needs a region."),
        (("new.staff", "--role", "staff", "--branch", "无此支行"), PASSWORD, "No branch is called"),
        (("new.staff", "--role", "staff"), PASSWORD, "Outreach staff need a branch."),
        (("STAFF_A", "--role", "admin"), PASSWORD, "The user name staff_a is taken."),
        (("a b c", "--role", "admin"), PASSWORD, "User names have 3 to 64"),
        (("weak", "--role", "admin"), "password1234", "too easy to guess"),
        (("new.admin", "--role", "superuser"), PASSWORD, "Invalid value for '--role'"),
        (("long", "--role", "admin", "--display-name", "名" * 81), PASSWORD, "at most 80"),
    ],
)
def test_cli_refuses_bad_input(app, runner, world, args, password, message):
    before = snapshot(app, User)
    with app.app_context():
        result = runner.invoke(args=["create-user", *args], env={"OUTREACH_PASSWORD": password})
    assert result.exit_code != 0
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a clean error, not a traceback
    assert snapshot(app, User) == before
