"""The handout content library: the list everyone reads, and the admin pages that add handouts,
write new versions and take handouts out of use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outreach_app.audit.models import AuditLog
from outreach_app.extensions import db
from outreach_app.handouts.models import Handout, HandoutLanguage, HandoutVersion
from outreach_app.handouts.services import current_version, handout_by_code
from outreach_app.reference.models import TargetGroup, Topic
from tests.helpers import audit_entries, csrf_token_from, login

TIPS = ["挂断陌生来电。", "不要转账。", "不给验证码。", "打 96110 咨询。"]


def _counts(app) -> tuple[int, int, int]:
    """Handouts, versions and audit entries in the database."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Handout.id))),
            db.session.scalar(select(func.count(HandoutVersion.id))),
            db.session.scalar(select(func.count(AuditLog.id))),
        )


def _ids(app, code: str = "pension-scams", language: str = "zh_CN") -> int:
    with app.app_context():
        handout = handout_by_code(code, language)
        assert handout is not None
        return handout.id


def _reference_ids(app) -> tuple[int, int]:
    """A topic id and the seniors group id."""
    with app.app_context():
        topic = db.session.scalars(select(Topic).where(Topic.code == "fraud_telecom")).one()
        group = db.session.scalars(select(TargetGroup).where(TargetGroup.code == "seniors")).one()
        return topic.id, group.id


def _text_data(tips=TIPS, **overrides) -> dict[str, str]:
    data = {
        "title": "谨防冒充客服",
        "lead": "接到退款电话先核实。",
        "never_ask": "密码、验证码或转账。",
    }
    for number, tip in enumerate(tips, start=1):
        data[f"tip{number}"] = tip
    data.update(overrides)
    return data


def _new_data(app, **overrides) -> dict[str, str]:
    topic_id, _group_id = _reference_ids(app)
    data = {
        "code": "new-leaflet",
        "language": "zh_CN",
        "topic": str(topic_id),
        "target_group": "everyone",
        **_text_data(),
    }
    data.update(overrides)
    return data


def _edit_data(app, handout_id: int, **overrides) -> dict[str, str]:
    """The form as the edit page fills it in from the current version."""
    with app.app_context():
        version = current_version(db.session.get(Handout, handout_id))
        data = _text_data(
            tips=version.tips, title=version.title, lead=version.lead, never_ask=version.never_ask
        )
    data["note"] = ""
    data.update(overrides)
    return data


# The list ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "head_a", "staff_a"])
def test_library_lists_the_current_text_for_every_role(english, auth, world, username):
    auth.login(username)
    response = english.get("/handouts")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 16
    assert "守好养老钱，谨防养老诈骗" in html
    assert "Protect your retirement savings from scams" in html
    assert "<details" in html and "Version 1" in html
    assert "Seniors" in html and "Chinese" in html
    assert 'data-testid="print-hint"' in html
    assert ("New handout" in html) is (username == "admin")


def test_library_filters(english, auth, world, app):
    auth.login("staff_a")
    with app.app_context():
        topic = db.session.scalars(select(Topic).where(Topic.code == "fraud_pension")).one()
        youth = db.session.scalars(select(TargetGroup).where(TargetGroup.code == "youth")).one()
        topic_id, youth_id = topic.id, youth.id
    html = english.get(f"/handouts?topic={topic_id}").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 2
    html = english.get(f"/handouts?group={youth_id}&language=en").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 2
    assert "Cancel your campus loan" in html
    html = english.get("/handouts?q=RETIREMENT").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 1
    html = english.get("/handouts?q=养老").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') >= 1
    # Tips are searched too ("mortgage" and 以房养老 stand only in the pension handouts' tips).
    html = english.get("/handouts?q=MORTGAGE").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 1
    assert "Protect your retirement savings from scams" in html
    html = english.get("/handouts?q=以房养老").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 1
    assert "守好养老钱，谨防养老诈骗" in html
    # Nothing for everyone among the shipped handouts: an empty state, not an error.
    html = english.get("/handouts?group=everyone").get_data(as_text=True)
    assert "No handouts match these filters." in html
    # A percent sign is searched for literally, not as a wildcard.
    html = english.get("/handouts?q=%25").get_data(as_text=True)
    assert "No handouts match these filters." in html


@pytest.mark.parametrize(
    "query",
    [
        "topic=abc",
        "topic=999999999999999",
        "group=-1",
        "language=fr",
        "page=abc",
        "page=-5",
        "page=99999999999999999999",
        "q=" + "x" * 5000,
        "q=%01%0a",
    ],
)
def test_library_ignores_odd_filters(english, auth, world, query):
    auth.login("head_a")
    response = english.get(f"/handouts?{query}")
    assert response.status_code == 200


def test_library_pages_by_twenty_and_hides_retired_handouts_from_staff(
    english, auth, world, app, client
):
    auth.login("admin")
    for n in range(6):
        response = client.post("/admin/handouts/new", data=_new_data(app, code=f"extra-{n}"))
        assert response.status_code == 302
    page1 = english.get("/handouts").get_data(as_text=True)
    assert page1.count('data-testid="handout-item"') == 20
    page2 = english.get("/handouts?page=2").get_data(as_text=True)
    assert page2.count('data-testid="handout-item"') == 2
    assert "22 in all, page 2 of 2" in page2
    assert "Everyone" in page2

    with app.app_context():
        handout = handout_by_code("extra-0", "zh_CN")
        handout.is_active = False
        db.session.commit()
    assert "No longer in use" in english.get("/handouts?q=extra-0").get_data(as_text=True)
    auth.logout()
    auth.login("staff_a")
    html = english.get("/handouts?q=extra-").get_data(as_text=True)
    assert html.count('data-testid="handout-item"') == 5


def test_library_text_is_never_markup(english, auth, world, app, client):
    auth.login("admin")
    data = _new_data(
        app,
        title="<script>alert(1)</script>",
        tip1='<img src=x onerror="alert(2)">',
        lead="<b>bold</b> & {{ 7*7 }}",
    )
    assert client.post("/admin/handouts/new", data=data).status_code == 302
    html = english.get("/handouts?q=script").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html and "{{ 7*7 }}" in html


# Creating ---------------------------------------------------------------------------------------


def test_admin_creates_a_handout_with_version_one(english, auth, world, app, client):
    auth.login("admin")
    before = _counts(app)
    assert "Code" in english.get("/admin/handouts/new").get_data(as_text=True)
    response = client.post("/admin/handouts/new", data=_new_data(app, tip2="", tip6="最后一条。"))
    assert response.status_code == 302
    handouts, versions, audits = _counts(app)
    assert (handouts, versions, audits) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with app.app_context():
        handout = handout_by_code("new-leaflet", "zh_CN")
        assert handout.target_group_id is None and handout.is_active
        version = current_version(handout)
        assert version.number == 1
        # Blank boxes are dropped, the order of the others is kept.
        assert version.tips == [TIPS[0], TIPS[2], TIPS[3], "最后一条。"]
        entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert entry.action == "handout.create" and entry.object_id == handout.id
        assert response.headers["Location"] == f"/admin/handouts/{handout.id}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"code": "Pension"}, "lower-case letters"),
        ({"code": "two words"}, "lower-case letters"),
        ({"code": "-dash"}, "lower-case letters"),
        ({"code": "x" * 41}, "40 characters"),
        ({"code": ""}, "Enter a code."),
        ({"code": "pension-scams"}, "already exists in this language"),
        ({"language": "fr"}, "Choose a language from the list."),
        ({"topic": "999999999999"}, "Choose a topic from the list."),
        ({"topic": ""}, "Choose a topic."),
        ({"target_group": "abc"}, "Choose a group from the list."),
        ({"title": ""}, "Enter a title."),
        ({"title": "x" * 121}, "120 characters"),
        ({"title": "bad\x01title"}, "invisible characters"),
        ({"title": "evil\u202etxt.exe"}, "invisible characters"),
        ({"lead": "y" * 601}, "600 characters"),
        ({"lead": "line\x07bell"}, "invisible characters"),
        ({"tip1": "z" * 201}, "200 characters"),
        ({"tip2": "tab\there"}, "invisible characters"),
        ({"tip3": "", "tip4": ""}, "between 4 and 8 tips"),
        ({"never_ask": ""}, "never asks for"),
        ({"never_ask": "n" * 301}, "300 characters"),
    ],
)
def test_bad_new_handouts_change_nothing(english, auth, world, app, overrides, message):
    auth.login("admin")
    before = _counts(app)
    response = english.post("/admin/handouts/new", data=_new_data(app, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _counts(app) == before


def test_same_code_in_the_other_language_is_allowed(auth, world, app, client):
    auth.login("admin")
    assert client.post("/admin/handouts/new", data=_new_data(app)).status_code == 302
    response = client.post("/admin/handouts/new", data=_new_data(app, language="en"))
    assert response.status_code == 302
    with app.app_context():
        assert handout_by_code("new-leaflet", "en").language is HandoutLanguage.EN


def test_multiline_introduction_is_kept(auth, world, app, client):
    auth.login("admin")
    data = _new_data(app, lead="第一行\r\n第二行")
    assert client.post("/admin/handouts/new", data=data).status_code == 302
    with app.app_context():
        assert current_version(handout_by_code("new-leaflet", "zh_CN")).lead == "第一行\n第二行"


# Versions --------------------------------------------------------------------------------------


def test_edit_writes_a_new_version_and_keeps_the_old(english, auth, world, app, client):
    auth.login("admin")
    handout_id = _ids(app)
    form = english.get(f"/admin/handouts/{handout_id}/edit").get_data(as_text=True)
    assert "守好养老钱，谨防养老诈骗" in form and "Save as a new version" in form
    data = _edit_data(app, handout_id, title="新标题", note="标题更短")
    before = _counts(app)
    response = english.post(f"/admin/handouts/{handout_id}/edit", data=data)
    assert response.status_code == 302
    assert _counts(app) == (before[0], before[1] + 1, before[2] + 1)
    with app.app_context():
        versions = db.session.scalars(
            select(HandoutVersion)
            .where(HandoutVersion.handout_id == handout_id)
            .order_by(HandoutVersion.number)
        ).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].title == "守好养老钱，谨防养老诈骗"
        assert versions[1].title == "新标题" and versions[1].note == "标题更短"
        assert versions[1].created_by.username == "admin"
        assert versions[1].tips == versions[0].tips
    action, detail = audit_entries(app, "handout", handout_id)[-1]
    assert (action, detail["version"], detail["changed"]) == ("handout.add_version", 2, ["title"])

    # A third edit is version 3; the detail page lists all three with who, when and note.
    data = _edit_data(app, handout_id, tip8="新增第八条。")
    assert english.post(f"/admin/handouts/{handout_id}/edit", data=data).status_code == 302
    detail = english.get(f"/admin/handouts/{handout_id}").get_data(as_text=True)
    assert "Current text (version 3)" in detail
    assert "Version 2" in detail and "标题更短" in detail and "系统管理员" in detail
    old = english.get(f"/admin/handouts/{handout_id}?version=1").get_data(as_text=True)
    assert "Version 1, as printed" in old and "守好养老钱，谨防养老诈骗" in old
    assert 'data-testid="old-version"' in old


def test_unchanged_edit_writes_nothing(english, auth, world, app):
    auth.login("admin")
    handout_id = _ids(app)
    before = _counts(app)
    data = _edit_data(app, handout_id, note="没有改动")
    response = english.post(f"/admin/handouts/{handout_id}/edit", data=data, follow_redirects=True)
    assert "Nothing changed, so no new version was written." in response.get_data(as_text=True)
    assert _counts(app) == before
    # Outer spaces and an extra blank tip box are not a change either.
    data = _edit_data(app, handout_id, title="  守好养老钱，谨防养老诈骗  ", tip8="   ")
    english.post(f"/admin/handouts/{handout_id}/edit", data=data)
    assert _counts(app) == before


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Enter a title."),
        ({"title": "t" * 121}, "120 characters"),
        ({"tip1": "", "tip2": "", "tip3": "", "tip4": "", "tip5": ""}, "between 4 and 8 tips"),
        ({"tip1": "\x1b[31mred"}, "invisible characters"),
        ({"tip1": "z" * 201}, "200 characters"),
        ({"never_ask": "\u200bhidden"}, "invisible characters"),
        ({"note": "n" * 201}, "200 characters"),
        ({"note": "line\nbreak"}, "invisible characters"),
    ],
)
def test_bad_edits_change_nothing(english, auth, world, app, overrides, message):
    auth.login("admin")
    handout_id = _ids(app)
    before = _counts(app)
    data = _edit_data(app, handout_id, **{"title": "换个标题", **overrides})
    response = english.post(f"/admin/handouts/{handout_id}/edit", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _counts(app) == before


@pytest.mark.parametrize("version", ["2", "0", "abc", "-1", "99999999999999999999"])
def test_unknown_versions_are_404(auth, world, app, client, version):
    auth.login("admin")
    assert client.get(f"/admin/handouts/{_ids(app)}?version={version}").status_code == 404


# Taking out of use -----------------------------------------------------------------------------


def test_deactivate_and_reactivate(english, auth, world, app):
    auth.login("admin")
    handout_id = _ids(app)
    url = f"/admin/handouts/{handout_id}/active"
    page = english.get(url).get_data(as_text=True)
    assert "Take 守好养老钱，谨防养老诈骗 out of use?" in page
    before = _counts(app)
    response = english.post(url, data={"to": "0"}, follow_redirects=True)
    assert "is no longer in use" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Handout, handout_id).is_active is False
        entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert entry.action == "handout.deactivate"
    assert _counts(app)[2] == before[2] + 1
    # The same confirmation sent twice changes nothing more.
    english.post(url, data={"to": "0"})
    assert _counts(app)[2] == before[2] + 1
    assert "Put 守好养老钱，谨防养老诈骗 back into use?" in english.get(url).get_data(as_text=True)
    english.post(url, data={"to": "1"})
    with app.app_context():
        assert db.session.get(Handout, handout_id).is_active is True
    assert _counts(app)[2] == before[2] + 2


# Access and robustness --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["head_a", "staff_a"])
@pytest.mark.parametrize("suffix", ["", "/edit", "/active"])
def test_admin_pages_are_403_for_others(auth, world, app, client, username, suffix):
    auth.login(username)
    handout_id = _ids(app)
    before = _counts(app)
    assert client.get("/admin/handouts/new").status_code == 403
    assert client.post("/admin/handouts/new", data=_new_data(app)).status_code == 403
    assert client.get(f"/admin/handouts/{handout_id}{suffix}").status_code == 403
    data = _edit_data(app, handout_id, title="偷改", to="0")
    # The handout's own page takes no POST at all; its edit and active forms are forbidden.
    expected = 405 if suffix == "" else 403
    assert client.post(f"/admin/handouts/{handout_id}{suffix}", data=data).status_code == expected
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("url", "post_status"),
    [
        ("/admin/handouts/0", 404),
        # An id that could exist reaches the handout's page, which takes no POST.
        ("/admin/handouts/999999", 405),
        ("/admin/handouts/99999999999", 404),
        ("/admin/handouts/99999999999999999999999/edit", 404),
        ("/admin/handouts/abc", 404),
        ("/admin/handouts/-1/active", 404),
    ],
)
def test_bad_handout_ids_are_404(auth, world, client, url, post_status):
    auth.login("admin")
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == post_status


def test_posts_without_csrf_token_are_refused(app, csrf_app, world):
    client = csrf_app.test_client()
    login(client, "admin")
    before = _counts(app)
    with app.app_context():
        handout_id = handout_by_code("pension-scams", "zh_CN").id
    assert client.post("/admin/handouts/new", data=_new_data(app)).status_code == 400
    data = _edit_data(app, handout_id, title="没有令牌")
    assert client.post(f"/admin/handouts/{handout_id}/edit", data=data).status_code == 400
    assert client.post(f"/admin/handouts/{handout_id}/active", data={"to": "0"}).status_code == 400
    assert _counts(app) == before
    # With the page's token, the same edit goes through.
    token = csrf_token_from(client.get(f"/admin/handouts/{handout_id}/edit").get_data(as_text=True))
    data["csrf_token"] = token
    assert client.post(f"/admin/handouts/{handout_id}/edit", data=data).status_code == 302


# The service on its own (the command line or another view may call it without the form) -------


@pytest.mark.parametrize(
    "text, field",
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 121}, "title"),
        ({"lead": "a\x00b"}, "lead"),
        ({"tips": ("a", "b", "c")}, "tips"),
        ({"tips": ("a", "b", "c", "")}, "tips"),
        ({"tips": ("a", "b", "c", "d" * 201)}, "tips"),
        ({"tips": tuple("abcdefghi")}, "tips"),
        ({"never_ask": ""}, "never_ask"),
        ({"never_ask": "\u2066x"}, "never_ask"),
    ],
)
def test_library_service_checks_its_input(app, world, text, field):
    from outreach_app.core.validation import ServiceError
    from outreach_app.handouts.library import add_version, create_handout
    from outreach_app.handouts.text import HandoutText

    good = {"title": "标题", "lead": "", "tips": tuple(TIPS), "never_ask": "密码"}
    with app.app_context():
        before = db.session.scalar(select(func.count(HandoutVersion.id)))
        topic = db.session.scalars(select(Topic)).first()
        handout = handout_by_code("pension-scams", "zh_CN")
        with pytest.raises(ServiceError) as error:
            create_handout(None, "fresh", "zh_CN", topic, None, HandoutText(**{**good, **text}))
        assert error.value.field == field
        with pytest.raises(ServiceError):
            add_version(
                None, handout, current_version(handout), HandoutText(**{**good, **text}), ""
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count(HandoutVersion.id))) == before
