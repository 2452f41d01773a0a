"""Region tree, region CSV import and branch administration (admin only)."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from outreach_app.audit.models import AuditLog
from outreach_app.core.roles import Role
from outreach_app.extensions import db
from outreach_app.regions.imports import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ExistingRegion,
    RegionSnapshot,
    load_region_snapshot,
    validate_region_csv,
)
from outreach_app.regions.models import Branch, BranchAccess, Region
from outreach_app.regions.tree import load_region_tree
from tests.factories import make_branch, make_user
from tests.helpers import PASSWORD, count, snapshot, sql_statements

HEADER = "division_code,name,name_en,parent_code,branch_access,is_rural"
WORLD_REGIONS = {
    "370200": "青岛市",
    "370202": "市南区",
    "370212": "崂山区",
    "370202001": "八大湖街道",
    "370212002": "王哥庄街道",
    "370202001001": "湛山社区",
    "370212002001": "港东村",
}


# --- helpers ---------------------------------------------------------------------------------


def csv_bytes(*lines: str, header: str = HEADER, bom: bool = False, encoding="utf-8") -> bytes:
    """A CSV file with ``header`` and ``lines``, as a spreadsheet program would save it."""
    data = "\r\n".join([header, *lines]).encode(encoding) + b"\r\n"
    return b"\xef\xbb\xbf" + data if bom else data


def upload(client, data: bytes, filename: str = "regions.csv"):
    return client.post(
        "/admin/regions/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def region(code: str) -> Region | None:
    return db.session.execute(
        select(Region).where(Region.division_code == code)
    ).scalar_one_or_none()


def region_named(name: str) -> Region | None:
    return db.session.execute(select(Region).where(Region.name == name)).scalar_one_or_none()


def audit(action: str) -> list[AuditLog]:
    return list(
        db.session.execute(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        ).scalars()
    )


def region_form(**overrides) -> dict:
    data = {
        "name": "新区域",
        "name_en": "",
        "parent_id": "",
        "division_code": "",
        "branch_access": "branch",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_form_for(app, region_id: int, **overrides) -> dict:
    """The edit form of a region as the browser would send it back, with ``overrides``."""
    with app.app_context():
        r = db.session.get(Region, region_id)
        data = {
            "name": r.name,
            "name_en": r.name_en or "",
            "parent_id": str(r.parent_id or ""),
            "division_code": r.division_code or "",
            "branch_access": r.branch_access.value,
        }
        if r.is_rural:
            data["is_rural"] = "y"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_only(app):
    """An administrator and nothing else: no regions, no branches."""
    with app.app_context():
        make_user("admin", Role.ADMIN, PASSWORD)
        db.session.commit()


# --- access ----------------------------------------------------------------------------------

PAGES = [
    ("get", "/admin/regions"),
    ("get", "/admin/regions?q=370202"),
    ("get", "/admin/regions/new"),
    ("post", "/admin/regions/new"),
    ("get", "/admin/regions/{city}/edit"),
    ("post", "/admin/regions/{city}/edit"),
    ("get", "/admin/regions/import"),
    ("post", "/admin/regions/import"),
    ("get", "/admin/regions/import/sample.csv"),
    ("get", "/admin/branches"),
    ("get", "/admin/branches/new"),
    ("post", "/admin/branches/new"),
    ("get", "/admin/branches/{branch}/edit"),
    ("post", "/admin/branches/{branch}/edit"),
]

HOSTILE_POST = {
    "name": "越权",
    "parent_id": "",
    "division_code": "370999",
    "branch_access": "none",
    "region_id": "1",
}


def _url(template: str, world) -> str:
    return template.format(city=world.city_id, branch=world.branch_a_id)


@pytest.mark.parametrize("username", ["staff_a", "head_a"])
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_staff_and_heads_get_403_and_change_nothing(
    app, client, auth, world, username, method, url
):
    before = snapshot(app, Region, Branch)
    auth.login(username)
    if method == "post":
        data = dict(HOSTILE_POST, file=(io.BytesIO(csv_bytes("370999,越权,,,branch,0")), "x.csv"))
        response = client.post(_url(url, world), data=data, content_type="multipart/form-data")
    else:
        response = client.get(_url(url, world))
    assert response.status_code == 403
    assert snapshot(app, Region, Branch) == before


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_is_sent_to_login(app, client, world, method, url):
    response = getattr(client, method)(_url(url, world))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/regions/999999/edit",
        "/admin/regions/new?parent=999999",
        "/admin/branches/999999/edit",
        "/admin/branches?region=999999",
        "/admin/branches?page=99",
    ],
)
def test_missing_ids_are_404(client, auth, world, url):
    auth.login("admin")
    assert client.get(url).status_code == 404


# Ids no database can hold (past 2**63 SQLite fails, past 2**31 - 1 PostgreSQL), and spellings
# that Python's int() would read ("+5", "1_0") but are not ids.
IDS_THAT_ARE_NOT = (str(2**63), str(2**63 + 5), str(2**31), "+5", "%2B5", "1_0", "05")


@pytest.mark.parametrize("value", IDS_THAT_ARE_NOT)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/regions/{}/edit"),
        ("post", "/admin/regions/{}/edit"),
        ("get", "/admin/branches/{}/edit"),
        ("post", "/admin/branches/{}/edit"),
        ("get", "/admin/regions/new?parent={}"),
        ("post", "/admin/regions/new?parent={}"),
        ("get", "/admin/branches?region={}"),
    ],
)
def test_ids_that_cannot_exist_are_404(client, auth, world, value, method, url):
    auth.login("admin")
    response = client.open(url.format(value), method=method.upper(), data=HOSTILE_POST)
    assert response.status_code == 404


@pytest.mark.parametrize("value", IDS_THAT_ARE_NOT)
def test_ids_that_cannot_exist_in_forms_are_refused(app, client, auth, world, value):
    """A posted parent or region id that names no region is the form's message, not a 500."""
    before = snapshot(app, Region, Branch)
    auth.login("admin")
    region = client.post("/admin/regions/new", data=dict(HOSTILE_POST, parent_id=value))
    branch = client.post("/admin/branches/new", data=dict(HOSTILE_POST, region_id=value))
    assert (region.status_code, branch.status_code) == (200, 200)
    assert snapshot(app, Region, Branch) == before


# --- the tree --------------------------------------------------------------------------------


def test_tree_shows_every_region_with_its_facts(client, auth, world, english):
    auth.login("admin")
    response = client.get("/admin/regions")
    assert response.status_code == 200
    page = html(response)
    for code, name in WORLD_REGIONS.items():
        assert name in page
        assert f'<span class="code">{code}</span>' in page
    assert page.count("<details") == 5  # city, two districts, two streets
    assert page.count('class="leaf"') == 2  # the two communities
    assert page.count("badge-access-none") == 1  # 港东村
    assert "District / county" in page and "Community / village" in page
    assert "2 branches" in page  # the city counts the branches below it
    for region_id in (world.city_id, world.district_a_id):
        assert f'href="/admin/regions/{region_id}/edit"' in page
        assert f'href="/admin/regions/new?parent={region_id}"' in page
    # Communities are the lowest level: no "add child" link for them.
    assert f"/admin/regions/new?parent={world.community_a_id}" not in page
    # Nesting follows the tree: each district is followed by its own street and community.
    order = [page.index(f'id="region-{rid}"') for rid in (world.city_id, world.district_a_id)]
    assert order == sorted(order)
    a, b = page.index(">市南区<"), page.index(">崂山区<")
    assert a < page.index(">八大湖街道<") < page.index(">湛山社区<") < b < page.index(">港东村<")


def test_tree_is_loaded_in_one_query_and_nested_in_python(app, world):
    with app.app_context():
        with sql_statements(app) as statements:
            tree = load_region_tree()
        assert len(statements) == 1
        assert len(tree) == 7
        (city,) = tree.roots
        assert [child.name for child in city.children] == ["市南区", "崂山区"]
        community = tree.by_id[world.community_b_id]
        assert community.ancestors == ("青岛市", "崂山区", "王哥庄街道")
        assert community.depth == 3
        assert (city.branch_count, city.subtree_branch_count) == (0, 2)


def test_tree_counts_only_active_branches(app, client, auth, world, english):
    with app.app_context():
        db.session.get(Branch, world.branch_b_id).is_active = False
        db.session.commit()
        tree = load_region_tree()
        assert tree.by_id[world.city_id].subtree_branch_count == 1


def test_empty_tree_offers_to_create_the_root_or_import(client, auth, admin_only, english):
    auth.login("admin")
    page = html(client.get("/admin/regions"))
    assert "There are no regions yet." in page
    assert 'href="/admin/regions/new"' in page
    assert 'href="/admin/regions/import"' in page
    assert "region-tree" not in page


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("湛山", ["湛山社区"], ["港东村", "王哥庄街道"]),
        ("370212002", ["王哥庄街道", "港东村"], ["湛山社区"]),
        ("３７０２１２００２", ["王哥庄街道", "港东村"], ["湛山社区"]),  # full-width digits
    ],
)
def test_search_shows_matches_with_their_ancestors(client, auth, world, query, found, not_found):
    auth.login("admin")
    page = html(client.get("/admin/regions", query_string={"q": query}))
    for name in found:
        assert f">{name}</a>" in page
    for name in not_found:
        assert f">{name}</a>" not in page
    assert "region-tree" not in page
    if "湛山社区" in found:
        assert "青岛市 › 市南区 › 八大湖街道" in page


def test_search_without_match_and_hostile_query(client, auth, world, english):
    auth.login("admin")
    page = html(client.get("/admin/regions", query_string={"q": "<script>x</script>"}))
    assert "No region has that name or code." in page
    assert "<script>x" not in page
    assert "&lt;script&gt;x" in page


def test_focus_opens_the_path_to_a_region(client, auth, world):
    auth.login("admin")
    page = html(client.get(f"/admin/regions?focus={world.community_b_id}"))
    opened = re.findall(
        r'<li id="region-(\d+)"[^>]*>\s*<div class="node-row">\s*<details open>', page
    )
    assert {int(i) for i in opened} >= {world.city_id, world.district_b_id}
    assert f'<li id="region-{world.community_b_id}" class="is-focus">' in page


# --- creating regions ------------------------------------------------------------------------


def test_create_root_region(app, client, auth, admin_only, english):
    auth.login("admin")
    response = client.post(
        "/admin/regions/new",
        data=region_form(name="烟台市", name_en="Yantai", division_code="370600", is_rural="y"),
    )
    assert response.status_code == 302
    with app.app_context():
        r = region("370600")
        assert (r.name, r.name_en, r.level, r.parent_id, r.is_rural) == (
            "烟台市",
            "Yantai",
            1,
            None,
            True,
        )
        assert r.path == f"/{r.id}/"
        assert f"focus={r.id}" in response.headers["Location"]
        (entry,) = audit("region.create")
        assert entry.object_id == r.id
        assert json.loads(entry.detail)["division_code"] == "370600"
    assert "Region 烟台市 created." in html(client.get(response.headers["Location"]))


def test_create_child_region_takes_level_and_path_from_parent(app, client, auth, world):
    auth.login("admin")
    form_page = html(client.get(f"/admin/regions/new?parent={world.district_a_id}"))
    assert f'<option selected value="{world.district_a_id}">' in form_page
    response = client.post(
        f"/admin/regions/new?parent={world.district_a_id}",
        data=region_form(
            name="金门路街道",
            parent_id=str(world.district_a_id),
            division_code="370202002",
            branch_access="hard_to_reach",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        child = region("370202002")
        district = db.session.get(Region, world.district_a_id)
        assert child.level == 3
        assert child.parent_id == district.id
        assert child.path == f"{district.path}{child.id}/"
        assert child.branch_access is BranchAccess.HARD_TO_REACH


def test_full_width_code_is_stored_as_ascii(app, client, auth, world):
    auth.login("admin")
    client.post("/admin/regions/new", data=region_form(name="烟台市", division_code="３７０６００"))
    with app.app_context():
        assert region("370600").name == "烟台市"


def test_no_fifth_level(app, client, auth, world, english):
    auth.login("admin")
    before = snapshot(app, Region)
    response = client.post(
        "/admin/regions/new",
        data=region_form(name="某小区", parent_id=str(world.community_a_id)),
    )
    assert response.status_code == 200
    assert "湛山社区 is a community or village, the lowest level" in html(response)
    assert snapshot(app, Region) == before


def test_duplicate_division_code_is_refused(app, client, auth, world, english):
    auth.login("admin")
    before = snapshot(app, Region)
    response = client.post(
        "/admin/regions/new",
        data=region_form(name="另一个区", parent_id=str(world.city_id), division_code="370202"),
    )
    assert response.status_code == 200
    assert "The division code 370202 is already used by 市南区." in html(response)
    assert snapshot(app, Region) == before


@pytest.mark.parametrize(
    "code",
    ["3702", "37020", "3702021", "37020200", "3702020011", "37020200100", "3702020010011"]
    + ["abcdef", "370 20", "37020a", "-37020", "٣٧٠٢٠٢"],  # the last: Arabic-Indic digits
)
def test_malformed_division_code_is_refused(app, client, auth, world, english, code):
    auth.login("admin")
    before = snapshot(app, Region)
    response = client.post(
        "/admin/regions/new",
        data=region_form(name="新区", parent_id=str(world.city_id), division_code=code),
    )
    assert response.status_code == 200
    assert "A division code has 6, 9 or 12 digits." in html(response)
    assert snapshot(app, Region) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "长" * 81}, "name"),
        ({"name_en": "x" * 121}, "name_en"),
        ({"branch_access": "everywhere"}, "branch_access"),
        ({"parent_id": "999999"}, "parent_id"),
        ({"parent_id": "abc"}, "parent_id"),
    ],
)
def test_bad_region_form_changes_nothing(app, client, auth, world, english, overrides, field):
    auth.login("admin")
    before = snapshot(app, Region)
    response = client.post("/admin/regions/new", data=region_form(**overrides))
    assert response.status_code == 200
    page = html(response)
    assert "Please correct the marked fields." in page
    assert f'id="{field}-error"' in page
    assert snapshot(app, Region) == before


# --- editing and moving regions --------------------------------------------------------------


def test_edit_region_fields_and_audit(app, client, auth, world):
    auth.login("admin")
    data = edit_form_for(
        app, world.community_b_id, name="港东村（新）", name_en="Gangdong", branch_access="branch"
    )
    response = client.post(f"/admin/regions/{world.community_b_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        r = db.session.get(Region, world.community_b_id)
        assert (r.name, r.name_en, r.branch_access, r.is_rural) == (
            "港东村（新）",
            "Gangdong",
            BranchAccess.BRANCH,
            True,
        )
        (entry,) = audit("region.update")
        changes = json.loads(entry.detail)["changes"]
        assert changes["name"] == ["港东村", "港东村（新）"]
        assert changes["branch_access"] == ["none", "branch"]
        assert "is_rural" not in changes


def test_edit_without_changes_writes_no_audit(app, client, auth, world, english):
    auth.login("admin")
    data = edit_form_for(app, world.district_a_id)
    response = client.post(f"/admin/regions/{world.district_a_id}/edit", data=data)
    assert response.status_code == 302
    assert "Nothing was changed." in html(client.get(response.headers["Location"]))
    with app.app_context():
        assert audit("region.update") == []


def test_edit_keeps_own_code_but_refuses_anothers(app, client, auth, world, english):
    auth.login("admin")
    before = snapshot(app, Region)
    data = edit_form_for(app, world.district_a_id, division_code="370212")
    response = client.post(f"/admin/regions/{world.district_a_id}/edit", data=data)
    assert response.status_code == 200
    assert "already used by 崂山区" in html(response)
    assert snapshot(app, Region) == before


def test_move_region_rewrites_the_paths_of_its_subtree(app, client, auth, world):
    auth.login("admin")
    with app.app_context():
        street_id = region("370202001").id
    data = edit_form_for(app, street_id, parent_id=str(world.district_b_id))
    response = client.post(f"/admin/regions/{street_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        street = db.session.get(Region, street_id)
        district_b = db.session.get(Region, world.district_b_id)
        community = db.session.get(Region, world.community_a_id)
        assert street.parent_id == district_b.id
        assert street.path == f"{district_b.path}{street.id}/"
        assert community.path == f"{street.path}{community.id}/"
        assert (street.level, community.level) == (3, 4)
        # The branch in the street now counts towards district B.
        tree = load_region_tree()
        assert tree.by_id[world.district_a_id].subtree_branch_count == 0
        assert tree.by_id[world.district_b_id].subtree_branch_count == 2
        (entry,) = audit("region.update")
        assert json.loads(entry.detail)["changes"]["parent_id"] == [
            world.district_a_id,
            world.district_b_id,
        ]


@pytest.mark.parametrize("target", ["itself", "street", "community"])
def test_refuse_move_under_itself_or_a_descendant(app, client, auth, world, english, target):
    auth.login("admin")
    with app.app_context():
        targets = {
            "itself": world.district_a_id,
            "street": region("370202001").id,
            "community": world.community_a_id,
        }
    before = snapshot(app, Region)
    data = edit_form_for(app, world.district_a_id, parent_id=str(targets[target]))
    response = client.post(f"/admin/regions/{world.district_a_id}/edit", data=data)
    assert response.status_code == 200
    assert "cannot move under itself or one of its own sub-regions" in html(response)
    assert snapshot(app, Region) == before


@pytest.mark.parametrize(
    ("moved", "new_parent"),
    [
        ("street_a", "city"),  # a street would become a district
        ("street_a", "community_b"),  # a street would become level 5
        ("district_b", "root"),  # a district would become a city
        ("district_b", "street_a"),  # a district would become a community
    ],
)
def test_refuse_move_that_changes_the_level(app, client, auth, world, english, moved, new_parent):
    auth.login("admin")
    with app.app_context():
        ids = {
            "city": world.city_id,
            "street_a": region("370202001").id,
            "district_b": world.district_b_id,
            "community_b": world.community_b_id,
            "root": "",
        }
    before = snapshot(app, Region)
    data = edit_form_for(app, ids[moved], parent_id=str(ids[new_parent]))
    response = client.post(f"/admin/regions/{ids[moved]}/edit", data=data)
    assert response.status_code == 200
    assert "would change its level" in html(response)
    assert snapshot(app, Region) == before


def test_edit_form_only_offers_parents_on_the_right_level(client, auth, world):
    auth.login("admin")
    page = html(client.get(f"/admin/regions/{world.community_a_id}/edit"))
    with_street = re.search(r"<option ([^>]*)>\s*(?:\xa0)*王哥庄街道", page).group(1)
    with_district = re.search(r"<option ([^>]*)>\s*(?:\xa0)*崂山区", page).group(1)
    assert "disabled" not in with_street
    assert "disabled" in with_district


# --- CSV import ------------------------------------------------------------------------------

GOOD_IMPORT = [
    "370200,青岛市,,,branch,0",  # unchanged
    "370203,市北区,Shibei,370200,branch,0",  # new, under an existing region
    "370203010,台东街道,,370203,branch,0",  # new, under an earlier line
    "370203010001,台东社区,,370203010,hard_to_reach,1",  # new, two levels down in the file
    "370212002001,港东村（更新）,Gangdong,370212002,hard_to_reach,1",  # updated fields
    "370202001,八大湖街道,,370203,branch,0",  # moved to the new district, same level
]


def test_import_good_file_creates_updates_and_moves(app, client, auth, world, english):
    auth.login("admin")
    with app.app_context():
        before = count(app, Region)
    response = upload(client, csv_bytes(*GOOD_IMPORT))
    assert response.status_code == 302
    follow = html(client.get(response.headers["Location"]))
    assert "Import finished: 3 created, 2 updated, 1 unchanged." in follow
    with app.app_context():
        assert count(app, Region) == before + 3
        shibei = region("370203")
        street = region("370203010")
        community = region("370203010001")
        assert (shibei.level, street.level, community.level) == (2, 3, 4)
        assert community.path == f"{shibei.path}{street.id}/{community.id}/"
        assert community.branch_access is BranchAccess.HARD_TO_REACH and community.is_rural
        gangdong = region("370212002001")
        assert (gangdong.name, gangdong.name_en, gangdong.branch_access) == (
            "港东村（更新）",
            "Gangdong",
            BranchAccess.HARD_TO_REACH,
        )
        moved = region("370202001")
        assert moved.parent_id == shibei.id
        assert region("370202001001").path == f"{shibei.path}{moved.id}/{world.community_a_id}/"
        assert len(audit("region.create")) == 3
        assert len(audit("region.update")) == 2
        (summary,) = audit("region.import")
        assert json.loads(summary.detail) == {"created": 3, "updated": 2, "unchanged": 1}


def test_import_with_bom_and_quoted_fields(app, client, auth, admin_only, english):
    auth.login("admin")
    data = csv_bytes(
        '370600,"烟台市","Yantai, Shandong",,"none",是',
        "３７０６０２,芝罘区,,370600,,",
        bom=True,
    )
    response = upload(client, data)
    assert response.status_code == 302
    with app.app_context():
        yantai = region("370600")
        assert (yantai.name_en, yantai.branch_access, yantai.is_rural) == (
            "Yantai, Shandong",
            BranchAccess.NONE,
            True,
        )
        assert region("370602").parent_id == yantai.id
        assert region("370602").branch_access is BranchAccess.BRANCH


BAD_IMPORT = [
    "370600,烟台市,,,branch,0",  # line 2: good, but must not be imported either
    "370602,,,370600,branch,0",  # 3: missing name
    "3706,芝罘区,,370600,branch,0",  # 4: bad code
    "370600,烟台市重复,,,branch,0",  # 5: duplicate code in the file
    "370611,福山区,,999999,branch,0",  # 6: unknown parent
    "370612,牟平区,,370600,sometimes,0",  # 7: unknown branch_access
    "370613,莱山区,,370600,branch,maybe",  # 8: bad boolean
    "370202001099,某小区,,370202001001,branch,0",  # 9: too deep (under a community)
    "370614,海阳市",  # 10: too few fields
    "370202,市南区,,370202001,branch,0",  # 11: moves under its own street
    "370212002,王哥庄街道,,370200,branch,1",  # 12: would become a district
]

BAD_IMPORT_PROBLEMS = {
    (3, "name"): "The name is missing.",
    (4, "division_code"): "A division code has 6, 9 or 12 digits.",
    (5, "division_code"): "This division code is also on line 2.",
    (6, "parent_code"): "No region has this division code",
    (7, "branch_access"): "Use branch, hard_to_reach or none",
    (8, "is_rural"): "Use 1 for rural",
    (9, "parent_code"): "Too deep: this region would be on level 5",
    (10, ""): "This line has 2 fields; it needs 6.",
    (11, "parent_code"): "cannot move under itself",
    (12, "parent_code"): "would change the region's level from Street / township to District",
}


def test_import_bad_file_reports_every_bad_line_and_imports_nothing(
    app, client, auth, world, english
):
    auth.login("admin")
    before = snapshot(app, Region)
    response = upload(client, csv_bytes(*BAD_IMPORT))
    assert response.status_code == 200
    page = html(response)
    assert "Nothing was imported" in page
    assert f"The file has {len(BAD_IMPORT_PROBLEMS)} problems." in page
    report_rows = re.findall(
        r'<tr>\s*<td class="text-nowrap">(\d+)</td>.*?<td><code>(\w*)</code></td>'
        r'.*?<td class="cell-problem">([^<]*)</td>',
        page,
        re.S,
    )
    found = {(int(line), column): message for line, column, message in report_rows}
    assert set(found) == set(BAD_IMPORT_PROBLEMS)
    for key, fragment in BAD_IMPORT_PROBLEMS.items():
        assert fragment in found[key].replace("&#39;", "'")
    assert snapshot(app, Region) == before
    with app.app_context():
        assert audit("region.import") == []


WRONG_HEADER = "The first line must be exactly"
NOT_UTF8 = "The file is not UTF-8 text."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            csv_bytes("370600,烟台市,,,branch,0", header="code,name,name_en,parent,access,rural"),
            WRONG_HEADER,
            id="renamed-columns",
        ),
        pytest.param(
            csv_bytes("370600,烟台市,,,branch", header=HEADER.rsplit(",", 1)[0]),
            WRONG_HEADER,
            id="missing-column",
        ),
        pytest.param(
            csv_bytes("370600,烟台市,,,branch,0,x", header=HEADER + ",extra"),
            WRONG_HEADER,
            id="extra-column",
        ),
        pytest.param("370600,烟台市,,,branch,0\r\n".encode(), WRONG_HEADER, id="no-header"),
        pytest.param(csv_bytes("370600,烟台市,,,branch,0", encoding="gbk"), NOT_UTF8, id="gbk"),
        pytest.param(b"\xff\xfe" + HEADER.encode("utf-16-le"), NOT_UTF8, id="utf-16"),
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"\xef\xbb\xbf \r\n", "The file is empty.", id="bom-only"),
        pytest.param(csv_bytes(), "The file has no regions below the header", id="header-only"),
        pytest.param(csv_bytes("370600,烟\x00台市,,,branch,0"), "NUL characters", id="nul"),
        pytest.param(
            csv_bytes('370600,"烟台市,,,branch,0'), "This line is not valid CSV", id="bad-quote"
        ),
    ],
)
def test_import_refuses_unreadable_files(app, client, auth, world, english, data, message):
    auth.login("admin")
    before = snapshot(app, Region)
    response = upload(client, data)
    assert response.status_code == 200
    page = html(response)
    assert "Nothing was imported" in page
    assert message in page
    assert snapshot(app, Region) == before


def test_import_refuses_a_file_that_is_too_large(app, client, auth, world, english):
    auth.login("admin")
    before = snapshot(app, Region)
    line = "370600,烟台市,,,branch,0\r\n".encode()
    data = csv_bytes() + line * (MAX_IMPORT_BYTES // len(line) + 1)
    # Encoded in memory: the test client would otherwise leave a temporary file open.
    upload_file = FileStorage(io.BytesIO(data), filename="big.csv", content_type="text/csv")
    boundary, body = encode_multipart({"file": upload_file})
    response = client.post(
        "/admin/regions/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert "The file is larger than 2 MB." in html(response)
    assert snapshot(app, Region) == before


def test_import_without_file(client, auth, world, english):
    auth.login("admin")
    response = client.post("/admin/regions/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Choose a CSV file to upload." in html(response)


def test_import_report_escapes_names(app, client, auth, world, english):
    auth.login("admin")
    hostile = "<script>alert(1)</script>"
    response = upload(client, csv_bytes(f"37,{hostile},,,branch,0", f"370601,{hostile}x,,,x,0"))
    page = html(response)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_imported_hostile_names_are_escaped_in_the_tree(app, client, auth, world):
    auth.login("admin")
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    name = hostile[:80]
    data = csv_bytes(f'370600,"{name.replace(chr(34), chr(34) * 2)}",,,branch,0')
    assert upload(client, data).status_code == 302
    for url in ("/admin/regions", "/admin/regions?q=script", "/admin/branches"):
        page = html(client.get(url))
        assert "<script>alert(1)" not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(client.get("/admin/regions"))


def test_sample_csv_downloads_and_imports_into_an_empty_tree(app, client, auth, admin_only):
    auth.login("admin")
    response = client.get("/admin/regions/import/sample.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    first = upload(client, response.data, "regions-sample.csv")
    assert first.status_code == 302
    with app.app_context():
        assert count(app, Region) == 7
        assert region("370212002001").level == 4
        assert region("370212002001").branch_access is BranchAccess.NONE
    # Importing the same file again changes nothing.
    before = snapshot(app, Region)
    client.set_cookie("outreach_lang", "en")
    second = upload(client, response.data)
    assert "0 created, 0 updated, 7 unchanged" in html(client.get(second.headers["Location"]))
    assert snapshot(app, Region) == before


# The checks themselves are a pure function of the file and a snapshot of the tree.

SNAPSHOT = RegionSnapshot(
    by_id={
        1: ExistingRegion(1, None, 1, "/1/", "370200", "青岛市", None, BranchAccess.BRANCH, False),
        2: ExistingRegion(2, 1, 2, "/1/2/", None, "无代码区", None, BranchAccess.BRANCH, False),
        3: ExistingRegion(3, 2, 3, "/1/2/3/", "370299001", "街道", None, BranchAccess.NONE, True),
    },
    by_code={},
)
SNAPSHOT = RegionSnapshot(
    by_id=SNAPSHOT.by_id,
    by_code={r.division_code: r for r in SNAPSHOT.by_id.values() if r.division_code},
)


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("370201,,,370200,branch,0", "name", "The name is missing."),
        ("370201," + "名" * 81 + ",,370200,branch,0", "name", "longer than 80"),
        ("370201,区," + "e" * 121 + ",370200,branch,0", "name_en", "longer than 120"),
        (",区,,370200,branch,0", "division_code", "The division code is missing."),
        ("37020１x,区,,370200,branch,0", "division_code", "6, 9 or 12 digits"),
        ("370201,区,,370201,branch,0", "parent_code", "cannot be its own parent"),
        ("370201,区,,370299,branch,0", "parent_code", "No region has this division code"),
        ("370201,区,,370200,Branch Office,0", "branch_access", "Use branch"),
        ("370201,区,,370200,branch,2", "is_rural", "Use 1 for rural"),
        ("370299001,街道,,,none,1", "parent_code", "Its current parent 无代码区 has no"),
        ("370299001,街道,,370200,none,1", "parent_code", "from Street / township to District"),
    ],
)
def test_validate_region_csv_finds_the_bad_cell(line, column, fragment):
    report = validate_region_csv(csv_bytes(line), SNAPSHOT)
    assert not report.ok
    assert report.rows == []
    (problem,) = report.problems
    assert (problem.line, problem.column) == (2, column)
    assert fragment in problem.message


def test_validate_region_csv_plans_creates_updates_and_unchanged():
    report = validate_region_csv(
        csv_bytes(
            "370200,青岛市,,,branch,0",
            "370201,新区,,370200,,",
            "370201001,新街道,,370201,,",
            "370299001,街道,Jiedao,,none,1",
        )[: -len("370299001,街道,Jiedao,,none,1\r\n".encode())],
        SNAPSHOT,
    )
    assert report.ok, report.problems
    assert (report.create_count, report.update_count, report.unchanged_count) == (2, 0, 1)
    assert [row.line for row in report.rows] == [2, 3, 4]
    changed = validate_region_csv(csv_bytes("370200,青岛,,,branch,0"), SNAPSHOT)
    assert (changed.create_count, changed.update_count, changed.unchanged_count) == (0, 1, 0)


def test_validate_region_csv_limits_the_number_of_rows():
    lines = [f"{370201 + i:06d},区{i},,370200,branch,0" for i in range(MAX_IMPORT_ROWS)]
    assert validate_region_csv(csv_bytes(*lines[: MAX_IMPORT_ROWS - 1]), SNAPSHOT).ok
    many = lines + ["999999,多一行,,370200,branch,0"]
    report = validate_region_csv(csv_bytes(*many), SNAPSHOT)
    (problem,) = report.problems
    assert problem.line == 0
    assert f"more than {MAX_IMPORT_ROWS} regions" in problem.message


def test_validate_region_csv_parents_must_come_first():
    report = validate_region_csv(
        csv_bytes("370201001,街道,,370201,branch,0", "370201,区,,370200,branch,0"), SNAPSHOT
    )
    (problem,) = report.problems
    assert (problem.line, problem.column) == (2, "parent_code")
    assert "earlier line" in problem.message


def test_snapshot_matches_the_database(app, world):
    with app.app_context():
        snapshot = load_region_snapshot()
        assert set(snapshot.by_code) == set(WORLD_REGIONS)
        assert snapshot.by_code["370202001001"].level == 4


# --- branches --------------------------------------------------------------------------------


def branch_form(**overrides) -> dict:
    data = {
        "name": "新网点",
        "region_id": "",
        "address": "某路1号",
        "phone": "0532-1",
        "is_active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def branch_names(page: str) -> list[str]:
    return re.findall(r'<td class="cell-name fw-semibold">([^<]*)</td>', page)


def test_branch_list_shows_branches_with_region_and_status(app, client, auth, world, english):
    with app.app_context():
        db.session.get(Branch, world.branch_b_id).is_active = False
        db.session.commit()
    auth.login("admin")
    page = html(client.get("/admin/branches"))
    assert branch_names(page) == ["崂山支行", "市南支行"]
    assert "八大湖街道" in page and "青岛市 › 市南区" in page
    assert page.count(">Active</span>") == 1
    assert page.count(">Inactive</span>") == 1
    assert f'href="/admin/branches/{world.branch_a_id}/edit"' in page


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"q": "市南"}, ["市南支行"]),
        ({"q": "香港中路"}, ["市南支行"]),  # by address
        ({"q": "%"}, []),  # LIKE wildcards are literal
        ({"region": "city"}, ["崂山支行", "市南支行"]),
        ({"region": "district_a"}, ["市南支行"]),
        ({"region": "community_a"}, []),
        ({"status": "inactive"}, ["崂山支行"]),
        ({"status": "active", "region": "district_b"}, []),
    ],
)
def test_branch_list_search_and_filters(app, client, auth, world, args, expected):
    with app.app_context():
        db.session.get(Branch, world.branch_a_id).address = "香港中路8号"
        db.session.get(Branch, world.branch_b_id).is_active = False
        db.session.commit()
    ids = {"city": world.city_id, "district_a": world.district_a_id}
    ids |= {"district_b": world.district_b_id, "community_a": world.community_a_id}
    if "region" in args:
        args = dict(args, region=ids[args["region"]])
    auth.login("admin")
    response = client.get("/admin/branches", query_string=args)
    assert response.status_code == 200
    assert branch_names(html(response)) == expected


def test_branch_list_empty_states(app, client, auth, admin_only, english):
    auth.login("admin")
    assert "There are no branches yet." in html(client.get("/admin/branches"))
    page = html(client.get("/admin/branches?q=nothing"))
    assert "No branch matches these filters." in page


def test_branch_list_pagination(app, client, auth, world, english):
    with app.app_context():
        street = region("370202001")
        for i in range(30):
            make_branch(f"网点{i:02d}", street)
        db.session.commit()
    auth.login("admin")
    first = html(client.get("/admin/branches"))
    assert len(branch_names(first)) == 25
    assert "32 in all, page 1 of 2" in first
    assert "page=2" in first
    second = html(client.get("/admin/branches?page=2"))
    assert len(branch_names(second)) == 7
    assert set(branch_names(first)).isdisjoint(branch_names(second))
    filtered = html(client.get(f"/admin/branches?region={world.district_a_id}&page=2"))
    assert len(branch_names(filtered)) == 6  # 31 in district A: 市南支行 and the 30 new ones
    assert f"region={world.district_a_id}" in filtered  # the page links keep the filter


def test_create_branch(app, client, auth, world, english):
    auth.login("admin")
    response = client.post(
        "/admin/branches/new",
        data=branch_form(name="湛山分理处", region_id=str(world.community_a_id)),
    )
    assert response.status_code == 302
    assert "Branch 湛山分理处 created." in html(client.get(response.headers["Location"]))
    with app.app_context():
        branch = db.session.execute(select(Branch).where(Branch.name == "湛山分理处")).scalar_one()
        assert (branch.region_id, branch.address, branch.phone, branch.is_active) == (
            world.community_a_id,
            "某路1号",
            "0532-1",
            True,
        )
        (entry,) = audit("branch.create")
        assert entry.object_id == branch.id


def test_edit_branch_moves_and_deactivates(app, client, auth, world):
    auth.login("admin")
    data = branch_form(name="市南支行", region_id=str(world.community_a_id), is_active=None)
    response = client.post(f"/admin/branches/{world.branch_a_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        assert (branch.region_id, branch.is_active) == (world.community_a_id, False)
        (entry,) = audit("branch.deactivate")
        assert json.loads(entry.detail)["changes"]["is_active"] == [True, False]
        assert count(app, Branch) == 2  # deactivated, not deleted


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/admin/branches/new", "市南支行"),
        ("/admin/branches/new", " 市南支行 "),
        ("edit_b", "市南支行"),
    ],
)
def test_duplicate_branch_name_is_refused(app, client, auth, world, english, url, name):
    auth.login("admin")
    before = snapshot(app, Branch)
    if url == "edit_b":
        url = f"/admin/branches/{world.branch_b_id}/edit"
    response = client.post(url, data=branch_form(name=name, region_id=str(world.city_id)))
    assert response.status_code == 200
    assert "Another branch is already called 市南支行." in html(response)
    assert snapshot(app, Branch) == before


def test_branch_names_differing_only_in_case_clash(app, client, auth, world, english):
    with app.app_context():
        make_branch("Laoshan Sub-branch", db.session.get(Region, world.city_id))
        db.session.commit()
    auth.login("admin")
    response = client.post(
        "/admin/branches/new",
        data=branch_form(name="laoshan sub-branch", region_id=str(world.city_id)),
    )
    assert "Another branch is already called laoshan sub-branch." in html(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "网" * 121}, "name"),
        ({"region_id": ""}, "region_id"),
        ({"region_id": "999999"}, "region_id"),
        ({"address": "址" * 201}, "address"),
        ({"phone": "1" * 41}, "phone"),
    ],
)
def test_bad_branch_form_changes_nothing(app, client, auth, world, english, overrides, field):
    auth.login("admin")
    before = snapshot(app, Branch)
    data = branch_form(**{"region_id": str(world.city_id), **overrides})
    response = client.post("/admin/branches/new", data=data)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html(response)
    assert snapshot(app, Branch) == before


def test_branch_edit_form_is_filled_in(client, auth, world):
    auth.login("admin")
    page = html(client.get(f"/admin/branches/{world.branch_b_id}/edit"))
    assert 'value="崂山支行"' in page
    assert re.search(r'<option selected value="\d+">(?:\xa0)*王哥庄街道', page)
    assert re.search(r'<input [^>]*checked[^>]*name="is_active"', page)
