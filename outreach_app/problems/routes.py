"""The problems pages: the list in the user's scope, recording one from an event, and one
problem's page, where it is closed or reassigned.

Every view loads the event or the problem through the user's scope first (404 outside it).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.forms import show_errors
from outreach_app.core.pagination import paginate
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.core.validation import ServiceError
from outreach_app.events.models import Event
from outreach_app.events.urls import event_page_url
from outreach_app.extensions import db
from outreach_app.problems.forms import (
    CloseForm,
    ProblemFilterForm,
    ProblemForm,
    ReassignForm,
    category_choices,
)
from outreach_app.problems.models import Problem, ProblemCategory
from outreach_app.problems.services import (
    LIST_STATUSES,
    EventProblems,
    ProblemFilters,
    close_problem,
    create_problem,
    days_to_close,
    event_panel_context,
    list_problems,
    local_today,
    mask_phone,
    may_add_problems,
    may_close,
    may_reassign,
    owner_choices,
    reassign_problem,
)

bp = Blueprint("problems", __name__)

# Where the new-problem form returns to, besides the event page (an allowlist, never a URL).
RETURN_TO_REPORT = "report"


def _user() -> User:
    return current_user._get_current_object()


@bp.app_template_global("event_problems_panel")
def event_problems_panel(event: Event) -> EventProblems:
    """The data of ``problems/_event_panel.html`` for the current user (the report page)."""
    return event_panel_context(event, _user())["problems_info"]


@bp.app_template_filter("day")
def day_filter(value: date | None) -> str:
    """A calendar day in the current language (medium length), or nothing."""
    return format_date(value, "medium") if value is not None else ""


@bp.app_template_filter("masked_phone")
def masked_phone_filter(value: str) -> str:
    """A callback number as lists show it (138****5678)."""
    return mask_phone(value)


def _owner_options(event: Event) -> list[tuple[str, str]]:
    return [(str(u.id), f"{u.label} · {_role_place(u)}") for u in owner_choices(event)]


def _role_place(user: User) -> str:
    """Where a possible owner works, to tell people of the same name apart."""
    if user.branch is not None:
        return user.branch.name
    if user.region is not None:
        return user.region.name
    return _("Administrator")


def _status_choices() -> list[tuple[str, str]]:
    labels = {
        "open": _("Open"),
        "overdue": _("Overdue"),
        "closed": _("Closed"),
        "closed_late": _("Closed late"),
    }
    return [("", _("Any status"))] + [(key, labels[key]) for key in LIST_STATUSES]


@bp.route("/problems/")
@login_required
def list_view():
    """The problems the user may see, most urgent first, filtered by status and category."""
    form = ProblemFilterForm(request.args)
    form.status.choices = _status_choices()
    form.category.choices = category_choices(_("Any category"))
    status = form.status.data if form.status.data in LIST_STATUSES else None
    category = form.category.data if form.category.data in set(ProblemCategory) else None
    filters = ProblemFilters(status, ProblemCategory(category) if category else None)
    today = local_today()
    page = paginate(list_problems(_user(), filters, today), current_app.config["PER_PAGE"])
    return render_template(
        "problems/list.html",
        form=form,
        page=page,
        today=today,
        is_filtered=bool(status or category),
    )


@bp.route("/events/<id:event_id>/problems/new", methods=["GET", "POST"])
@login_required
def new(event_id: int):
    """Record a problem a customer raised at the event."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    back = request.args.get("from")
    back_url = (
        url_for("event_reports.report", event_id=event.id)
        if back == RETURN_TO_REPORT
        else event_page_url(event)
    )
    if not may_add_problems(event, user):
        return render_template(
            "problems/new.html", event=event, form=None, back_url=back_url, event_url=back_url
        )
    form = ProblemForm()
    form.category.choices = category_choices(_("Choose"))
    form.owner_id.choices = [("", _("Choose"))] + _owner_options(event)
    if request.method == "GET":
        form.owner_id.data = user.id
    if form.validate_on_submit():
        try:
            create_problem(event, user, form.details())
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Problem recorded."), "success")
            return redirect(back_url)
    return render_template(
        "problems/new.html",
        event=event,
        form=form,
        back_url=back_url,
        event_url=event_page_url(event),
        days=days_to_close(),
        asks_to_confirm=bool(form.keep_personal_text.errors or form.keep_personal_text.data),
    )


def _load(problem_id: int, user: User) -> Problem:
    return get_scoped_or_404(Problem, problem_id, user)


def _detail(problem: Problem, user: User, close_form=None, reassign_form=None, status=200):
    if close_form is None and may_close(problem, user):
        close_form = CloseForm(formdata=None)
    if may_reassign(problem, user):
        if reassign_form is None:
            reassign_form = ReassignForm(formdata=None)
        reassign_form.owner_id.choices = [("", _("Choose"))] + [
            choice for choice in _owner_options(problem.event) if choice[0] != str(problem.owner_id)
        ]
    else:
        reassign_form = None
    html = render_template(
        "problems/detail.html",
        problem=problem,
        event=problem.event,
        event_url=event_page_url(problem.event),
        close_form=close_form if may_close(problem, user) else None,
        reassign_form=reassign_form,
        today=local_today(),
    )
    return html, status


@bp.route("/problems/<id:problem_id>")
@login_required
def detail(problem_id: int):
    """One problem: what was raised, its owner and due date, the callback number in full
    while it is open, the answer once closed; the close and reassign forms for those allowed."""
    user = _user()
    return _detail(_load(problem_id, user), user)


@bp.route("/problems/<id:problem_id>/close", methods=["POST"])
@login_required
def close(problem_id: int):
    """Close the problem with the answer given; its callback number is deleted."""
    user = _user()
    problem = _load(problem_id, user)
    if not may_close(problem, user):
        abort(403)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            close_problem(problem, user, form.answer.data or "")
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Problem closed."), "success")
            return redirect(url_for(".detail", problem_id=problem.id))
    return _detail(problem, user, close_form=form, status=400)


@bp.route("/problems/<id:problem_id>/reassign", methods=["POST"])
@login_required
def reassign(problem_id: int):
    """Hand the problem to another person who works on its event (heads and admins)."""
    user = _user()
    problem = _load(problem_id, user)
    if not may_reassign(problem, user):
        abort(403)
    form = ReassignForm()
    form.owner_id.choices = _owner_options(problem.event)
    if form.validate_on_submit():
        try:
            owner = reassign_problem(problem, user, form.owner_id.data)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Problem reassigned to %(name)s.", name=owner.label), "success")
            return redirect(url_for(".detail", problem_id=problem.id))
    return _detail(problem, user, reassign_form=form, status=400)
