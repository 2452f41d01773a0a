"""Bad input: ids that cannot exist, and control characters in text, on every form.

Ids are read by ``core.ids.parse_id`` (and the ``<id:...>`` converter built on it); text by the
form base classes of ``core.forms``, with a NUL anywhere in a query string or form refused
before any view runs. The access matrix (tests/test_access.py) sends both to every route.
"""

from __future__ import annotations

import importlib
import io
import logging
from html.parser import HTMLParser

import pytest
import wtforms
from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields import FileField, HiddenField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from outreach_app import create_app
from outreach_app.attendee.models import Feedback
from outreach_app.core.forms import ControlCharacterCheck, FlaskForm
from outreach_app.core.ids import MAX_ID, parse_id
from outreach_app.core.validation import CONTROL_CHARACTERS_MESSAGE
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.services import copy_token, handout_by_code
from outreach_app.regions.imports import CSV_COLUMNS
from outreach_app.regions.models import Region
from tests.factories import make_print_run

MESSAGE = "invisible characters (control codes"
NUL_PAGE = "a NUL byte"
HUGE = (2**31, 2**63, 10**30)


# --- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "+5",
        "1_0",
        " 5",
        "5 ",
        "5\n",
        "05",
        "\u0665",  # Arabic-Indic digit five
        "\uff15",  # full-width five
        "0",
        "-1",
        "1e3",
        "0x10",
        "",
        "abc",
        str(2**31),
        str(2**63),
        str(10**30),
        None,
        True,
        0,
        -1,
        2**31,
        5.0,
    ],
)
def test_parse_id_refuses_anything_but_plain_digits_in_range(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(
    "value, expected", [("1", 1), ("5", 5), (str(MAX_ID), MAX_ID), (7, 7), (MAX_ID, MAX_ID)]
)
def test_parse_id_reads_ids(value, expected):
    assert parse_id(value) == expected
    assert MAX_ID == 2**31 - 1


def test_the_id_converter_matches_only_ids(app, client, auth, world):
    auth.login("admin")
    assert client.get(f"/events/{world.event_a_id}").status_code == 200
    for text in ("0", f"0{world.event_a_id}", str(2**31), str(2**63), "%2B5", "%D9%A5"):
        assert client.get(f"/events/{text}").status_code == 404, text
    with app.test_request_context():
        assert url_for("events.event_detail", event_id=MAX_ID).endswith(f"/{MAX_ID}")
        with pytest.raises(ValueError):
            url_for("events.event_detail", event_id=0)


@pytest.mark.parametrize("value", [*HUGE, "05", "abc"])
def test_query_ids_that_name_nothing(client, auth, world, value):
    """Where a query argument picks an object, an id that cannot exist is a 404; where it only
    narrows a list, it is ignored."""
    auth.login("admin")
    for url in ("/admin/regions/new?parent=", "/admin/branches?region=", "/events/new?copy="):
        assert client.get(f"{url}{value}").status_code == 404, url
    for url in (
        "/admin/regions?focus=",
        "/admin/branches/new?region=",
        "/partners/?region=",
        "/events/?region=",
        "/events/?partner=",
        "/events/?group=",
        "/events/?topic=",
        "/handouts?topic=",
    ):
        assert client.get(f"{url}{value}").status_code == 200, url
    auth.logout()
    auth.login("head_a")
    assert client.get(f"/coverage/?region={value}").status_code == 404


# --- NUL bytes ---------------------------------------------------------------------------------


PAGED_LISTS = ["/admin/users/", "/admin/branches", "/partners/", "/handouts", "/events/"]


@pytest.mark.parametrize("page", [str(2**31), str(2**63), "1" + "0" * 30, "+5", "1_0", "٥", "-3"])
@pytest.mark.parametrize("path", PAGED_LISTS)
def test_odd_page_numbers_show_a_page(client, auth, world, path, page):
    auth.login("admin")
    response = client.get(path, query_string={"page": page})
    assert response.status_code == 200, (path, page)


def test_page_numbers_are_read_in_one_place():
    from outreach_app.core.pagination import MAX_PAGE, parse_page

    assert [parse_page(v) for v in ("2", " 3 ", None, "", "0", "+5", "1_0", "٥", "x")] == [
        2,
        3,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
    ]
    assert parse_page(str(2**63)) == 1
    assert parse_page("999999") == MAX_PAGE
    assert parse_page("50", max_page=40) == 40


@pytest.mark.parametrize(
    "query", ["q=a%00b", "region=1%00", "a%00=1", "q=ok&q=%00"], ids=["value", "id", "key", "2nd"]
)
def test_a_nul_in_the_query_string_is_the_400_page(english, auth, world, caplog, query):
    auth.login("staff_a")
    with caplog.at_level(logging.WARNING):
        response = english.get(f"/events/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert NUL_PAGE in html and 'data-status="400"' in html
    assert "Refused a request with a NUL byte: /events/" in caplog.text


def test_a_nul_in_a_form_is_the_400_page_before_the_view(app, english, world):
    before = database_rows(app)
    response = english.post("/login", data={"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    assert NUL_PAGE in response.get_data(as_text=True)
    assert database_rows(app) == before  # not even a failed-login entry


# --- the form base classes ---------------------------------------------------------------------

FORM_MODULES = [
    f"outreach_app.{area}.forms"
    for area in (
        "auth",
        "users",
        "regions",
        "partners",
        "events",
        "event_reports",
        "handouts",
        "coverage",
        "attendee",
    )
] + ["outreach_app.handouts.routes"]


def _app_form_classes() -> list[type]:
    for module in FORM_MODULES:
        importlib.import_module(module)
    found, todo = set(), [wtforms.form.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if (
                sub.__module__.startswith("outreach_app.")
                and sub.__module__ != "outreach_app.core.forms"
                and "<locals>" not in sub.__qualname__
            ):
                found.add(sub)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


FORM_CLASSES = _app_form_classes()


def _fields(form_class: type) -> list[tuple[str, type]]:
    unbound = [(name, getattr(form_class, name)) for name in dir(form_class)]
    return [(name, f.field_class) for name, f in unbound if isinstance(f, UnboundField)]


def _cases(keep) -> list:
    return [
        pytest.param(cls, name, field_class, id=f"{cls.__name__}.{name}")
        for cls in FORM_CLASSES
        for name, field_class in _fields(cls)
        if keep(field_class)
    ]


def _is_text(field_class: type) -> bool:
    return issubclass(field_class, StringField) and not issubclass(field_class, HiddenField)


TEXT_FIELDS = _cases(_is_text)
OTHER_FIELDS = _cases(
    lambda field_class: not _is_text(field_class) and not issubclass(field_class, FileField)
)


@pytest.fixture(scope="module")
def form_app():
    """An app for building forms in a request context; these forms never reach the database."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _form(form_class: type, data: dict[str, str]):
    form = form_class(formdata=MultiDict(data))
    for field in form:
        if getattr(field, "choices", ()) is None:
            field.choices = []
    return form


def _messages(field) -> list[str]:
    return [str(message) for message in field.errors]


def test_every_form_derives_from_the_checking_bases():
    assert len(FORM_CLASSES) >= 20
    assert len(TEXT_FIELDS) >= 40
    for form_class in FORM_CLASSES:
        assert issubclass(form_class, ControlCharacterCheck), form_class


@pytest.mark.parametrize("form_class, name, field_class", TEXT_FIELDS)
def test_control_characters_in_text_are_refused(form_app, form_class, name, field_class):
    for character in ("\x00", "\x01", "\x1b", "\x7f", "\x9b"):
        with form_app.test_request_context(method="POST"):
            form = _form(form_class, {name: f"ab{character}[31mc"})
            assert _messages(form[name]) == [str(CONTROL_CHARACTERS_MESSAGE)]  # shown at once
            assert not form.validate()
            assert _messages(form[name]) == [str(CONTROL_CHARACTERS_MESSAGE)], character
            if field_class.__name__ != "PasswordField":
                assert form[name].data.replace(" ", "") == "ab[31mc"  # shown without them


@pytest.mark.parametrize("form_class, name, field_class", TEXT_FIELDS)
def test_line_breaks_and_tabs_are_for_text_areas_only(form_app, form_class, name, field_class):
    for text in ("one\ntwo", "one\r\ntwo", "one\ttwo"):
        with form_app.test_request_context(method="POST"):
            form = _form(form_class, {name: text})
            form.validate()
            refused = str(CONTROL_CHARACTERS_MESSAGE) in _messages(form[name])
            assert refused is not issubclass(field_class, TextAreaField), repr(text)


@pytest.mark.parametrize("form_class, name, field_class", OTHER_FIELDS)
def test_a_nul_in_any_other_field_is_refused(form_app, form_class, name, field_class):
    with form_app.test_request_context(method="POST"):
        form = _form(form_class, {name: "1\x00"})
        assert not form.validate()
        assert str(CONTROL_CHARACTERS_MESSAGE) in _messages(form[name])


def test_no_other_validator_sees_refused_text(form_app):
    seen = []

    def looks_up(form, field):
        seen.append(field.data)

    class Probe(FlaskForm):
        name = StringField(validators=[looks_up])
        other = StringField(validators=[looks_up])

    with form_app.test_request_context(method="POST"):
        assert not Probe(formdata=MultiDict({"name": "x\x01", "other": "fine"})).validate()
        assert seen == []
        assert Probe(formdata=MultiDict({"name": "x", "other": "fine"})).validate()
        assert seen == ["x", "fine"]


# --- every page with a form --------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page, each as its action and the values a browser would send."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._select: tuple[str, list[str], bool] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        values = self.forms[-1][1] if self.forms else []
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                values.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = (a.get("name", ""), [], "multiple" in a)
        elif tag == "option" and self._select is not None:
            name, chosen, multiple = self._select
            if "selected" in a or (not multiple and not chosen and "disabled" not in a):
                if not multiple and chosen and "selected" in a:
                    chosen.clear()
                chosen.append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name", ""), []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, chosen, _ = self._select
            self.forms[-1][1].extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1][1].append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def form_on_page(html: str, field: str, page_url: str) -> tuple[str, MultiDict]:
    """The action and values of the form on ``html`` that has ``field``."""
    for action, values in _Forms(html).forms:
        if any(name == field for name, _ in values):
            return action or page_url, MultiDict(values)
    raise AssertionError(f"no form with {field!r} on {page_url}")


def database_rows(app) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request saved nothing."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def objects(app, world):
    """Event A confirmed (so that its report and photos can be written), with a print run."""
    with app.app_context():
        event = db.session.get(Event, world.event_a_id)
        event.status = EventStatus.CONFIRMED
        run = make_print_run(event)
        db.session.commit()
        return {
            **{name: getattr(world, name) for name in world.__dataclass_fields__},
            "run_id": run.id,
            "token": copy_token(run, 1),
            "handout_id": handout_by_code("pension-scams", "zh_CN").id,
        }


PASSWORD_FIELDS = {"password", "confirm", "current_password", "new_password"}
FORM_PAGES = {
    "login": ("/login", None, ("username", "password")),
    "own password": ("/account/password", "staff_a", ("current_password", "new_password")),
    "new user": ("/admin/users/new", "admin", ("username", "display_name", "password")),
    "edit user": ("/admin/users/{staff_a_id}/edit", "admin", ("display_name",)),
    "reset password": ("/admin/users/{staff_a_id}/password", "admin", ("password", "confirm")),
    "new region": ("/admin/regions/new", "admin", ("name", "name_en", "division_code")),
    "edit region": (
        "/admin/regions/{community_a_id}/edit",
        "admin",
        ("name", "name_en", "division_code"),
    ),
    "new branch": ("/admin/branches/new", "admin", ("name", "address", "phone")),
    "edit branch": ("/admin/branches/{branch_a_id}/edit", "admin", ("name", "address", "phone")),
    "new partner": ("/partners/new", "staff_a", ("name", "address", "contact_name", "notes")),
    "edit partner": (
        "/partners/{partner_a_id}/edit",
        "head_a",
        ("name", "address", "contact_name", "contact_phone", "notes"),
    ),
    "new event": ("/events/new", "staff_a", ("title", "venue", "notes")),
    "edit event": ("/events/{event_a_id}/edit", "staff_a", ("title", "venue", "notes")),
    "cancel event": ("/events/{event_a_id}/cancel", "staff_a", ("reason",)),
    "report": ("/events/{event_a_id}/report", "staff_a", ("report_summary",)),
    "photo": ("/events/{event_a_id}/photos", "staff_a", ("caption",)),
    "new handout": ("/admin/handouts/new", "admin", ("code", "title", "lead", "tip1")),
    "edit handout": (
        "/admin/handouts/{handout_id}/edit",
        "admin",
        ("title", "lead", "tip2", "never_ask", "note"),
    ),
    "withdraw run": ("/events/{event_a_id}/print-runs/{run_id}/revoke", "staff_a", ("reason",)),
}


@pytest.mark.parametrize("page", FORM_PAGES)
def test_control_characters_on_every_form_page_are_refused(app, english, auth, objects, page):
    url, username, fields = FORM_PAGES[page]
    url = url.format(**objects)
    if username:
        auth.login(username)
    page_html = english.get(url).get_data(as_text=True)
    before = database_rows(app)
    for field in fields:
        action, values = form_on_page(page_html, field, url)
        for character in ("\x01", "\x1b"):
            values.setlist(field, [f"正常{character}[0m text"])
            response = english.post(action, data=values)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (field, response.status_code)
            assert MESSAGE in html, field
            assert "正常[0m text" in html or field in PASSWORD_FIELDS  # shown without them
            assert database_rows(app) == before, field
        values.setlist(field, ["正常\x00"])
        response = english.post(action, data=values)
        assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True)
        assert database_rows(app) == before, field


def test_line_breaks_in_text_areas_are_kept(app, english, auth, objects):
    auth.login("staff_a")
    url = f"/partners/{objects['partner_a_id']}/edit"
    _, values = form_on_page(english.get(url).get_data(as_text=True), "notes", url)
    values.setlist("notes", ["第一行\r\n\t第二行"])
    assert english.post(url, data=values).status_code == 302
    with app.app_context():
        from outreach_app.partners.models import Partner

        assert db.session.get(Partner, objects["partner_a_id"]).notes == "第一行\n\t第二行"


FILTER_PAGES = [
    ("/admin/users/", "admin", "q"),
    ("/admin/regions", "admin", "q"),
    ("/admin/branches", "admin", "q"),
    ("/partners/", "staff_a", "q"),
    ("/events/", "staff_a", "q"),
    ("/events/calendar", "staff_a", "q"),
    ("/handouts", "staff_a", "q"),
    ("/coverage/{district_a_id}", "head_a", "stale"),
    ("/coverage/{district_a_id}?period=custom&to=2026-01", "head_a", "from"),
]


@pytest.mark.parametrize("url, username, field", FILTER_PAGES)
def test_searches_and_filters_say_when_they_held_control_characters(
    english, auth, objects, url, username, field
):
    auth.login(username)
    url = url.format(**objects)
    for character in ("\x01", "\x1b"):
        separator = "&" if "?" in url else "?"
        response = english.get(f"{url}{separator}{field}=1{character}2")
        assert response.status_code == 200
        assert MESSAGE in response.get_data(as_text=True), character
    assert MESSAGE not in english.get(f"{url}").get_data(as_text=True)


# --- the region import and the attendee page ---------------------------------------------------


def _upload(client, lines: list[str]):
    data = "\r\n".join([",".join(CSV_COLUMNS), *lines]).encode() + b"\r\n"
    return client.post(
        "/admin/regions/import",
        data={"file": (io.BytesIO(data), "regions.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "line, column",
    [
        ("370600,烟\x01台市,,,branch,0", "name"),
        ('370600,"烟\n台市",,,branch,0', "name"),
        ("370600,烟台市,Yan\x1btai,,branch,0", "name_en"),
        ("3706\x0700,烟台市,,,branch,0", "division_code"),
        ("370600,烟台市,,,branch\x7f,0", "branch_access"),
    ],
)
def test_region_import_refuses_control_characters_per_line(app, english, auth, world, line, column):
    auth.login("admin")
    before = database_rows(app)
    response = _upload(english, ["370700,潍坊市,,,branch,0", line])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invisible characters (control codes" in html
    row = html.split("invisible characters (control codes")[0].rsplit("<tr", 1)[1]
    # The line (after the header; a quoted line break makes it end on the next) and the column.
    assert ('nowrap">3<' in row or 'nowrap">4<' in row) and f"<code>{column}</code>" in row
    assert database_rows(app) == before
    with app.app_context():
        assert db.session.scalar(select(Region).where(Region.division_code == "370700")) is None


def test_attendee_comments_refuse_control_characters(app, client, objects):
    url = f"/s/{objects['token']}/feedback"
    response = client.post(url, data={"rating": "4", "comment": "很好\x1b[0m", "lang": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-testid="feedback-problem"' in html and "invisible characters" in html
    response = client.post(url, data={"rating": "4", "comment": "很好\x00"})
    assert response.status_code == 400 and 'data-status="400"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Feedback)).all() == []
    response = client.post(url, data={"rating": "4", "comment": "很好\r\n\t谢谢"})
    assert 'data-testid="feedback-done"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Feedback.comment)).all() == ["很好\n\t谢谢"]
