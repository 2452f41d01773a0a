"""Recording problems customers raised at events and following them up.

首问负责制: whoever first heard a problem owns it (by default the person who records it) and
answers it; a regional head or an administrator may hand it to someone else who works on the
event. 限时办结制: each problem is due ``PROBLEM_DAYS_TO_CLOSE`` days after it is raised; open
past that day it is overdue, closed after it, it was closed late.

Personal data (PIPL art. 6): nothing asks for the customer's name or ID number, and a
description that looks as if it holds a phone or ID number is sent back once with a warning
(the user removes it or confirms). A callback number is kept only when the customer agreed to
be called back, is shown masked except on the problem's own page, and is deleted when the
problem is closed (or, for one left open, by the retention rule in ``problems.retention``).

Every change is in the audit log; services flush, the view commits. Closing a problem changes
its row, which marks its event for a recount of the coverage rollups.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.ids import parse_id
from outreach_app.core.roles import Role
from outreach_app.core.scope import scope_clause, scope_of, scoped_select
from outreach_app.core.types import utcnow
from outreach_app.core.validation import ServiceError
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.problems.models import (
    ANSWER_MAX,
    DESCRIPTION_MAX,
    Problem,
    ProblemCategory,
    ProblemStatus,
)
from outreach_app.regions.models import Branch, Region, region_subtree

# Problems are raised at an event that took place (or is taking place): not at a planned one.
PROBLEM_STATUSES = frozenset({EventStatus.CONFIRMED, EventStatus.COMPLETED})

CHOOSE_CATEGORY = _l("Choose what the problem is about from the list.")
DESCRIBE_PROBLEM = _l("Describe the problem the customer raised.")
DESCRIPTION_TOO_LONG = _l("Keep the description to 1000 characters or fewer.")
CHOOSE_OWNER = _l("Choose who first received the problem from the list.")
CALLBACK_WITHOUT_CONSENT = _l(
    "Record a callback number only when the customer agreed to be called back: tick the box, "
    "or leave the number empty."
)
BAD_PHONE = _l("Enter a mobile number of 11 digits or a landline number with its area code.")
LOOKS_PERSONAL = _l(
    "The description looks as if it holds a phone number or an ID number. Customers' names, ID "
    "numbers and phone numbers are not recorded here (a callback number has its own field). "
    "Remove it, or tick the box below to save the description as it is."
)
WRITE_ANSWER = _l("Write the answer given to the customer.")
ANSWER_TOO_LONG = _l("Keep the answer to 1000 characters or fewer.")
CHOOSE_NEW_OWNER = _l("Choose someone else who works on this event.")

# A mobile number (11 digits from 13x to 19x) or a landline with its area code, digits only.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
# What a description is checked for: the same numbers written with spaces or hyphens, and a
# resident ID number (18 characters with a birth date, or the old 15 digits).
_PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?!\d)"
)
_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"|\d{15})(?![0-9A-Za-z])"
)


def local_today() -> date:
    """Today in the bank's time zone: due dates, overdue and late are days of its calendar."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def days_to_close() -> int:
    """The time limit from the configuration, in whole days (at least 1)."""
    days = int(current_app.config["PROBLEM_DAYS_TO_CLOSE"])
    if days < 1:
        raise ValueError(f"PROBLEM_DAYS_TO_CLOSE must be at least 1 day, not {days}.")
    return days


def looks_personal(text: str) -> bool:
    """True when ``text`` seems to hold a phone number or a resident ID number (full-width
    digits included)."""
    text = unicodedata.normalize("NFKC", text or "")
    return bool(_PHONE_IN_TEXT.search(text) or _ID_IN_TEXT.search(text))


def normalise_phone(text: str) -> str | None:
    """A callback number as its digits (spaces, hyphens and brackets dropped; full-width digits
    made ASCII), or None when it is neither a mobile nor a landline number."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def mask_phone(phone: str) -> str:
    """A number as lists show it: its first three and last four digits (138****5678)."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


# Who may do what ---------------------------------------------------------------------------------


def may_add_problems(event: Event, user: User) -> bool:
    """Problems are recorded for a confirmed or completed event by anyone who sees it.

    Unlike the report, a completed event stays open to its branch's staff here: following up
    what customers raised is the work that comes after the event.
    """
    return event.status in PROBLEM_STATUSES and user.is_active


def may_close(problem: Problem, user: User) -> bool:
    """The owner closes an open problem; a head (of a region above it) or an administrator
    may close it too."""
    return problem.is_open and (problem.owner_id == user.id or user.role in (Role.HEAD, Role.ADMIN))


def may_reassign(problem: Problem, user: User) -> bool:
    """Only heads and administrators hand an open problem to another owner."""
    return problem.is_open and user.role in (Role.HEAD, Role.ADMIN)


def owner_choices(event: Event) -> list[User]:
    """The active users who work on ``event`` and so may own its problems: the staff of its
    branch (while the branch is open), the heads of its region or any region above it, and the
    administrators; staff first, each group by name."""
    branch_active = select(Branch.is_active).where(Branch.id == event.branch_id).scalar_subquery()
    # The event's region and every region above it, read from its materialised path.
    enclosing = [int(part) for part in event.region.path.strip("/").split("/") if part]
    stmt = select(User).where(
        User.is_active.is_(True),
        or_(
            User.role == Role.ADMIN,
            and_(User.role == Role.STAFF, User.branch_id == event.branch_id, branch_active),
            and_(User.role == Role.HEAD, User.region_id.in_(enclosing)),
        ),
    )
    order = {Role.STAFF: 0, Role.HEAD: 1, Role.ADMIN: 2}
    people = list(db.session.scalars(stmt))
    return sorted(people, key=lambda u: (order[u.role], u.label, u.id))


def _owner(event: Event, owner_id: Any, field: str, message: Any) -> User:
    key = parse_id(owner_id)
    owner = next((u for u in owner_choices(event) if u.id == key), None) if key else None
    if owner is None:
        raise ServiceError(str(message), field=field)
    return owner


# Recording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemInput:
    """What a user enters for a new problem (text already cleaned of control characters)."""

    category: str
    description: str
    owner_id: Any
    callback_consent: bool = False
    callback_phone: str = ""
    # The user saw the warning about a phone or ID number in the description and keeps it.
    keep_personal_text: bool = False


def _checked(event: Event, data: ProblemInput) -> tuple[ProblemCategory, str, User, str]:
    problems: dict[str, str] = {}
    try:
        category = ProblemCategory(data.category)
    except ValueError:
        category = None
        problems["category"] = str(CHOOSE_CATEGORY)
    description = (data.description or "").strip()
    if not description:
        problems["description"] = str(DESCRIBE_PROBLEM)
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = str(DESCRIPTION_TOO_LONG)
    owner = None
    try:
        owner = _owner(event, data.owner_id, "owner_id", CHOOSE_OWNER)
    except ServiceError as error:
        problems.update(error.problems)
    phone = ""
    if (data.callback_phone or "").strip():
        if not data.callback_consent:
            problems["callback_phone"] = str(CALLBACK_WITHOUT_CONSENT)
        else:
            phone = normalise_phone(data.callback_phone) or ""
            if not phone:
                problems["callback_phone"] = str(BAD_PHONE)
    if problems:
        raise ServiceError(problems)
    if looks_personal(description) and not data.keep_personal_text:
        raise ServiceError(str(LOOKS_PERSONAL), field="keep_personal_text")
    assert category is not None and owner is not None
    return category, description, owner, phone


def create_problem(event: Event, actor: User, data: ProblemInput) -> Problem:
    """Record a problem raised at ``event``, owned by ``data.owner_id`` and due in the
    configured number of days. Raises ServiceError, changing nothing, when the event takes no
    problems, a rule is broken, or the description needs the user's confirmation."""
    if not may_add_problems(event, actor):
        raise ServiceError(_("Problems are recorded for confirmed or completed events only."))
    category, description, owner, phone = _checked(event, data)
    today = local_today()
    problem = Problem(
        event=event,
        category=category,
        description=description,
        owner=owner,
        raised_on=today,
        due_on=today + timedelta(days=days_to_close()),
        status=ProblemStatus.OPEN,
        callback_consent=bool(phone),
        callback_phone=phone,
        created_by=actor,
    )
    db.session.add(problem)
    db.session.flush()
    record(
        "problem.create",
        problem,
        actor=actor,
        event_id=event.id,
        category=str(category),
        owner_id=owner.id,
        due_on=problem.due_on.isoformat(),
        has_callback=bool(phone),
        kept_personal_text=looks_personal(description),
    )
    return problem


def _lock(problem: Problem) -> None:
    """Reload ``problem`` and lock its row (PostgreSQL), so that two people closing or
    reassigning it at once take turns and the second sees what the first did."""
    db.session.refresh(problem, with_for_update=True)


def close_problem(problem: Problem, actor: User, answer: str) -> None:
    """Close ``problem`` with the answer given to the customer; its callback number is
    deleted. Raises ServiceError when ``actor`` may not close it (also when it was closed in
    the meantime) or the answer is missing or too long."""
    _lock(problem)
    if not may_close(problem, actor):
        raise ServiceError(_("Only the owner, a regional head or an administrator may close it."))
    answer = (answer or "").strip()
    if not answer:
        raise ServiceError(str(WRITE_ANSWER), field="answer")
    if len(answer) > ANSWER_MAX:
        raise ServiceError(str(ANSWER_TOO_LONG), field="answer")
    had_callback = bool(problem.callback_phone)
    problem.status = ProblemStatus.CLOSED
    problem.answer = answer
    problem.closed_on = local_today()
    problem.closed_at = utcnow()
    problem.closed_by = actor
    problem.callback_phone = ""
    db.session.flush()
    record(
        "problem.close",
        problem,
        actor=actor,
        closed_on=problem.closed_on.isoformat(),
        due_on=problem.due_on.isoformat(),
        late=problem.is_closed_late,
        callback_deleted=had_callback,
    )


def reassign_problem(problem: Problem, actor: User, owner_id: Any) -> User:
    """Hand an open problem to another user who works on its event; returns the new owner.
    Raises ServiceError when ``actor`` may not, or the new owner is not allowed."""
    _lock(problem)
    if not may_reassign(problem, actor):
        raise ServiceError(_("Only regional heads and administrators may reassign a problem."))
    owner = _owner(problem.event, owner_id, "owner_id", CHOOSE_NEW_OWNER)
    if owner.id == problem.owner_id:
        raise ServiceError(str(CHOOSE_NEW_OWNER), field="owner_id")
    previous = problem.owner_id
    problem.owner = owner
    db.session.flush()
    record("problem.reassign", problem, actor=actor, from_owner_id=previous, to_owner_id=owner.id)
    return owner


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """How many problems are open, overdue (open past their due date), closed, closed late."""

    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_late: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name, for the JSON."""
        return {
            "open": self.open,
            "overdue": self.overdue,
            "closed": self.closed,
            "closed_late": self.closed_late,
        }


def _counts(stmt: Select[Any], today: date) -> Counts:
    """The four counts of the problems ``stmt`` (a select of Problem) selects, in one query."""
    sub = stmt.subquery()
    is_open = sub.c.status == ProblemStatus.OPEN
    row = db.session.execute(
        select(
            func.count().filter(is_open),
            func.count().filter(is_open, sub.c.due_on < today),
            func.count().filter(sub.c.status == ProblemStatus.CLOSED),
            func.count().filter(sub.c.closed_on > sub.c.due_on),
        )
    ).one()
    return Counts(*(int(value or 0) for value in row))


def _listed(stmt: Select[Any]) -> Select[Any]:
    """Problems to show in a list: with their event and owner, most urgent first (open by due
    date, then the most recently closed)."""
    is_open = Problem.status == ProblemStatus.OPEN
    return stmt.options(selectinload(Problem.event), selectinload(Problem.owner)).order_by(
        case((is_open, 0), else_=1),
        case((is_open, Problem.due_on), else_=None),
        Problem.closed_at.desc(),
        Problem.id,
    )


@dataclass(frozen=True)
class EventProblems:
    """An event page's problems panel: the counts, every problem, and what the user may do."""

    counts: Counts
    problems: list[Problem]
    may_add: bool
    today: date


def event_panel_context(event: Event, user: User) -> dict[str, EventProblems]:
    """The variables of the event page's problems panel (``problems/_event_panel.html``)."""
    today = local_today()
    stmt = select(Problem).where(Problem.event_id == event.id)
    return {
        "problems_info": EventProblems(
            counts=_counts(stmt, today),
            problems=list(db.session.scalars(_listed(stmt))),
            may_add=may_add_problems(event, user),
            today=today,
        )
    }


@dataclass(frozen=True)
class OwnerProblems:
    """A user's own problems for the home page: counts, the open ones, and those closed late."""

    counts: Counts
    open: list[Problem]
    closed_late: list[Problem]
    today: date


OWNER_LIST_LIMIT = 20


def owner_summary(user: User) -> OwnerProblems:
    """The problems ``user`` owns (within what they may see): counts, the open ones by due
    date, and the latest closed late."""
    today = local_today()
    mine = scoped_select(Problem, user).where(Problem.owner_id == user.id)
    open_stmt = _listed(mine.where(Problem.status == ProblemStatus.OPEN))
    late_stmt = mine.where(Problem.closed_on > Problem.due_on).order_by(
        Problem.closed_at.desc(), Problem.id.desc()
    )
    return OwnerProblems(
        counts=_counts(mine, today),
        open=list(db.session.scalars(open_stmt.limit(OWNER_LIST_LIMIT))),
        closed_late=list(
            db.session.scalars(
                late_stmt.options(selectinload(Problem.event)).limit(OWNER_LIST_LIMIT)
            )
        ),
        today=today,
    )


@dataclass(frozen=True)
class RegionProblems:
    """A region's problems as they stand today (coverage page, JSON): open and overdue now,
    whatever the date of their event, and the overdue ones to chase, most overdue first."""

    open: int
    overdue: int
    overdue_list: list[Problem]
    today: date


REGION_OVERDUE_LIMIT = 10  # the coverage page's list; the problems list has them all


def region_summary(user: User, region: Region, today: date) -> RegionProblems:
    """Open and overdue problems of the events at or below ``region`` (checked to be in
    ``user``'s scope) that ``user`` may see, today, and the overdue ones. Reads only open
    problems, through the status and due date index."""
    open_here = (
        select(Problem)
        .join(Problem.event)
        .where(
            Problem.status == ProblemStatus.OPEN,
            Event.region_id.in_(region_subtree(region.path)),
            Event.status != EventStatus.CANCELLED,
            scope_clause(Event, scope_of(user)),
        )
    )
    counts = _counts(open_here, today)
    overdue = (
        open_here.where(Problem.due_on < today)
        .options(selectinload(Problem.event).selectinload(Event.region))
        .options(selectinload(Problem.owner))
        .order_by(Problem.due_on, Problem.id)
        .limit(REGION_OVERDUE_LIMIT)
    )
    return RegionProblems(
        open=counts.open,
        overdue=counts.overdue,
        overdue_list=list(db.session.scalars(overdue)),
        today=today,
    )


LIST_STATUSES = ("open", "overdue", "closed", "closed_late")


@dataclass(frozen=True)
class ProblemFilters:
    """The problems list's filters: a status (or one of overdue and closed late), a category."""

    status: str | None = None
    category: ProblemCategory | None = None


def list_problems(user: User, filters: ProblemFilters, today: date) -> Select[Any]:
    """The problems ``user`` may see that match ``filters``, most urgent first."""
    stmt = scoped_select(Problem, user)
    if filters.status == "open":
        stmt = stmt.where(Problem.status == ProblemStatus.OPEN)
    elif filters.status == "overdue":
        stmt = stmt.where(Problem.status == ProblemStatus.OPEN, Problem.due_on < today)
    elif filters.status == "closed":
        stmt = stmt.where(Problem.status == ProblemStatus.CLOSED)
    elif filters.status == "closed_late":
        stmt = stmt.where(Problem.closed_on > Problem.due_on)
    if filters.category is not None:
        stmt = stmt.where(Problem.category == filters.category)
    return _listed(stmt)
