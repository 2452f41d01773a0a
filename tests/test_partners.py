"""The partner directory: scope on every route, list filters, the form's checks, archive."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from outreach_app.audit.models import AuditLog
from outreach_app.events.models import EventStatus
from outreach_app.extensions import db
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.regions.models import Branch, Region
from tests.factories import make_event, make_partner
from tests.helpers import audit_actions, snapshot, sql_statements, stored

ROLES = ["admin", "head_a", "staff_a", "staff_b"]
IN_SCOPE = {
    "admin": {"a", "b"},
    "head_a": {"a"},
    "staff_a": {"a"},
    "staff_b": {"b"},
}
PARTNER_NAMES = {"a": "湛山社区居委会", "b": "港东村委会"}


# --- helpers ---------------------------------------------------------------------------------


def partner_ids(world) -> dict[str, int]:
    return {"a": world.partner_a_id, "b": world.partner_b_id}


def valid_form(world, which: str = "a", **changes) -> dict[str, str]:
    """Form data that is valid for partner ``which``'s own region and branch."""
    data = {
        "name": "新合作机构",
        "kind": PartnerKind.SCHOOL.value,
        "region_id": str(world.community_a_id if which == "a" else world.community_b_id),
        "branch_id": str(world.branch_a_id if which == "a" else world.branch_b_id),
        "address": "香港西路1号",
        "contact_name": "刘老师",
        "contact_phone": "0532-8000 0000",
        "notes": "",
    }
    data.update(changes)
    return data


def partner_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Partner.id))).scalar_one()


def find_partner(app, name: str) -> Partner | None:
    with app.app_context():
        partner = db.session.execute(
            select(Partner).where(Partner.name == name)
        ).scalar_one_or_none()
        if partner is not None:
            db.session.expunge(partner)
        return partner


def row_count(html: str) -> int:
    return html.count('data-testid="partner-row"')


def add_partners(app, world, count: int, prefix: str = "社区") -> None:
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        region = db.session.get(Region, world.community_a_id)
        for n in range(count):
            make_partner(f"{prefix}{n:02d}", branch, region)
        db.session.commit()


# --- anonymous and access matrix ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/partners/"),
        ("GET", "/partners/new"),
        ("POST", "/partners/new"),
        ("GET", "/partners/{a}"),
        ("GET", "/partners/{a}/edit"),
        ("POST", "/partners/{a}/edit"),
        ("GET", "/partners/{a}/archive"),
        ("POST", "/partners/{a}/archive"),
        ("POST", "/partners/{a}/restore"),
    ],
)
def test_anonymous_is_sent_to_login(app, client, world, method, path):
    before = snapshot(app, Partner)
    response = client.open(path.format(a=world.partner_a_id), method=method, data=valid_form(world))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert snapshot(app, Partner) == before
    assert partner_count(app) == 2


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("path", ["/partners/", "/partners/new"])
def test_every_role_may_open_list_and_new(client, auth, world, username, path):
    auth.login(username)
    assert client.get(path).status_code == 200


ITEM_ROUTES = [
    ("GET", "/partners/{id}"),
    ("GET", "/partners/{id}/edit"),
    ("POST", "/partners/{id}/edit"),
    ("GET", "/partners/{id}/archive"),
    ("POST", "/partners/{id}/archive"),
    ("POST", "/partners/{id}/restore"),
]


@pytest.mark.parametrize("which", ["a", "b"])
@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize(("method", "path"), ITEM_ROUTES)
def test_access_matrix(app, client, auth, world, method, path, username, which):
    partner_id = partner_ids(world)[which]
    auth.login(username)
    before = snapshot(app, Partner)
    data = valid_form(world, which, name="改过的名字") if method == "POST" else None
    response = client.open(path.format(id=partner_id), method=method, data=data)
    if which in IN_SCOPE[username]:
        assert response.status_code == (200 if method == "GET" else 302)
    else:
        assert response.status_code == 404
        assert PARTNER_NAMES[which] not in response.get_data(as_text=True)
        assert snapshot(app, Partner) == before
        assert audit_actions(app, "partner", partner_id) == []


@pytest.mark.parametrize(
    "path",
    [
        "/partners/0",
        "/partners/99999",
        "/partners/abc",
        "/partners/-1",
        "/partners/99999999999999999999999",
        "/partners/99999999999999999999999/edit",
    ],
)
def test_unknown_partner_is_404(client, auth, world, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


# --- the list ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_list_shows_only_partners_in_scope(client, auth, world, username):
    auth.login(username)
    html = client.get("/partners/").get_data(as_text=True)
    for which, name in PARTNER_NAMES.items():
        assert (name in html) == (which in IN_SCOPE[username])


@pytest.mark.parametrize(
    ("username", "region_attr", "hidden"),
    [
        ("head_a", "district_b_id", "崂山区"),
        ("head_a", "community_b_id", "港东村"),
        ("staff_a", "district_b_id", "崂山区"),
        ("staff_b", "community_a_id", "湛山社区"),
    ],
)
def test_out_of_scope_region_filter_is_ignored(client, auth, world, username, region_attr, hidden):
    auth.login(username)
    unfiltered = client.get("/partners/").get_data(as_text=True)
    response = client.get(f"/partners/?region={getattr(world, region_attr)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert hidden not in html
    assert row_count(html) == row_count(unfiltered)
    for which, name in PARTNER_NAMES.items():
        if which not in IN_SCOPE[username]:
            assert name not in html


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999999999999999999", "1e3", ""])
def test_garbage_region_filter_is_ignored(client, auth, world, value):
    auth.login("admin")
    response = client.get("/partners/", query_string={"region": value})
    assert response.status_code == 200
    assert row_count(response.get_data(as_text=True)) == 2


# Spellings of a real id that Python's int() reads but an id never has.
SPELLINGS = ["+{}", "0_{}", "0{}", " {}", "{}\n", "{}.0"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_misspelt_ids_name_no_region_and_no_partner(app, english, auth, world, spelling):
    auth.login("admin")
    region = spelling.format(world.district_b_id)
    listed = english.get("/partners/", query_string={"region": region})
    assert listed.status_code == 200
    assert row_count(listed.get_data(as_text=True)) == 2  # the filter is ignored
    for field, value, message in [
        ("region_id", world.community_a_id, "Choose a region in your area."),
        ("branch_id", world.branch_a_id, "Choose a branch in your area."),
    ]:
        data = valid_form(world, "a", name="伪造的机构", **{field: spelling.format(value)})
        response = english.post("/partners/new", data=data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert find_partner(app, "伪造的机构") is None
    partner_id = partner_ids(world)["a"]
    for path in ("/partners/{}", "/partners/{}/edit"):
        url = path.format(spelling.format(partner_id)).replace("+", "%2B").replace(" ", "%20")
        assert english.get(url.replace("\n", "%0A")).status_code == 404, url


def test_region_filter_takes_the_subtree(client, auth, world):
    auth.login("admin")
    html = client.get(f"/partners/?region={world.district_b_id}").get_data(as_text=True)
    assert PARTNER_NAMES["b"] in html
    assert PARTNER_NAMES["a"] not in html
    html = client.get(f"/partners/?region={world.city_id}").get_data(as_text=True)
    assert row_count(html) == 2


def test_kind_filter(client, auth, world):
    auth.login("admin")
    html = client.get("/partners/?kind=village_committee").get_data(as_text=True)
    assert PARTNER_NAMES["b"] in html
    assert PARTNER_NAMES["a"] not in html
    bogus = client.get("/partners/?kind=<script>")
    assert bogus.status_code == 200
    assert row_count(bogus.get_data(as_text=True)) == 2


def test_kind_labels_are_translated_labels(english, auth, world):
    auth.login("admin")
    html = english.get("/partners/").get_data(as_text=True)
    assert "Residents&#39; committee" in html
    assert "Village committee" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("湛山", {"a"}),
        ("王老师", {"a", "b"}),  # contact name
        ("香港西路", {"c"}),  # address
        ("8123", {"c"}),  # contact phone
        ("%", set()),  # LIKE wildcards are plain characters
        ("_", set()),
        ("nothing-like-this", set()),
    ],
)
def test_search(app, client, auth, world, q, expected):
    with app.app_context():
        make_partner(
            "第三中学",
            db.session.get(Branch, world.branch_a_id),
            db.session.get(Region, world.community_a_id),
        ).address = "香港西路8号"
        partner = db.session.execute(select(Partner).where(Partner.name == "第三中学")).scalar_one()
        partner.contact_name = "赵主任"
        partner.contact_phone = "0532-8123 4567"
        db.session.commit()
    names = {**PARTNER_NAMES, "c": "第三中学"}
    auth.login("admin")
    html = client.get("/partners/", query_string={"q": q}).get_data(as_text=True)
    shown = {which for which, name in names.items() if name in html}
    assert shown == expected


def test_empty_state_offers_new_partner(app, english, auth, world):
    with app.app_context():
        for partner in db.session.execute(select(Partner)).scalars():
            partner.is_archived = True
        db.session.commit()
    auth.login("staff_a")
    html = english.get("/partners/").get_data(as_text=True)
    assert "No partners yet" in html
    assert 'href="/partners/new"' in html
    filtered = english.get("/partners/?q=zzz").get_data(as_text=True)
    assert "No partners match these filters." in filtered


def test_pagination(app, client, auth, world):
    add_partners(app, world, 30)
    auth.login("staff_a")
    first = client.get("/partners/").get_data(as_text=True)
    assert row_count(first) == 25
    assert "page=2" in first
    second = client.get("/partners/?page=2").get_data(as_text=True)
    assert row_count(second) == 6
    assert client.get("/partners/?page=abc").status_code == 200
    assert client.get("/partners/?page=999").status_code == 200


def test_pagination_keeps_the_search(app, client, auth, world):
    add_partners(app, world, 30)
    auth.login("admin")
    html = client.get("/partners/?q=社区").get_data(as_text=True)
    assert row_count(html) == 25
    assert re.search(r'href="/partners/\?[^"]*q=%E7%A4%BE%E5%8C%BA[^"]*page=2', html) or re.search(
        r'href="/partners/\?[^"]*page=2[^"]*q=%E7%A4%BE%E5%8C%BA', html
    )


# --- the form ------------------------------------------------------------------------------


def test_region_select_lists_only_regions_in_scope(client, auth, world):
    auth.login("head_a")
    html = client.get("/partners/new").get_data(as_text=True)
    assert "市南区" in html
    assert "湛山社区" in html
    assert "崂山区" not in html
    assert "港东村" not in html
    assert "崂山支行" not in html
    # Indented by depth below the head's district.
    assert "\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0湛山社区" in html


def test_staff_form_has_no_branch_field(client, auth, world):
    auth.login("staff_a")
    html = client.get("/partners/new").get_data(as_text=True)
    assert 'name="branch_id"' not in html
    assert "港东村" not in html


@pytest.mark.parametrize(("username", "which"), [("admin", "b"), ("head_a", "a"), ("staff_b", "b")])
def test_create_partner(app, client, auth, world, username, which):
    auth.login(username)
    response = client.post("/partners/new", data=valid_form(world, which, name="新阳光小学"))
    assert response.status_code == 302
    partner = find_partner(app, "新阳光小学")
    assert partner is not None
    assert response.headers["Location"].endswith(f"/partners/{partner.id}")
    assert partner.branch_id == (world.branch_a_id if which == "a" else world.branch_b_id)
    assert partner.kind is PartnerKind.SCHOOL
    assert partner.contact_phone == "0532-8000 0000"
    assert audit_actions(app, "partner", partner.id) == ["partner.create"]
    assert PARTNER_NAMES[which] not in client.get(f"/partners/{partner.id}").get_data(as_text=True)


def test_staff_posted_branch_is_ignored(app, client, auth, world):
    auth.login("staff_a")
    data = valid_form(world, "a", name="新小学", branch_id=str(world.branch_b_id))
    assert client.post("/partners/new", data=data).status_code == 302
    assert find_partner(app, "新小学").branch_id == world.branch_a_id

    before = stored(app, Partner, world.partner_a_id)
    edit = valid_form(
        world,
        "a",
        name=PARTNER_NAMES["a"],
        kind="residents_committee",
        branch_id=str(world.branch_b_id),
    )
    assert client.post(f"/partners/{world.partner_a_id}/edit", data=edit).status_code == 302
    after = stored(app, Partner, world.partner_a_id)
    assert after.branch_id == world.branch_a_id
    assert (after.name, after.kind, after.region_id) == (
        before.name,
        before.kind,
        before.region_id,
    )


FORGED = [
    # (user, field, value attribute on world or literal, message)
    ("head_a", "region_id", "district_b_id", "Choose a region in your area."),
    ("head_a", "region_id", "community_b_id", "Choose a region in your area."),
    ("staff_a", "region_id", "community_b_id", "Choose a region in your area."),
    ("staff_a", "region_id", "city_id", "Choose a region in your area."),
    ("head_a", "region_id", "999999", "Choose a region in your area."),
    ("head_a", "region_id", "abc", "Choose a region in your area."),
    ("head_a", "branch_id", "branch_b_id", "Choose a branch in your area."),
    ("head_a", "branch_id", "999999", "Choose a branch in your area."),
    ("head_a", "branch_id", "-3", "Choose a branch in your area."),
    ("staff_a", "kind", "bogus", "Choose a kind from the list."),
    ("admin", "kind", "SCHOOL", "Choose a kind from the list."),
    ("admin", "kind", "", "Choose a kind."),
]


def _forged_value(world, value: str) -> str:
    return str(getattr(world, value)) if hasattr(world, value) else value


@pytest.mark.parametrize(("username", "field", "value", "message"), FORGED)
def test_forged_values_are_refused_on_create(
    app, english, auth, world, username, field, value, message
):
    auth.login(username)
    data = valid_form(world, "a", name="伪造的机构", **{field: _forged_value(world, value)})
    response = english.post("/partners/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert find_partner(app, "伪造的机构") is None
    assert partner_count(app) == 2


@pytest.mark.parametrize(("username", "field", "value", "message"), FORGED)
def test_forged_values_are_refused_on_edit(
    app, english, auth, world, username, field, value, message
):
    auth.login(username)
    before = snapshot(app, Partner)
    data = valid_form(world, "a", name="改名", **{field: _forged_value(world, value)})
    response = english.post(f"/partners/{world.partner_a_id}/edit", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, Partner) == before
    assert audit_actions(app, "partner", world.partner_a_id) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the partner's name."),
        ({"name": "   "}, "Enter the partner's name."),
        ({"name": "\u200b\u202e\ufeff"}, "Enter the partner's name."),
        ({"name": "长" * 500}, "120"),
        ({"contact_phone": "call me"}, "Use digits, spaces, dashes, + and parentheses only."),
        ({"contact_phone": "----"}, "Use digits, spaces, dashes, + and parentheses only."),
        ({"contact_phone": "1" * 41}, "40"),
        ({"contact_phone": "<script>"}, "Use digits, spaces, dashes, + and parentheses only."),
        ({"notes": "注" * 10_000}, "2000"),
        ({"address": "路" * 201}, "200"),
        ({"contact_name": "名" * 81}, "80"),
        ({"region_id": ""}, "Choose a region in your area."),
    ],
)
def test_bad_input_is_refused(app, english, auth, world, changes, message):
    auth.login("admin")
    data = valid_form(world, "a", **{"name": "好名字", **changes})
    before_count = partner_count(app)
    response = english.post("/partners/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Please correct the marked fields." in html
    assert partner_count(app) == before_count

    before = snapshot(app, Partner)
    response = english.post(f"/partners/{world.partner_a_id}/edit", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, Partner) == before


def test_script_tags_are_escaped(app, client, auth, world):
    auth.login("admin")
    name = '<script>alert("x")</script>'
    data = valid_form(world, "a", name=name, notes="<img src=x onerror=alert(1)>")
    data["contact_name"] = "<b>bold</b>"
    assert client.post("/partners/new", data=data).status_code == 302
    partner = find_partner(app, name)
    assert partner is not None
    for path in ["/partners/", f"/partners/{partner.id}", f"/partners/{partner.id}/edit"]:
        html = client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>bold</b>" not in html


def test_invisible_characters_are_removed(app, client, auth, world):
    auth.login("admin")
    data = valid_form(
        world,
        "a",
        name="\u202e阳光\u200b小学\ufeff",
        contact_phone="０５３２－８０００ ００００",
        notes="第一行\r\n\u2067第二行",
    )
    assert client.post("/partners/new", data=data).status_code == 302
    partner = find_partner(app, "阳光小学")
    assert partner is not None
    assert partner.contact_phone == "0532-8000 0000"
    assert partner.notes == "第一行\n第二行"
    assert client.get(f"/partners/{partner.id}").status_code == 200


@pytest.mark.parametrize(
    "changes, status",
    [
        ({"name": "阳光小学\x00"}, 400),
        ({"notes": "第一行\x07"}, 200),
        ({"address": "\x1b[0m"}, 200),
    ],
)
def test_control_characters_are_refused(app, english, auth, world, changes, status):
    auth.login("admin")
    response = english.post("/partners/new", data=valid_form(world, "a", **changes))
    assert response.status_code == status
    if status == 200:
        assert "invisible characters" in response.get_data(as_text=True)
    assert find_partner(app, "阳光小学") is None and find_partner(app, "新合作机构") is None


def test_joiners_and_right_to_left_names_survive(app, client, auth, world):
    auth.login("admin")
    name = "مەكتەپ\u200cئۇيغۇر"  # Uyghur uses the zero-width non-joiner
    assert client.post("/partners/new", data=valid_form(world, "a", name=name)).status_code == 302
    assert find_partner(app, name) is not None


def test_edit_partner(app, english, auth, world):
    auth.login("head_a")
    page = english.get(f"/partners/{world.partner_a_id}/edit").get_data(as_text=True)
    assert PARTNER_NAMES["a"] in page
    data = valid_form(
        world, "a", name="湛山社区居委会（新）", kind="senior_home", notes="周三下午有空"
    )
    response = english.post(f"/partners/{world.partner_a_id}/edit", data=data)
    assert response.status_code == 302
    after = stored(app, Partner, world.partner_a_id)
    assert after.name == "湛山社区居委会（新）"
    assert after.kind is PartnerKind.SENIOR_HOME
    assert after.notes == "周三下午有空"
    assert audit_actions(app, "partner", world.partner_a_id) == ["partner.update"]
    with app.app_context():
        detail = json.loads(
            db.session.execute(
                select(AuditLog.detail).where(AuditLog.action == "partner.update")
            ).scalar_one()
        )
    assert detail["changes"]["name"] == [PARTNER_NAMES["a"], "湛山社区居委会（新）"]
    assert detail["notes_changed"] is True
    assert "周三下午有空" not in json.dumps(detail, ensure_ascii=False)


def test_saving_unchanged_partner_changes_nothing(app, english, auth, world):
    auth.login("staff_a")
    with app.app_context():
        p = db.session.get(Partner, world.partner_a_id)
        data = {
            "name": p.name,
            "kind": p.kind.value,
            "region_id": str(p.region_id),
            "address": p.address,
            "contact_name": p.contact_name,
            "contact_phone": p.contact_phone,
            "notes": p.notes,
        }
    response = english.post(
        f"/partners/{world.partner_a_id}/edit", data=data, follow_redirects=True
    )
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert audit_actions(app, "partner", world.partner_a_id) == []


def test_region_set_by_an_admin_outside_the_scope_may_stay(app, client, auth, world):
    with app.app_context():
        db.session.get(Partner, world.partner_a_id).region_id = world.community_b_id
        db.session.commit()
    auth.login("staff_a")
    html = client.get(f"/partners/{world.partner_a_id}/edit").get_data(as_text=True)
    assert "港东村" in html
    data = valid_form(world, "a", name="新名字", region_id=str(world.community_b_id))
    assert client.post(f"/partners/{world.partner_a_id}/edit", data=data).status_code == 302
    partner = stored(app, Partner, world.partner_a_id)
    assert (partner.name, partner.kind, partner.region_id) == (
        "新名字",
        PartnerKind.SCHOOL,
        world.community_b_id,
    )


# --- archive and restore ---------------------------------------------------------------------


def test_archive_and_restore(app, english, auth, world):
    auth.login("staff_a")
    pid = world.partner_a_id
    confirm = english.get(f"/partners/{pid}/archive")
    assert confirm.status_code == 200
    assert "Archive 湛山社区居委会?" in confirm.get_data(as_text=True)
    assert stored(app, Partner, pid).is_archived is False

    response = english.post(f"/partners/{pid}/archive", follow_redirects=True)
    assert "archived" in response.get_data(as_text=True)
    assert stored(app, Partner, pid).is_archived is True
    assert PARTNER_NAMES["a"] not in english.get("/partners/").get_data(as_text=True)
    archived_list = english.get("/partners/?archived=1").get_data(as_text=True)
    assert PARTNER_NAMES["a"] in archived_list
    assert "Archived" in archived_list

    detail = english.get(f"/partners/{pid}").get_data(as_text=True)
    assert f'action="/partners/{pid}/restore"' in detail
    # Archiving twice changes nothing and writes no second entry.
    english.post(f"/partners/{pid}/archive")
    assert english.get(f"/partners/{pid}/archive").status_code == 302

    assert english.post(f"/partners/{pid}/restore").status_code == 302
    assert stored(app, Partner, pid).is_archived is False
    assert PARTNER_NAMES["a"] in english.get("/partners/").get_data(as_text=True)
    assert audit_actions(app, "partner", pid) == ["partner.archive", "partner.restore"]


def test_restore_needs_post(client, auth, world):
    auth.login("admin")
    assert client.get(f"/partners/{world.partner_a_id}/restore").status_code == 405


def test_there_is_no_delete(client, auth, world):
    auth.login("admin")
    assert client.delete(f"/partners/{world.partner_a_id}").status_code == 405
    assert client.post(f"/partners/{world.partner_a_id}/delete").status_code == 404


# --- the partner page ------------------------------------------------------------------------


def test_partner_page_shows_events_and_last_visit(app, english, auth, world):
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        region = db.session.get(Region, world.community_a_id)
        partner = db.session.get(Partner, world.partner_a_id)
        make_event(
            "反诈讲座（已办）",
            branch,
            region,
            partner,
            datetime(2025, 3, 8, 9, 30),
            status=EventStatus.COMPLETED,
        )
        make_event(
            "更早的讲座",
            branch,
            region,
            partner,
            datetime(2024, 11, 2, 14, 0),
            status=EventStatus.COMPLETED,
        )
        make_event(
            "取消的讲座",
            branch,
            region,
            partner,
            datetime(2025, 6, 1, 9, 0),
            status=EventStatus.CANCELLED,
        )
        db.session.commit()
    auth.login("staff_a")
    html = english.get(f"/partners/{world.partner_a_id}").get_data(as_text=True)
    for title in ["湛山社区防诈讲座", "反诈讲座（已办）", "更早的讲座", "取消的讲座"]:
        assert title in html
    assert html.count('data-testid="event-row"') == 4
    last_visited = re.search(r'data-testid="last-visited">([^<]*)<', html).group(1)
    assert "2025" in last_visited
    assert "March" in last_visited
    assert "Planned" in html and "Completed" in html
    assert "4 events in all" in html


def test_partner_page_without_events(app, english, auth, world):
    with app.app_context():
        partner = make_partner(
            "新伙伴",
            db.session.get(Branch, world.branch_a_id),
            db.session.get(Region, world.community_a_id),
        )
        db.session.commit()
        pid = partner.id
    auth.login("admin")
    html = english.get(f"/partners/{pid}").get_data(as_text=True)
    assert "No events with this partner yet." in html
    assert "Not yet" in html


def test_partner_page_shows_latest_20_events_without_a_query_per_row(app, client, auth, world):
    def queries_for_page() -> int:
        with sql_statements(app) as statements:
            html = client.get(f"/partners/{world.partner_a_id}").get_data(as_text=True)
        return len(statements), html

    auth.login("admin")

    def add_events(n: int) -> None:
        with app.app_context():
            branch = db.session.get(Branch, world.branch_a_id)
            region = db.session.get(Region, world.community_a_id)
            partner = db.session.get(Partner, world.partner_a_id)
            for _ in range(n):
                make_event("讲座", branch, region, partner, groups=("seniors", "youth"))
            db.session.commit()

    add_events(2)
    few, _ = queries_for_page()
    add_events(25)
    many, html = queries_for_page()
    assert few == many
    assert html.count('data-testid="event-row"') == 20


def test_partner_page_lists_only_events_in_scope(app, client, auth, world):
    with app.app_context():
        # Branch B held an event with partner A: staff A must not see it, the admin does.
        make_event(
            "崂山支行的活动",
            db.session.get(Branch, world.branch_b_id),
            db.session.get(Region, world.community_b_id),
            db.session.get(Partner, world.partner_a_id),
        )
        db.session.commit()
    auth.login("staff_a")
    assert "崂山支行的活动" not in client.get(f"/partners/{world.partner_a_id}").get_data(
        as_text=True
    )
    auth.logout()
    auth.login("admin")
    assert "崂山支行的活动" in client.get(f"/partners/{world.partner_a_id}").get_data(as_text=True)
