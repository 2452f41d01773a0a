"""Online and media reach: items on the event page and a branch's own, every check of the
form, scope on every route, the safe link, and the coverage figures they add up to."""

from __future__ import annotations

import io
import subprocess
import threading
from datetime import date, timedelta
from html import unescape

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import func, select

from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.coverage import figures, rollups
from outreach_app.coverage.models import CoverageRollup
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.reach.models import ReachItem, ReachKind
from outreach_app.regions.models import Branch, Region
from tests.coverage_data import (
    assert_consistent,
    expected_report,
    local_today,
    twelve_months,
)
from tests.factories import add_event, make_user
from tests.helpers import audit_actions
from tests.locking import (
    HANG_GUARD_SECONDS,
    backend_pid,
    postgres_only,
    wait_until_blocked,
)

TODAY = local_today


def _form(**changes) -> dict[str, str]:
    data = {
        "kind": ReachKind.WECHAT_ARTICLE.value,
        "outlet": "青岛银行公众号",
        "title": "守好钱袋子 湛山社区防诈讲座",
        "published_on": TODAY().isoformat(),
        "url": "https://mp.weixin.qq.com/s/AbC123",
        "reads": "1200",
        "forwards": "85",
        "event_id": "",
    }
    data.update(changes)
    return data


def _items(app) -> list[ReachItem]:
    with app.app_context():
        items = list(db.session.scalars(select(ReachItem).order_by(ReachItem.id)))
        db.session.expunge_all()
        return items


def _only_item(app) -> ReachItem:
    items = _items(app)
    assert len(items) == 1
    return items[0]


def _consistent(app) -> None:
    with app.app_context():
        assert_consistent()


def _rollup_total(app, name: str, **where) -> int:
    with app.app_context():
        stmt = select(func.coalesce(func.sum(getattr(CoverageRollup, name)), 0)).where(
            CoverageRollup.subtree.is_(False), CoverageRollup.dim == figures.DIM_ALL
        )
        for column, value in where.items():
            stmt = stmt.where(getattr(CoverageRollup, column) == value)
        return db.session.execute(stmt).scalar_one()


# --- the event panel and the item's life -----------------------------------------------------


def test_an_item_of_an_event_is_added_changed_moved_and_removed(app, client, auth, world):
    auth.login("staff_a")
    page = client.get(f"/events/{world.event_a_id}")
    panel = lxml_html.fromstring(page.data).xpath("//*[@data-testid='reach-panel']")
    assert panel and "reach-add" in page.get_data(as_text=True)

    at_event = {"event_id": str(world.event_a_id)}
    response = client.post(f"/events/{world.event_a_id}/reach/new", data=_form(**at_event))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{world.event_a_id}#reach")
    item = _only_item(app)
    assert (item.event_id, item.branch_id, item.reads, item.forwards) == (
        world.event_a_id,
        world.branch_a_id,
        1200,
        85,
    )
    _consistent(app)
    assert _rollup_total(app, "online_reads") == 1200
    assert _rollup_total(app, "media_reports", kind="community") == 1

    page = client.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert "青岛银行公众号" in page and "1,200" in page

    # Reads grow; then the item turns out to be the branch's own, not the event's.
    response = client.post(
        f"/reach/{item.id}/edit", data=_form(reads="1500", forwards="", **at_event)
    )
    assert response.status_code == 302
    _consistent(app)
    assert _rollup_total(app, "online_reads") == 1500
    assert _rollup_total(app, "online_forwards") == 0
    client.post(f"/reach/{item.id}/edit", data=_form(reads="1500"))
    _consistent(app)
    assert _rollup_total(app, "online_reads", kind=figures.EVENTLESS_KIND) == 1500
    assert _rollup_total(app, "media_reports", kind="community") == 0
    assert _only_item(app).event_id is None
    # And back to the event, in another month.
    earlier = (TODAY().replace(day=1) - timedelta(days=3)).isoformat()
    client.post(
        f"/reach/{item.id}/edit",
        data=_form(reads="1500", event_id=str(world.event_a_id), published_on=earlier),
    )
    _consistent(app)
    assert _rollup_total(app, "online_reads", kind=figures.EVENTLESS_KIND) == 0
    assert _rollup_total(app, "online_reads", kind="community") == 1500

    confirm = client.get(f"/reach/{item.id}/remove")
    assert confirm.status_code == 200 and "reach-remove-form" in confirm.get_data(as_text=True)
    assert len(_items(app)) == 1  # asking removes nothing
    response = client.post(f"/reach/{item.id}/remove")
    assert response.status_code == 302
    assert _items(app) == []
    _consistent(app)
    assert _rollup_total(app, "media_reports") == 0
    assert audit_actions(app, "reach_item", item.id) == [
        "reach_item.create",
        "reach_item.update",
        "reach_item.update",
        "reach_item.update",
        "reach_item.delete",
    ]


def test_an_event_less_item_counts_under_its_branch_and_month(app, client, auth, world):
    auth.login("staff_a")
    day = date(2026, 3, 9)
    response = client.post(
        "/reach/new",
        data=_form(
            kind="newspaper",
            outlet="青岛日报",
            url="",
            reads="",
            forwards="",
            published_on=day.isoformat(),
        ),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/reach/")
    item = _only_item(app)
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        assert (item.event_id, item.region_id) == (None, branch.region_id)
    _consistent(app)
    assert (
        _rollup_total(
            app,
            "media_reports",
            kind="",
            month=202603,
            region_id=item.region_id,
            branch_id=world.branch_a_id,
        )
        == 1
    )
    # Another day of the same item, moved to another month.
    client.post(
        f"/reach/{item.id}/edit",
        data=_form(
            kind="newspaper",
            outlet="青岛日报",
            url="",
            reads="",
            forwards="",
            published_on="2026-04-01",
        ),
    )
    _consistent(app)
    assert _rollup_total(app, "media_reports", month=202603) == 0
    assert _rollup_total(app, "media_reports", month=202604) == 1


def test_a_cancelled_events_items_count_nowhere(app, client, auth, world):
    auth.login("staff_a")
    client.post(f"/events/{world.event_a_id}/reach/new", data=_form(event_id=str(world.event_a_id)))
    with app.app_context():
        db.session.get(Event, world.event_a_id).status = EventStatus.CANCELLED
        db.session.commit()
    _consistent(app)
    assert _rollup_total(app, "online_reads") == 0
    # A cancelled event is offered no more and cannot be chosen.
    response = client.post("/reach/new", data=_form(event_id=str(world.event_a_id)))
    assert response.status_code == 200 and len(_items(app)) == 1


# --- the list of a branch's items -------------------------------------------------------------


def test_list_filters_paginates_and_says_when_empty(app, client, auth, english, world):
    auth.login("staff_a")
    empty = client.get("/reach/").get_data(as_text=True)
    assert "No articles or reports yet" in empty
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        for n in range(30):
            db.session.add(
                ReachItem(
                    kind=ReachKind.NEWSPAPER if n % 3 else ReachKind.WECHAT_ARTICLE,
                    outlet=f"报刊{n}",
                    published_on=date(2026, 1 + n % 2, 1 + n % 28),
                    branch=branch,
                    region_id=branch.region_id,
                    reads=n,
                )
            )
        db.session.commit()
    tree = lxml_html.fromstring(client.get("/reach/").data)
    assert len(tree.xpath("//*[@data-testid='reach-item']")) == 25
    assert (
        len(
            lxml_html.fromstring(client.get("/reach/?page=2").data).xpath(
                "//*[@data-testid='reach-item']"
            )
        )
        == 5
    )
    wechat = lxml_html.fromstring(client.get("/reach/?kind=wechat_article").data)
    assert len(wechat.xpath("//*[@data-testid='reach-item']")) == 10
    january = lxml_html.fromstring(client.get("/reach/?month=2026-01").data)
    assert len(january.xpath("//*[@data-testid='reach-item']")) == 15
    none = client.get("/reach/?month=1999-01").get_data(as_text=True)
    assert "No articles or reports match these filters." in none
    # Unreadable filters are ignored, never an error.
    for args in (
        "month=2026-13",
        "month=x",
        "page=99999999999999999999",
        "branch=99999999999999999999",
    ):
        assert client.get(f"/reach/?{args}").status_code == 200, args
    nav = lxml_html.fromstring(client.get("/").data).xpath("//*[@data-testid='nav']//a/@href")
    assert "/reach/" in nav


def test_heads_choose_a_branch_in_their_region(app, client, auth, world):
    auth.login("head_a")
    response = client.post("/reach/new", data=_form(branch_id=str(world.branch_b_id)))
    assert response.status_code == 200 and _items(app) == []
    response = client.post("/reach/new", data=_form(branch_id=str(world.branch_a_id)))
    assert response.status_code == 302
    assert _only_item(app).branch_id == world.branch_a_id
    _consistent(app)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("javascript:alert(1)", "http:// or https://"),
        ("JavaScript:alert(1)//http://x.cn", "http:// or https://"),
        ("data:text/html,<script>alert(1)</script>", "cannot contain"),
        ("data:text/html;base64,PHNjcmlwdD4=", "http:// or https://"),
        ("ftp://example.com/a", "http:// or https://"),
        ("http://", "the site's name"),
        ("https:///path", "the site's name"),
        ("http:example.com", "http:// or https://"),
        ("example.com/a", "http:// or https://"),
        ("https://exa mple.com/", "no spaces"),
        ("https://example.com/a b", "no spaces"),
        ("https://example.com/\u202egnp.exe", "no spaces"),
        ("https://example.com/\u200b", "no spaces"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://example.com:99x/", "the site's name"),
        ("https://localhost/", "the site's name"),
        ('https://example.com/"onmouseover="alert(1)', "cannot contain"),
        ("https://example.com/<b>", "cannot contain"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_bad_addresses_are_refused_with_a_message(app, client, auth, english, world, url, message):
    auth.login("staff_a")
    response = client.post("/reach/new", data=_form(url=url))
    assert response.status_code == 200
    assert message in unescape(response.get_data(as_text=True))
    assert _items(app) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://mp.weixin.qq.com/s?__biz=MzA3&mid=2650&idx=1&sn=9f2c#rd",
        "http://www.qingdaonews.com/content/2026-12/03/content_123.htm",
        "https://例子.中国/新闻/防诈",
        "https://xn--fsqu00a.xn--fiqs8s/",
        "HTTPS://Example.COM/Path",
        "https://192.168.1.10:8443/a",
    ],
)
def test_good_addresses_are_kept_as_typed(app, client, auth, world, url):
    auth.login("staff_a")
    response = client.post("/reach/new", data=_form(url=f"  {url} "))
    assert response.status_code == 302
    assert _only_item(app).url == url


def test_the_address_is_optional(app, client, auth, world):
    auth.login("staff_a")
    assert client.post("/reach/new", data=_form(url="")).status_code == 302
    assert _only_item(app).url == ""


@pytest.mark.parametrize(
    "value",
    [
        "-1",
        "10000001",
        "1e3",
        "+5",
        "1_000",
        "99999999999999999999",
        "١٢",
        "12.5",
        "0x10",
        "' OR 1=1--",
    ],
)
def test_bad_counts_are_refused(app, client, auth, english, world, value):
    auth.login("staff_a")
    for name in ("reads", "forwards"):
        response = client.post("/reach/new", data=_form(**{name: value}))
        assert response.status_code == 200, name
        page = response.get_data(as_text=True)
        assert "from 0 to 10,000,000" in page or "invisible characters" in page, name
    assert _items(app) == []


def test_counts_are_never_required_and_full_width_digits_count(app, client, auth, world):
    auth.login("staff_a")
    assert client.post("/reach/new", data=_form(reads="", forwards="")).status_code == 302
    assert client.post("/reach/new", data=_form(reads="１２", forwards="0")).status_code == 302
    first, second = _items(app)
    assert (first.reads, first.forwards, second.reads, second.forwards) == (None, None, 12, 0)
    _consistent(app)


@pytest.mark.parametrize(
    "changes, field_text",
    [
        ({"outlet": ""}, "Enter the account"),
        ({"outlet": "报\x07纸"}, "invisible characters"),
        ({"title": "标题\x1b[31m"}, "invisible characters"),
        ({"outlet": "号" * 121}, "at most 120"),
        ({"title": "题" * 201}, "at most 200"),
        ({"kind": "blog"}, "Choose a kind"),
        ({"kind": ""}, "Choose a kind"),
        ({"published_on": ""}, "Enter the date"),
        ({"published_on": "2026-02-30"}, "Enter a date, for example"),
        ({"published_on": "2099-01-01"}, "cannot be in the future"),
        ({"published_on": "1999-12-31"}, "from 2000 on"),
        ({"event_id": "99999999999999999999"}, "Choose an event of this branch"),
        ({"event_id": str(2**31)}, "Choose an event of this branch"),
        ({"event_id": "-1"}, "Choose an event of this branch"),
    ],
)
def test_bad_details_are_refused(app, client, auth, english, world, changes, field_text):
    auth.login("staff_a")
    response = client.post("/reach/new", data=_form(**changes))
    assert response.status_code == 200
    assert field_text in response.get_data(as_text=True)
    assert _items(app) == []


def test_nul_bytes_are_refused_anywhere(app, client, auth, world):
    """A NUL byte (which PostgreSQL cannot store) is a bad request before any form sees it."""
    auth.login("staff_a")
    for changes in ({"outlet": "报\x00纸"}, {"reads": "1\x00"}, {"url": "https://a.cn/\x00"}):
        assert client.post("/reach/new", data=_form(**changes)).status_code == 400, changes
    assert client.get("/reach/?kind=%00").status_code == 400
    assert _items(app) == []


# --- scope ----------------------------------------------------------------------------------


def _item_of_branch_a(app, world) -> int:
    with app.app_context():
        branch = db.session.get(Branch, world.branch_a_id)
        item = ReachItem(
            kind=ReachKind.WEBSITE,
            outlet="市南区政府网",
            published_on=date(2026, 11, 2),
            branch=branch,
            region_id=branch.region_id,
            event_id=world.event_a_id,
            reads=300,
        )
        db.session.add(item)
        db.session.commit()
        return item.id


@pytest.mark.parametrize("username", ["head_b", "staff_b"])
def test_others_get_404_for_items_and_their_changes(app, client, auth, world, username):
    reach_item_id = _item_of_branch_a(app, world)
    if username == "head_b":
        with app.app_context():
            make_user(
                "head_b",
                Role.HEAD,
                "correct horse battery staple",
                region=db.session.get(Region, world.district_b_id),
            )
            db.session.commit()
        auth.login(username, "correct horse battery staple")
    else:
        auth.login(username)
    for path in (
        f"/reach/{reach_item_id}/edit",
        f"/reach/{reach_item_id}/remove",
        f"/events/{world.event_a_id}/reach/new",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, data=_form()).status_code == 404, path
    assert "市南区政府网" not in client.get("/reach/").get_data(as_text=True)
    assert len(_items(app)) == 1 and _items(app)[0].reads == 300
    # Their own branch's item cannot be tied to another branch's event.
    if username == "staff_b":
        response = client.post("/reach/new", data=_form(event_id=str(world.event_a_id)))
        assert response.status_code == 200 and len(_items(app)) == 1
        other = add_event(app, world, "b", "港东村防诈宣传")
        assert client.post("/reach/new", data=_form(event_id=str(other))).status_code == 302


def test_huge_ids_are_404(client, auth, world):
    auth.login("admin")
    for path in (
        "/reach/99999999999999999999/edit",
        f"/reach/{2**31}/remove",
        f"/reach/{2**63}/edit",
        f"/events/{2**63}/reach/new",
        "/reach/-1/edit",
    ):
        assert client.get(path).status_code == 404, path


def test_heads_and_admins_see_the_items_of_their_region(app, client, auth, world):
    _item_of_branch_a(app, world)
    for username in ("head_a", "admin", "staff_a"):
        auth.login(username)
        assert "市南区政府网" in client.get("/reach/").get_data(as_text=True), username
        auth.logout()


# --- the safe link ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        'https://example.com/"><script>alert(1)</script>',
        "https://example.com/' onmouseover='alert(1)",
        "javascript:alert(1)",
    ],
)
def test_the_link_is_plain_text_and_never_an_attribute_injection(app, client, auth, world, url):
    """Even an address that got past the form (stored by hand) stays one href and text."""
    reach_item_id = _item_of_branch_a(app, world)
    with app.app_context():
        db.session.get(ReachItem, reach_item_id).url = url
        db.session.commit()
    auth.login("staff_a")
    for path in ("/reach/", f"/events/{world.event_a_id}", f"/reach/{reach_item_id}/remove"):
        tree = lxml_html.fromstring(client.get(path).data)
        links = tree.xpath("//a[@data-testid='reach-link']")
        assert len(links) == 1, path
        link = links[0]
        assert set(link.attrib) == {"class", "href", "rel", "target", "data-testid"}
        assert link.get("rel") == "noopener noreferrer nofollow"
        assert link.get("href") == url and link.text_content() == url
        assert not tree.xpath("//script[contains(., 'alert')]")


def test_a_good_link_is_safe(app, client, auth, world):
    auth.login("staff_a")
    client.post(f"/events/{world.event_a_id}/reach/new", data=_form(event_id=str(world.event_a_id)))
    tree = lxml_html.fromstring(client.get(f"/events/{world.event_a_id}").data)
    link = tree.xpath("//*[@data-testid='reach-panel']//a[@data-testid='reach-link']")[0]
    assert link.get("href") == "https://mp.weixin.qq.com/s/AbC123"
    assert link.get("rel") == "noopener noreferrer nofollow"


# --- coverage ---------------------------------------------------------------------------------


def _expected(app, username, region_id):
    first, last = twelve_months(local_today())
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        return expected_report(user.id, region_id, first, last, local_today())


REACH_FIGURES = ("online_reads", "online_forwards", "media_reports")


def test_coverage_shows_reach_on_the_page_and_in_every_export(app, client, auth, cw, tmp_path):
    auth.login("head_a")
    expected = _expected(app, "head_a", cw.district_a_id)["total"]
    # District A: the event items and the branches' own, not district B's nor the cancelled
    # event's (see tests/coverage_data.py).
    assert expected["online_reads"] == 1200 + 5300 + 310
    assert expected["media_reports"] == 5
    assert expected["online_forwards"] == 85 + 12

    tree = lxml_html.fromstring(client.get(f"/coverage/{cw.district_a_id}").data)
    record = tree.xpath("//*[@data-testid='record']")[0]
    for key in REACH_FIGURES:
        card = record.xpath(f".//*[@data-figure='{key}']")[0]
        assert int(card.text_content().split()[0].replace(",", "")) == expected[key], key

    data = client.get(f"/coverage/{cw.district_a_id}.json").get_json()
    for key in REACH_FIGURES:
        assert data["total"][key] == expected[key], key
    eventless = [row for row in data["by_kind"] if row["kind"] == figures.EVENTLESS_KIND]
    assert eventless and eventless[0]["media_reports"] == 3
    assert (eventless[0]["name_zh"], eventless[0]["name_en"]) == ("不属于活动", "Not at an event")

    csv_text = client.get(f"/coverage/{cw.district_a_id}/export.csv").get_data(as_text=True)
    with app.test_request_context():
        labels = {
            key: figures.FIGURES[key].label_in(figures.EXPORT_SUMMARY) for key in REACH_FIGURES
        }
    summary = {}
    for line in csv_text.splitlines():
        cells = line.split(",")
        if len(cells) >= 2 and cells[0] in labels.values():
            summary.setdefault(cells[0], cells[1].strip('"'))
    for key in REACH_FIGURES:
        assert summary[labels[key]].replace('"', "") == f"{expected[key]}", key
    assert "不属于活动" in csv_text  # the by-kind table's row for what had no event

    book = load_workbook(io.BytesIO(client.get(f"/coverage/{cw.district_a_id}/export.xlsx").data))
    cells = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows(min_row=2)}
    for key in REACH_FIGURES:
        assert cells[labels[key]] == expected[key], key

    path = tmp_path / "summary.pdf"
    path.write_bytes(client.get(f"/coverage/{cw.district_a_id}/export.pdf").data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", " ")
    for key in REACH_FIGURES:
        assert f"{expected[key]:,} {labels[key]}" in text, key


def test_staff_see_only_their_branchs_reach(app, client, auth, cw):
    auth.login("staff_a2")
    with app.app_context():
        branch = db.session.get(Branch, cw.branch_a2_id)
        region_id = branch.region_id
    data = client.get(f"/coverage/{region_id}.json").get_json()
    expected = _expected(app, "staff_a2", region_id)["total"]
    for key in REACH_FIGURES:
        assert data["total"][key] == expected[key], key


# --- concurrency ------------------------------------------------------------------------------


@postgres_only("SQLite has one writer at a time: two transactions never recount one key at once")
def test_two_items_without_an_event_in_one_key_take_turns(app, world):
    """Two of a branch's own items of one month saved at once: the second recount waits
    for the key's advisory lock, which the first holds, and both count (no event to lock)."""
    day = date(2026, 5, 6)

    def item(outlet: str) -> ReachItem:
        branch = db.session.get(Branch, world.branch_a_id)
        return ReachItem(
            kind=ReachKind.NEWSPAPER,
            outlet=outlet,
            published_on=day,
            branch=branch,
            region_id=branch.region_id,
        )

    with app.app_context():
        db.session.add(item("青岛日报"))
        db.session.flush()
        region_id = db.session.get(Branch, world.branch_a_id).region_id
        rollups.lock_events(db.session, [(region_id, 202605)])  # as the commit's recount does
        errors: list[BaseException] = []
        pids: list[int] = []
        finished = threading.Event()

        def other() -> None:
            try:
                with app.app_context():
                    pids.append(backend_pid(db.session))
                    db.session.add(item("半岛都市报"))
                    db.session.commit()
            except BaseException as error:  # reported below, in the test's own thread
                errors.append(error)
            finally:
                finished.set()

        thread = threading.Thread(target=other)
        thread.start()
        while not pids and not finished.is_set():
            finished.wait(0.005)
        wait_until_blocked(db.engine, pids[0], finished)
        assert not finished.is_set(), "the second recount did not wait for the key"
        db.session.commit()
        thread.join(timeout=HANG_GUARD_SECONDS)
        assert not thread.is_alive() and errors == []
        assert_consistent()
    assert _rollup_total(app, "media_reports", month=202605, kind="") == 2
