"""The attendee's journey on a phone-sized Chromium: print a run, read the QR code off the PDF,
open it with JavaScript off, switch to senior mode, check in as a senior, take the quiz; then
the event page shows the check-in. Plus axe-core in both modes and the sizes senior mode
promises, measured in the browser."""

from __future__ import annotations

import re
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import zxingcpp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.content import quiz_for
from outreach_app.handouts.services import copy_token
from tests.browser.conftest import login, screenshot
from tests.factories import make_print_run
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Everything a finger presses on the attendee page.
TARGETS = "main a, main button, main label.choice, main textarea, main input[type=text], .switch"


def phone_page(browser, javascript: bool = True, width: int = PHONE["width"]):
    context = browser.new_context(
        viewport={"width": width, "height": PHONE["height"]},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def qr_path_from_pdf(app, runner, event_id: int, tmp_path: Path) -> str:
    """Print a run with the command line, render page one and decode its QR code."""
    pdf = tmp_path / "run.pdf"
    result = runner.invoke(
        args=[
            "print-handouts",
            *("--event", str(event_id), "--handout", "pension-scams", "--copies", "2"),
            *("--layout", "a4", "--lang", "zh_CN", "--out", str(pdf)),
        ]
    )
    assert result.exit_code == 0, result.output
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    image = next(tmp_path.glob("page*.png"))
    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(image)) if c.text]
    assert len(codes) == 1, codes
    url = urllib.parse.urlsplit(codes[0])
    assert f"{url.scheme}://{url.netloc}".lower() == app.config["PUBLIC_BASE_URL"].lower()
    return url.path


def test_attendee_journey_from_printed_qr_code_to_the_event_page(
    app, runner, browser, live_server, world, tmp_path
):
    path = qr_path_from_pdf(app, runner, world.event_a_id, tmp_path)
    context, page = phone_page(browser, javascript=False)
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("body").get_attribute("class") == "standard"
    screenshot(page, "attendee-journey-1-opened")

    page.click("[data-testid=senior-switch]")
    assert page.locator("body").get_attribute("class") == "senior"
    page.check("input[name=group][value=seniors]")
    page.click("[data-testid=checkin-button]")
    assert page.locator("[data-testid=checkin-done]").is_visible()
    assert page.locator("body").get_attribute("class") == "senior"
    screenshot(page, "attendee-journey-2-checked-in")

    page.click("[data-testid=quiz-link]")
    for question in quiz_for("fraud_pension", "zh_CN"):
        page.check(f"input[name='q-{question.code}'][value='{question.answer_index}']")
    page.click("[data-testid=quiz-submit]")
    assert page.locator("[data-testid=quiz-done]").is_visible()
    assert page.locator("[data-testid=explanation]").count() == 3
    # All three answered right: every number in "共 3 题，答对 3 题" is 3, whatever the wording.
    assert re.findall(r"\d+", page.locator("[data-testid=quiz-score]").inner_text()) == ["3", "3"]
    screenshot(page, "attendee-journey-3-quiz")
    context.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    staff_page = staff.new_page()
    login(staff_page, live_server, "staff_a", PASSWORD)
    staff_page.goto(f"{live_server}/events/{world.event_a_id}")
    row = staff_page.locator("[data-testid=attendance-row][data-group=seniors]")
    assert row.locator("[data-testid=check-ins]").inner_text() == "1"
    screenshot(staff_page, "attendee-journey-4-event-page")
    staff_page.click("[data-testid=responses-link]")
    assert staff_page.locator("[data-testid=check-ins]").inner_text() == "1"
    screenshot(staff_page, "attendee-journey-5-responses")
    staff.close()


@pytest.fixture
def token(app, world) -> str:
    with app.app_context():
        run = make_print_run(db.session.get(Event, world.event_a_id), copies=2)
        db.session.commit()
        return copy_token(run, 1)


def axe_violations(page, tags=WCAG_TAGS) -> list:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_axe_finds_nothing_in_either_mode(browser, live_server, token, lang):
    context, page = phone_page(browser)
    for senior in ("0", "1"):
        page.goto(f"{live_server}/s/{token}?lang={lang}&senior={senior}")
        assert axe_violations(page) == [], (lang, senior)
        name = f"attendee-{lang}-{'senior' if senior == '1' else 'standard'}"
        screenshot(page, name)
        if senior == "1":
            # Senior mode promises 7:1 contrast (WCAG AAA).
            enhanced = Axe().run(
                page, options={"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}}
            )
            assert enhanced.response["violations"] == []
        page.goto(f"{live_server}/s/{token}/quiz?lang={lang}&senior={senior}")
        assert axe_violations(page) == [], ("quiz", lang, senior)
    page.goto(f"{live_server}/s/{token}/help?lang={lang}&senior=1")
    assert axe_violations(page) == []
    screenshot(page, f"attendee-{lang}-help")
    page.goto(f"{live_server}/s/NOT-A-CODE?lang={lang}")
    assert axe_violations(page) == []
    screenshot(page, f"attendee-{lang}-not-found")
    context.close()


SIZES_JS = """
(selector) => Array.from(document.querySelectorAll(selector))
  .filter((el) => el.offsetParent !== null || el.tagName === 'BODY')
  .map((el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {tag: el.tagName, text: (el.innerText || '').slice(0, 30),
            size: parseFloat(style.fontSize), line: parseFloat(style.lineHeight),
            width: box.width, height: box.height};
  })
"""
# Elements holding running text on the page.
TEXT = "main p, main li, main legend, main label, main button, main a, main textarea, footer p"


def test_senior_mode_sizes_measured_in_the_browser(browser, live_server, token):
    context, page = phone_page(browser)
    page.goto(f"{live_server}/s/{token}?senior=1")
    for element in page.evaluate(SIZES_JS, TEXT):
        assert element["size"] >= 24, element  # 18 pt
        assert element["line"] >= 1.3 * element["size"] - 0.01, element
    headings = page.evaluate(SIZES_JS, "h1, h2")
    assert len(headings) >= 5
    for element in headings:
        assert element["size"] >= 40, element  # 30 pt
        assert element["line"] >= 1.2 * element["size"] - 0.01, element
    targets = page.evaluate(SIZES_JS, TARGETS)
    assert len(targets) >= 12
    for element in targets:
        assert element["width"] >= 60 and element["height"] >= 60, element
    # Playwright's own box of the one-tap call buttons agrees.
    for testid in ("call-96110", "call-bank", "checkin-button", "scam-help"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box and box["width"] >= 60 and box["height"] >= 60, testid

    page.goto(f"{live_server}/s/{token}?senior=0")
    for element in page.evaluate(SIZES_JS, TARGETS):
        assert element["width"] >= 44 and element["height"] >= 44, element
    context.close()


@pytest.mark.parametrize("senior", ["0", "1"])
def test_reflows_at_320_px_and_at_200_percent_text(browser, live_server, token, senior):
    context, page = phone_page(browser, width=320)
    page.goto(f"{live_server}/s/{token}?senior={senior}")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    page.set_viewport_size({"width": 640, "height": 740})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate(overflow) <= 0
    if senior == "0":
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 36
    context.close()


BOX_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
  const box = el.getBoundingClientRect();
  return {top: Math.round(box.top), left: Math.round(box.left),
          width: box.width, height: box.height};
})
"""


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_radios_ratings_header_and_hotlines_at_phone_widths(
    browser, live_server, token, width, lang
):
    context, page = phone_page(browser, width=width)
    page.goto(f"{live_server}/s/{token}?lang={lang}&senior=0")
    radios = page.evaluate(BOX_JS, "input[type=radio]")
    assert radios and all(r["width"] >= 20 for r in radios), radios
    ratings = page.evaluate(BOX_JS, "input[name=rating]")
    assert len({r["top"] for r in ratings}) == 1, ratings  # one row of five
    labels = page.evaluate(BOX_JS, "label.choice:has(input[name=rating])")
    assert all(b["width"] >= 44 and b["height"] >= 44 for b in labels), labels

    page.goto(f"{live_server}/s/{token}?lang={lang}&senior=1")
    radios = page.evaluate(BOX_JS, "input[type=radio]")
    assert radios and all(r["width"] >= 25 for r in radios), radios
    labels = page.evaluate(BOX_JS, "label.choice:has(input[name=rating])")
    assert len(labels) == 5 and len({b["top"] for b in labels}) == 5  # one per line
    assert len({b["left"] for b in labels}) == 1
    assert all(b["height"] >= 60 for b in labels), labels
    switches = page.evaluate(BOX_JS, ".switch")
    assert len({s["top"] for s in switches}) == 1, switches  # side by side
    assert all(s["width"] >= 60 and s["height"] >= 60 for s in switches), switches
    calls = page.evaluate(BOX_JS, "[data-testid=hotlines] a")
    assert calls[0]["left"] == calls[1]["left"] and calls[1]["top"] > calls[0]["top"]
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    context.close()
