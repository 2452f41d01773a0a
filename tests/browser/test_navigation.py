"""Each role logs in through Chromium and sees the navigation meant for it."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

EVERY_ROLE = {
    "/",
    "/events/",
    "/events/calendar",
    "/partners/",
    "/problems/",
    "/handouts",
    "/reach/",
    "/coverage/",
}
NAV_BY_ROLE = {
    "admin": EVERY_ROLE
    | {"/admin/users/", "/admin/regions", "/admin/branches", "/admin/kinds-and-groups"},
    "head_a": EVERY_ROLE,
    "staff_a": EVERY_ROLE,
}


@pytest.mark.parametrize("username", sorted(NAV_BY_ROLE))
def test_role_navigation(page, live_server, world, username):
    login(page, live_server, username, PASSWORD)
    assert page.url.rstrip("/") == live_server
    links = page.locator("[data-testid=nav] a.nav-link")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == NAV_BY_ROLE[username]
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, f"home-{username}")
    for href in sorted(hrefs):
        response = page.goto(live_server + href)
        assert response is not None and response.status == 200, href


def test_login_page_and_language_switch(page, live_server, world):
    page.goto(f"{live_server}/login")
    screenshot(page, "login-zh")
    page.click("button[name=lang][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Log in"
    screenshot(page, "login-en")


def test_wrong_password_shows_generic_message(page, live_server, world):
    login(page, live_server, "staff_a", "not the password at all")
    assert "/login" in page.url
    alert = page.locator(".alert-danger")
    assert alert.count() == 1


def test_logout_ends_session(page, live_server, world):
    login(page, live_server, "staff_a", PASSWORD)
    page.click("form[action='/logout'] button")
    page.wait_for_load_state("networkidle")
    page.goto(live_server + "/")
    assert "/login" in page.url


def test_admin_pages_screenshots(page, live_server, world):
    login(page, live_server, "admin", PASSWORD)
    page.goto(live_server + "/admin/users/")
    assert page.locator("table tbody tr").count() == 4
    screenshot(page, "admin-users")
    page.goto(live_server + "/admin/regions?expand=all")
    assert page.locator("text=湛山社区").count() >= 1
    screenshot(page, "admin-region-tree")
    page.goto(live_server + "/admin/branches")
    assert page.locator("text=市南支行").count() >= 1
    screenshot(page, "admin-branches")
