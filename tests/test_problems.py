"""Problems raised at events: recording them (validation, the warning about phone and ID
numbers, the callback number only with consent), closing with an answer (owner, head in scope,
admin; the callback number deleted), reassigning (heads and admins, to someone who works on the
event), scope (404 outside it), overdue and closed late with the clock moved, the retention
rule for callback numbers, the rollups after every change, and the figures everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.core.roles import Role
from outreach_app.core.validation import ServiceError
from outreach_app.coverage.figures import COUNTS, FIGURES, METRICS, PDF_RECORD, shown_in
from outreach_app.events.models import EventStatus
from outreach_app.extensions import db
from outreach_app.problems.models import Problem, ProblemStatus
from outreach_app.problems.services import (
    close_problem,
    looks_personal,
    mask_phone,
    normalise_phone,
    reassign_problem,
)
from outreach_app.regions.models import Region
from tests.coverage_data import assert_consistent
from tests.factories import World, add_event, confirm, make_user, set_status
from tests.helpers import PASSWORD, audit_actions, audit_entries, count, login, logout, stored

TZ = ZoneInfo("Asia/Shanghai")
# A Monday in the bank's time zone; problems raised then are due on the Saturday (5 days).
MONDAY = datetime(2026, 12, 14, 10, 0, tzinfo=TZ)
DAY = timedelta(days=1)


def at(moment: datetime):
    """The clock stopped at ``moment`` for the app, the database writes and the tests."""
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def event_a(app: Flask, world: World) -> int:
    """The world's event of district A, confirmed."""
    confirm(app, world.event_a_id)
    return world.event_a_id


@pytest.fixture
def head_b(app: Flask, world: World) -> int:
    """A regional head of district B (the other district)."""
    with app.app_context():
        user = make_user(
            "head_b", Role.HEAD, PASSWORD, region=db.session.get(Region, world.district_b_id)
        )
        db.session.commit()
        return user.id


def problem_form(owner_id: int, **fields) -> dict[str, str]:
    """The new-problem form's data: a fees question owned by ``owner_id``."""
    data = {
        "category": "fees",
        "description": "客户询问跨行转账手续费如何收取。",
        "owner_id": str(owner_id),
        "callback_phone": "",
    }
    data.update({key: str(value) for key, value in fields.items()})
    return data


def record_problem(client, event_id: int, owner_id: int, **fields):
    """Post the new-problem form of an event."""
    return client.post(f"/events/{event_id}/problems/new", data=problem_form(owner_id, **fields))


def only_problem(app: Flask):
    """The one stored problem, as its row."""
    with app.app_context():
        problem_id = db.session.scalar(select(Problem.id))
    assert problem_id is not None
    return stored(app, Problem, problem_id)


def new_problem(client, app, world, event_id, **fields) -> int:
    """Record a problem as staff A (owned by them unless ``owner_id``); return its id."""
    login(client, "staff_a")
    owner = fields.pop("owner_id", world.staff_a_id)
    response = record_problem(client, event_id, owner, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    logout(client)
    with app.app_context():
        return db.session.scalar(select(Problem.id).order_by(Problem.id.desc()))


# --- recording ------------------------------------------------------------------------------


def test_staff_record_a_problem_owned_by_them_and_due_in_five_days(app, client, world, event_a):
    with at(MONDAY):
        login(client, "staff_a")
        page = client.get(f"/events/{event_a}/problems/new").get_data(as_text=True)
        assert f'<option selected value="{world.staff_a_id}"' in page
        response = record_problem(client, event_a, world.staff_a_id)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/events/{event_a}"
    row = only_problem(app)
    assert row.status == "open" and row.owner_id == world.staff_a_id
    assert row.raised_on == date(2026, 12, 14) and row.due_on == date(2026, 12, 19)
    assert row.created_by_id == world.staff_a_id and row.callback_phone == ""
    assert audit_actions(app, "problem", row.id) == ["problem.create"]
    with app.app_context():
        assert_consistent()


def test_the_time_limit_follows_the_configuration(app, client, world, event_a):
    app.config["PROBLEM_DAYS_TO_CLOSE"] = 2
    with at(MONDAY):
        new_problem(client, app, world, event_a)
    assert only_problem(app).due_on == date(2026, 12, 16)


def test_from_the_report_page_the_form_returns_there(app, client, world, event_a):
    login(client, "staff_a")
    page = client.get(f"/events/{event_a}/report").get_data(as_text=True)
    assert f"/events/{event_a}/problems/new?from=report" in page
    response = client.post(
        f"/events/{event_a}/problems/new?from=report", data=problem_form(world.staff_a_id)
    )
    assert response.headers["Location"] == f"/events/{event_a}/report"
    # Anything else in ``from`` is no address: the event page.
    response = client.post(
        f"/events/{event_a}/problems/new?from=//evil.example", data=problem_form(world.staff_a_id)
    )
    assert response.headers["Location"] == f"/events/{event_a}"


BAD_INPUT = [
    ({"description": "手续费\x07问题"}, "description", "invisible characters"),
    ({"description": ""}, "description", "Describe the problem"),
    ({"description": "长" * 1001}, "description", "1000 characters"),
    ({"category": "gifts"}, "category", "Choose what the problem is about"),
    ({"category": ""}, "category", "Choose what the problem is about"),
    ({"owner_id": "99999999999999999999"}, "owner_id", "Choose who first received"),
    ({"owner_id": "-1"}, "owner_id", "Choose who first received"),
    ({"owner_id": "0x10"}, "owner_id", "Choose who first received"),
    ({"callback_phone": "13812345678"}, "callback_phone", "agreed to be called back"),
    ({"callback_consent": "y", "callback_phone": "12345"}, "callback_phone", "11 digits"),
    ({"callback_consent": "y", "callback_phone": "138123456789"}, "callback_phone", "11 digits"),
    ({"callback_consent": "y", "callback_phone": "1381234567\x1b"}, "callback_phone", "invisible"),
    ({"callback_consent": "y", "callback_phone": "' OR 1=1--"}, "callback_phone", "11 digits"),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_beside_its_field(
    app, english, world, event_a, fields, field, message
):
    login(english, "staff_a")
    fields = dict(fields)
    owner = fields.pop("owner_id", world.staff_a_id)
    response = record_problem(english, event_a, owner, **fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count(app, Problem) == 0


@pytest.mark.parametrize("field", ["description", "callback_phone", "category", "owner_id"])
def test_a_nul_byte_anywhere_is_refused_and_nothing_saved(app, client, world, event_a, field):
    login(client, "staff_a")
    data = problem_form(world.staff_a_id, callback_consent="y")
    data[field] = data[field] + "\x00"
    response = client.post(f"/events/{event_a}/problems/new", data=data)
    assert response.status_code == 400
    assert count(app, Problem) == 0


@pytest.mark.parametrize("who", ["inactive", "other_branch", "head_elsewhere"])
def test_the_owner_must_be_an_active_user_who_works_on_the_event(app, english, world, event_a, who):
    with app.app_context():
        if who == "inactive":
            user = db.session.get(User, world.staff_a_id)
            colleague = make_user("staff_a2", Role.STAFF, PASSWORD, branch=user.branch)
            colleague.is_active = False
            owner_id = colleague.id
        elif who == "other_branch":
            owner_id = world.staff_b_id
        else:
            district_b = db.session.get(Region, world.district_b_id)
            owner_id = make_user("head_b", Role.HEAD, PASSWORD, region=district_b).id
        db.session.commit()
    login(english, "staff_a")
    page = english.get(f"/events/{event_a}/problems/new").get_data(as_text=True)
    assert f'value="{owner_id}"' not in page
    response = record_problem(english, event_a, owner_id)
    assert "Choose who first received" in response.get_data(as_text=True)
    assert count(app, Problem) == 0


def test_the_owner_may_be_a_head_above_the_event_or_an_admin(app, client, world, event_a):
    login(client, "staff_a")
    for owner in (world.head_a_id, world.admin_id):
        assert record_problem(client, event_a, owner).status_code == 302
    with app.app_context():
        owners = db.session.scalars(select(Problem.owner_id).order_by(Problem.id)).all()
    assert owners == [world.head_a_id, world.admin_id]


def test_an_injected_status_or_event_is_ignored(app, client, world, event_a):
    login(client, "staff_a")
    data = problem_form(world.staff_a_id, status="closed", due_on="2000-01-01")
    data["event_id"] = str(world.event_b_id)
    client.post(f"/events/{event_a}/problems/new", data=data)
    row = only_problem(app)
    assert row.status == "open" and row.event_id == event_a and row.due_on > date(2020, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "客户留了电话13812345678，希望回电",
        "客户电话 138 1234 5678",
        "座机0532-80001234",
        "身份证号370202199001011234",
        "身份证37020219900101123X",
        "全角１３８１２３４５６７８",
    ],
)
def test_a_phone_or_id_number_in_the_description_asks_before_saving(
    app, english, world, event_a, text
):
    login(english, "staff_a")
    response = record_problem(english, event_a, world.staff_a_id, description=text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="personal-warning"' in page and "looks as if it holds" in page
    assert text.replace("\n", "") in page  # what was typed is shown again to edit
    assert count(app, Problem) == 0
    response = record_problem(
        english, event_a, world.staff_a_id, description=text, keep_personal_text="y"
    )
    assert response.status_code == 302
    row = only_problem(app)
    assert row.description == text
    assert audit_entries(app, "problem", row.id)[0][1]["kept_personal_text"] is True


def test_a_description_without_numbers_asks_nothing(app, english, world, event_a):
    assert not looks_personal("客户询问养老金理财产品的风险，2026年12月到期，利率3.5%")
    login(english, "staff_a")
    response = record_problem(english, event_a, world.staff_a_id, description="问费用 5 元")
    assert response.status_code == 302


def test_a_callback_number_with_consent_is_kept_as_digits_and_masked_in_lists(
    app, client, world, event_a
):
    login(client, "staff_a")
    record_problem(
        client, event_a, world.staff_a_id, callback_consent="y", callback_phone="+86 138-1234-5678"
    )
    row = only_problem(app)
    assert row.callback_phone == "13812345678" and row.callback_consent
    assert audit_entries(app, "problem", row.id)[0][1]["has_callback"] is True
    for path in (f"/events/{event_a}", "/problems/", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "138****5678" in page, path
        assert "13812345678" not in page, path
    page = client.get(f"/problems/{row.id}").get_data(as_text=True)
    assert 'href="tel:13812345678"' in page
    assert client.get(f"/problems/{row.id}").headers["Cache-Control"] == "no-store"


def test_phone_rules():
    assert normalise_phone("１３８ １２３４ ５６７８") == "13812345678"
    assert normalise_phone("0532-8000 1234") == "053280001234"
    assert normalise_phone("23812345678") is None
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("053280001234") == "053****1234"


@pytest.mark.parametrize("status", [None, EventStatus.CANCELLED])
def test_no_problems_for_a_planned_or_cancelled_event(app, client, world, status):
    if status is not None:
        set_status(app, world.event_a_id, status, reason="下雨")
    login(client, "staff_a")
    page = client.get(f"/events/{world.event_a_id}").get_data(as_text=True)
    assert 'data-testid="add-problem"' not in page
    assert ("该活动已取消" in page) == (status is EventStatus.CANCELLED)
    page = client.get(f"/events/{world.event_a_id}/problems/new").get_data(as_text=True)
    assert 'data-testid="no-problems-here"' in page and "problem-form" not in page
    response = record_problem(client, world.event_a_id, world.staff_a_id)
    assert 'data-testid="no-problems-here"' in response.get_data(as_text=True)
    assert count(app, Problem) == 0


def test_staff_still_record_problems_of_a_completed_event(app, client, world, event_a):
    set_status(app, event_a, EventStatus.COMPLETED)
    login(client, "staff_a")
    assert 'data-testid="add-problem"' in client.get(f"/events/{event_a}").get_data(as_text=True)
    assert record_problem(client, event_a, world.staff_a_id).status_code == 302


# --- scope ----------------------------------------------------------------------------------


def test_outside_the_scope_every_problem_page_is_404(app, client, world, event_a, head_b):
    problem_id = new_problem(client, app, world, event_a)
    for username in ("staff_b", "head_b"):
        login(client, username)
        assert client.get(f"/events/{event_a}/problems/new").status_code == 404
        assert record_problem(client, event_a, world.staff_b_id).status_code == 404
        assert client.get(f"/problems/{problem_id}").status_code == 404
        assert client.post(f"/problems/{problem_id}/close", data={"answer": "x"}).status_code == 404
        reassign = {"owner_id": str(head_b)}
        assert client.post(f"/problems/{problem_id}/reassign", data=reassign).status_code == 404
        assert f"/problems/{problem_id}" not in client.get("/problems/").get_data(as_text=True)
        logout(client)
    row = only_problem(app)
    assert row.status == "open" and row.owner_id == world.staff_a_id


@pytest.mark.parametrize("path", ["/problems/99999999999999999999", "/problems/-1", "/problems/0"])
def test_huge_and_odd_ids_are_404(client, world, path):
    login(client, "admin")
    assert client.get(path).status_code == 404
    assert client.post(path + "/close", data={"answer": "x"}).status_code == 404


def test_the_pages_need_a_login(client, world, event_a):
    for path in ("/problems/", "/problems/1", f"/events/{event_a}/problems/new"):
        assert client.get(path).status_code == 302


# --- closing --------------------------------------------------------------------------------


def test_the_owner_closes_with_an_answer_and_the_callback_number_goes(app, client, world, event_a):
    with at(MONDAY):
        problem_id = new_problem(
            client, app, world, event_a, callback_consent="y", callback_phone="13812345678"
        )
    with at(MONDAY + 2 * DAY):
        login(client, "staff_a")
        response = client.post(
            f"/problems/{problem_id}/close", data={"answer": "已电话解释收费标准。"}
        )
        assert response.status_code == 302
    row = stored(app, Problem, problem_id)
    assert row.status == "closed" and row.answer == "已电话解释收费标准。"
    assert row.closed_on == date(2026, 12, 16) and row.closed_by_id == world.staff_a_id
    assert row.callback_phone == ""
    action, detail = audit_entries(app, "problem", problem_id)[-1]
    assert action == "problem.close"
    assert detail["late"] is False and detail["callback_deleted"] is True
    page = client.get(f"/problems/{problem_id}").get_data(as_text=True)
    assert "13812345678" not in page and 'data-testid="close-form"' not in page
    with app.app_context():
        assert_consistent()


@pytest.mark.parametrize(
    ("answer", "message"),
    [("", "Write the answer"), ("答" * 1001, "1000 characters"), ("好\x07", "invisible")],
)
def test_closing_needs_an_answer(app, english, world, event_a, answer, message):
    problem_id = new_problem(english, app, world, event_a)
    login(english, "staff_a")
    response = english.post(f"/problems/{problem_id}/close", data={"answer": answer})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert stored(app, Problem, problem_id).status == "open"


def test_only_the_owner_a_head_or_an_admin_closes(app, client, world, event_a):
    with app.app_context():
        staff = db.session.get(User, world.staff_a_id)
        make_user("staff_a2", Role.STAFF, PASSWORD, branch=staff.branch)
        db.session.commit()
    problem_id = new_problem(client, app, world, event_a)
    login(client, "staff_a2")
    assert 'data-testid="close-form"' not in client.get(f"/problems/{problem_id}").get_data(
        as_text=True
    )
    assert client.post(f"/problems/{problem_id}/close", data={"answer": "好"}).status_code == 403
    assert stored(app, Problem, problem_id).status == "open"
    for username in ("head_a", "admin"):
        pid = new_problem(client, app, world, event_a)
        login(client, username)
        assert client.post(f"/problems/{pid}/close", data={"answer": "已答复"}).status_code == 302
        assert stored(app, Problem, pid).status == "closed"
        logout(client)


def test_a_closed_problem_stays_closed(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    login(client, "staff_a")
    client.post(f"/problems/{problem_id}/close", data={"answer": "第一次"})
    assert (
        client.post(f"/problems/{problem_id}/close", data={"answer": "第二次"}).status_code == 403
    )
    assert stored(app, Problem, problem_id).answer == "第一次"


def test_a_problem_closed_meanwhile_is_not_closed_again(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    with app.app_context():
        problem = db.session.get(Problem, problem_id)
        staff = db.session.get(User, world.staff_a_id)
        # Someone else closes it after this page loaded it.
        with db.engine.begin() as other:
            other.execute(
                Problem.__table__.update()
                .where(Problem.__table__.c.id == problem_id)
                .values(status="closed", answer="先答复", closed_on=date(2026, 12, 15))
            )
        with pytest.raises(ServiceError):
            close_problem(problem, staff, "后答复")
        with pytest.raises(ServiceError):
            reassign_problem(problem, db.session.get(User, world.admin_id), world.head_a_id)
        db.session.rollback()
    assert stored(app, Problem, problem_id).answer == "先答复"


def test_closing_needs_csrf(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    login(client, "staff_a")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/problems/{problem_id}/close", data={"answer": "好"})
    assert response.status_code == 400
    assert stored(app, Problem, problem_id).status == "open"


# --- reassigning ----------------------------------------------------------------------------


def test_a_head_reassigns_to_someone_who_works_on_the_event(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    login(client, "head_a")
    page = client.get(f"/problems/{problem_id}").get_data(as_text=True)
    assert 'data-testid="reassign-form"' in page
    response = client.post(
        f"/problems/{problem_id}/reassign", data={"owner_id": str(world.head_a_id)}
    )
    assert response.status_code == 302
    assert stored(app, Problem, problem_id).owner_id == world.head_a_id
    action, detail = audit_entries(app, "problem", problem_id)[-1]
    assert action == "problem.reassign"
    assert detail == {"from_owner_id": world.staff_a_id, "to_owner_id": world.head_a_id}
    with app.app_context():
        assert_consistent()


@pytest.mark.parametrize("target", ["staff_b", "same", "huge", "inactive"])
def test_reassigning_refuses_who_may_not_own_it(app, english, world, event_a, target):
    problem_id = new_problem(english, app, world, event_a)
    owner_id = {
        "staff_b": world.staff_b_id,
        "same": world.staff_a_id,
        "huge": 2**63,
    }.get(target)
    if target == "inactive":
        with app.app_context():
            db.session.get(User, world.head_a_id).is_active = False
            db.session.commit()
        owner_id = world.head_a_id
        login(english, "admin")
    else:
        login(english, "head_a")
    response = english.post(f"/problems/{problem_id}/reassign", data={"owner_id": str(owner_id)})
    assert response.status_code == 400
    assert "Choose someone else who works on this event" in response.get_data(as_text=True)
    assert stored(app, Problem, problem_id).owner_id == world.staff_a_id


def test_a_deactivated_owner_is_marked_for_reassigning(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    with app.app_context():
        db.session.get(User, world.staff_a_id).is_active = False
        db.session.commit()
    login(client, "head_a")
    assert 'data-testid="owner-deactivated"' in client.get("/problems/").get_data(as_text=True)
    response = client.post(
        f"/problems/{problem_id}/reassign", data={"owner_id": str(world.head_a_id)}
    )
    assert response.status_code == 302
    assert stored(app, Problem, problem_id).owner_id == world.head_a_id


def test_staff_may_not_reassign(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    login(client, "staff_a")
    assert 'data-testid="reassign-form"' not in client.get(f"/problems/{problem_id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/problems/{problem_id}/reassign", data={"owner_id": str(world.head_a_id)}
    )
    assert response.status_code == 403
    assert stored(app, Problem, problem_id).owner_id == world.staff_a_id


def test_get_never_changes_a_problem(app, client, world, event_a):
    problem_id = new_problem(client, app, world, event_a)
    login(client, "head_a")
    assert client.get(f"/problems/{problem_id}/close").status_code == 405
    assert client.get(f"/problems/{problem_id}/reassign").status_code == 405


# --- overdue and closed late, with the clock moved ----------------------------------------------


def test_overdue_shows_on_the_owners_home_the_event_and_the_heads_coverage(
    app, english, world, event_a
):
    with at(MONDAY):
        overdue_id = new_problem(english, app, world, event_a, description="逾期的问题")
        in_time_id = new_problem(english, app, world, event_a, description="按时的问题")
    # Saturday is the due date: still open in time.
    with at(MONDAY + 5 * DAY):
        login(english, "staff_a")
        home = english.get("/").get_data(as_text=True)
        assert 'data-count="overdue"><span class="num">0<' in home
        assert "due today" in home
        english.post(f"/problems/{in_time_id}/close", data={"answer": "当天答复"})
        logout(english)
    with at(MONDAY + 8 * DAY):
        login(english, "staff_a")
        home = english.get("/").get_data(as_text=True)
        assert 'data-count="overdue" class="is-alert"><span class="num">1<' in home
        assert "3 days overdue" in home and "逾期的问题" in home
        panel = english.get(f"/events/{event_a}").get_data(as_text=True)
        assert 'data-state="overdue"' in panel and 'data-state="closed"' in panel
        listing = english.get("/problems/?status=overdue").get_data(as_text=True)
        assert "逾期的问题" in listing and "按时的问题" not in listing
        logout(english)
        login(english, "head_a")
        page = english.get(f"/coverage/{world.district_a_id}").get_data(as_text=True)
        assert 'data-live="overdue" class="is-alert"><span class="num">1<' in page
        assert f'href="/problems/{overdue_id}"' in page
        live = english.get(f"/coverage/{world.district_a_id}.json").get_json()["problems_now"]
        assert live["open"] == 1 and live["overdue"] == 1
        assert live["overdue_problems"][0]["id"] == overdue_id
        assert live["overdue_problems"][0]["days_overdue"] == 3
        # Closed a week late: closed late from then on, on the owner's home page too.
        logout(english)
        login(english, "staff_a")
        english.post(f"/problems/{overdue_id}/close", data={"answer": "迟到的答复"})
        home = english.get("/").get_data(as_text=True)
        assert 'data-testid="my-late-problems"' in home and "迟到的答复" not in home
    assert audit_entries(app, "problem", overdue_id)[-1][1]["late"] is True
    with app.app_context():
        assert db.session.get(Problem, overdue_id).is_closed_late
        assert not db.session.get(Problem, in_time_id).is_closed_late
        assert_consistent()


def test_a_head_of_another_region_sees_none_of_it_on_coverage(app, client, world, event_a, head_b):
    with at(MONDAY):
        new_problem(client, app, world, event_a)
    with at(MONDAY + 9 * DAY):
        login(client, "head_b")
        live = client.get(f"/coverage/{world.district_b_id}.json").get_json()["problems_now"]
        assert live["open"] == 0 and live["overdue_problems"] == []
        assert client.get(f"/coverage/{world.district_a_id}.json").status_code == 404


def test_the_list_filters_and_pages(app, client, world, event_a):
    app.config["PER_PAGE"] = 2
    with at(MONDAY):
        for category in ("fees", "fraud", "fraud"):
            new_problem(client, app, world, event_a, category=category)
    login(client, "head_a")
    page = client.get("/problems/?category=fraud").get_data(as_text=True)
    assert page.count('data-testid="problem-row"') == 2
    page = client.get("/problems/").get_data(as_text=True)
    assert page.count('data-testid="problem-row"') == 2 and "page=2" in page
    assert (
        client.get("/problems/?page=2").get_data(as_text=True).count('data-testid="problem-row"')
        == 1
    )
    # Unknown filters and page numbers are no filter, never an error.
    assert client.get("/problems/?status=%00").status_code == 400
    for args in ("status=%07", "category=<script>", "page=99999999999999999999", "status=closed"):
        assert client.get(f"/problems/?{args}").status_code == 200
    assert "No problems match" in client.get("/problems/?status=closed&lang=en").get_data(
        as_text=True
    )


def test_the_list_puts_open_by_due_date_first_then_the_latest_closed(app, client, world, event_a):
    ids = {}
    for days, name in ((0, "closed_first"), (1, "open_later"), (2, "closed_last"), (3, "open")):
        with at(MONDAY - 20 * DAY + days * DAY):
            ids[name] = new_problem(client, app, world, event_a)
    # Raised a day apart, so due a day apart; the open one raised first is due first.
    for name, day in (("closed_first", 1), ("closed_last", 5)):
        with at(MONDAY + day * DAY):
            login(client, "staff_a")
            response = client.post(f"/problems/{ids[name]}/close", data={"answer": "已答复"})
            assert response.status_code == 302, response.get_data(as_text=True)
            logout(client)
    login(client, "head_a")
    page = client.get("/problems/").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'data-problem="(\d+)"', page)]
    assert order == [ids["open_later"], ids["open"], ids["closed_last"], ids["closed_first"]]


# --- retention of callback numbers ------------------------------------------------------------


def test_purge_clears_callback_numbers_of_problems_left_open(app, client, runner, world, event_a):
    with at(MONDAY):
        old_id = new_problem(
            client, app, world, event_a, callback_consent="y", callback_phone="13812345678"
        )
    with at(MONDAY + 20 * DAY):
        young_id = new_problem(
            client, app, world, event_a, callback_consent="y", callback_phone="13900001111"
        )
    with at(MONDAY + 31 * DAY):
        dry = runner.invoke(args=["purge", "--dry-run"])
        assert "1 callback numbers of open problems to clear" in dry.output
        assert stored(app, Problem, old_id).callback_phone == "13812345678"
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "1 callback numbers of open problems cleared" in result.output
    assert stored(app, Problem, old_id).callback_phone == ""
    assert stored(app, Problem, old_id).status == "open"
    assert stored(app, Problem, young_id).callback_phone == "13900001111"
    action, detail = audit_entries(app, "problem", old_id)[-1]
    assert action == "problem.clear_callback" and detail["reason"] == "retention"
    with app.app_context():
        assert_consistent()


# --- coverage figures -------------------------------------------------------------------------


def test_the_counts_are_rollup_columns_in_the_index_budget():
    names = [count.name for count in COUNTS]
    problems = ["problems_raised", "problems_resolved", "problems_resolved_late"]
    start = names.index(problems[0])
    assert names[start : start + 3] == problems
    assert len(METRICS) + 7 <= 32
    assert [f.key for f in shown_in(PDF_RECORD) if f.key in problems] == problems


@pytest.fixture
def problems_done(app, client, world, event_a) -> dict[str, int]:
    """Three problems at event A: one closed in time, one closed late, one open; and one at a
    cancelled event, which never counts."""
    other = add_event(app, world, title="取消的活动")
    confirm(app, other)
    with at(MONDAY):
        ids = [new_problem(client, app, world, event_a) for _ in range(3)]
        new_problem(client, app, world, other)
    set_status(app, other, EventStatus.CANCELLED, reason="下雨")
    for when, problem_id, answer in ((DAY, ids[0], "按时答复"), (9 * DAY, ids[1], "迟到答复")):
        # A login of its own at each moment: the session times out over the days between.
        with at(MONDAY + when):
            login(client, "staff_a")
            response = client.post(f"/problems/{problem_id}/close", data={"answer": answer})
            assert response.status_code == 302
            logout(client)
    with app.app_context():
        assert_consistent()
    return {"problems_raised": 3, "problems_resolved": 2, "problems_resolved_late": 1}


def coverage_args(app, world) -> str:
    """The period holding the world's event A."""
    with app.app_context():
        from outreach_app.events.models import Event

        month = db.session.get(Event, world.event_a_id).starts_at.strftime("%Y-%m")
    return f"period=custom&from={month}&to={month}"


def test_the_figures_on_the_page_and_in_every_export(app, english, world, problems_done):
    login(english, "head_a")
    args = coverage_args(app, world)
    base = f"/coverage/{world.district_a_id}"
    page = english.get(f"{base}?{args}").get_data(as_text=True)
    for key, value in problems_done.items():
        assert f'data-figure="{key}">{value}<' in page, key
    data = english.get(f"{base}.json?{args}").get_json()
    for key, value in problems_done.items():
        assert data["total"][key] == value
    text = english.get(f"{base}/export.csv?{args}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    summary = {row[0]: row[1] for row in rows if len(row) >= 2}
    for key, value in problems_done.items():
        assert summary[str(FIGURES[key].label)] == str(value)
    header = next(row for row in rows if str(FIGURES["problems_raised"].label) in row[1:])
    assert header  # also a column of the tables by kind, month and region
    book = load_workbook(io.BytesIO(english.get(f"{base}/export.xlsx?{args}").data))
    cells = {
        row[0].value: row[1].value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        if len(row) >= 2
    }
    for key, value in problems_done.items():
        assert cells[str(FIGURES[key].label)] == value
    pdf = english.get(f"{base}/export.pdf?{args}").data
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for key in problems_done:
        assert str(FIGURES[key].label) in text
    assert json.dumps(data)  # plain JSON all the way down


def test_deleting_an_event_with_problems_removes_them(app, client, world, event_a):
    new_problem(client, app, world, event_a)
    with app.app_context():
        from outreach_app.events.models import Event

        db.session.delete(db.session.get(Event, event_a))
        db.session.commit()
        assert count(app, Problem) == 0
        assert_consistent()


def test_reopened_status_values_are_the_model_enums():
    assert {s.value for s in ProblemStatus} == {"open", "closed"}
