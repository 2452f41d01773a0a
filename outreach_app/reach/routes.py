"""Online and media reach: a branch's items (with or without an event), added, changed and
removed in the user's scope; the event page lists its own items in a panel."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.forms import show_errors
from outreach_app.core.months import Month
from outreach_app.core.pagination import paginate
from outreach_app.core.roles import Role
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.core.urls import safe_next
from outreach_app.core.validation import ServiceError
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.reach.forms import ConfirmForm, ReachFilterForm, ReachForm, kind_choices
from outreach_app.reach.models import ReachItem
from outreach_app.reach.services import (
    ReachFilters,
    branch_for_new_item,
    create_item,
    delete_item,
    event_choices,
    parse_kind,
    reach_list_query,
    update_item,
)
from outreach_app.regions.models import Branch
from outreach_app.regions.queries import branch_in_scope, branches_in_scope

bp = Blueprint("reach", __name__)


def _user() -> User:
    return current_user._get_current_object()


def _today() -> date:
    """Today in the bank's time zone: an item cannot be published later than that."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _event_label(event: Event) -> str:
    return f"{format_date(event.starts_at.date(), 'yyyy-MM-dd')} {event.title}"


def _form(user: User, branch: Branch | None, item: ReachItem | None = None) -> ReachForm:
    """The item form: the kinds, the events of ``branch`` (an item's own event always), and
    for a new item of a head or an administrator without a branch yet, the branch choice."""
    form = ReachForm(obj=item)
    form.kind.choices = kind_choices(_("Choose a kind"))
    events = event_choices(user, branch) if branch is not None else []
    if item is not None and item.event is not None and item.event not in events:
        events.append(item.event)
    form.event_id.choices = [("", _("No event: the branch's own"))] + [
        (str(e.id), _event_label(e)) for e in events
    ]
    if branch is not None:
        del form.branch_id
    else:
        form.branch_id.choices = [("", _("Choose a branch"))] + [
            (str(b.id), b.name) for b in branches_in_scope(user)
        ]
    return form


def _back(item: ReachItem | None = None, event: Event | None = None) -> str:
    """Where to go after a change: the page the user came from, or the item's event page or
    the list."""
    target = safe_next(request.values.get("next"))
    if target:
        return target
    event_id = event.id if event is not None else (item.event_id if item is not None else None)
    if event_id is not None:
        return url_for("events.event_detail", event_id=event_id, _anchor="reach")
    return url_for(".list_items")


@bp.route("/reach/")
@login_required
def list_items():
    """The items in the user's scope, newest first: filters by kind, month and branch."""
    user = _user()
    form = ReachFilterForm(formdata=request.args)
    form.kind.choices = kind_choices(_("All kinds"))
    show_branch = user.role is not Role.STAFF
    branch = None
    if show_branch:
        form.branch.choices = [("", _("All branches"))] + [
            (str(b.id), b.name) for b in branches_in_scope(user)
        ]
        branch = branch_in_scope(user, request.args.get("branch"))
    else:
        del form.branch
    filters = ReachFilters(
        kind=parse_kind(request.args.get("kind", "")),
        month=Month.parse(request.args.get("month", "")),
        branch=branch,
    )
    page = paginate(reach_list_query(user, filters), current_app.config["PER_PAGE"])
    return render_template(
        "reach/list.html", form=form, page=page, filters=filters, show_branch=show_branch
    )


def _save_new(user: User, form: ReachForm, branch: Branch | None, event: Event | None):
    """Create the item the form holds, or show the form again with the errors."""
    try:
        if branch is None:
            branch = branch_for_new_item(user, form.branch_id.data)
        item = create_item(user, branch, form.details(), _today())
    except ServiceError as error:
        show_errors(form, error)
        return None
    db.session.commit()
    flash(_("%(kind)s of %(outlet)s added.", kind=item.kind_label, outlet=item.outlet), "success")
    return redirect(_back(item, event))


@bp.route("/reach/new", methods=["GET", "POST"])
@login_required
def new_item():
    """Add an item: staff for their branch, heads and administrators for a branch they
    choose, with or without one of its events."""
    user = _user()
    branch = user.branch if user.role is Role.STAFF else None
    if user.role is Role.STAFF and branch_in_scope(user, user.branch_id) is None:
        flash(_("Your account has no active branch."), "warning")
        return redirect(url_for(".list_items"))
    form = _form(user, branch)
    if form.validate_on_submit():
        response = _save_new(user, form, branch, None)
        if response is not None:
            return response
    return render_template("reach/form.html", form=form, item=None, event=None, back=_back())


@bp.route("/events/<id:event_id>/reach/new", methods=["GET", "POST"])
@login_required
def new_event_item(event_id: int):
    """Add an item about one event, for the event's branch."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    form = _form(user, event.branch)
    if request.method == "GET":
        form.event_id.data = event.id
    if form.validate_on_submit():
        response = _save_new(user, form, event.branch, event)
        if response is not None:
            return response
    back = _back(event=event)
    return render_template("reach/form.html", form=form, item=None, event=event, back=back)


@bp.route("/reach/<id:reach_item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(reach_item_id: int):
    """Change an item; its branch stays, its event may change to another of the branch's
    events or to none."""
    user = _user()
    item = get_scoped_or_404(ReachItem, reach_item_id, user)
    form = _form(user, item.branch, item)
    if request.method == "GET":
        form.event_id.data = item.event_id or ""
    if form.validate_on_submit():
        try:
            changes = update_item(user, item, form.details(), _today())
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("%(outlet)s saved.", outlet=item.outlet), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(_back(item))
    return render_template(
        "reach/form.html", form=form, item=item, event=item.event, back=_back(item)
    )


@bp.route("/reach/<id:reach_item_id>/remove", methods=["GET", "POST"])
@login_required
def remove_item(reach_item_id: int):
    """Ask, then remove an item; its counts leave coverage with it."""
    user = _user()
    item = get_scoped_or_404(ReachItem, reach_item_id, user)
    form = ConfirmForm()
    back = _back(item)
    if form.validate_on_submit():
        outlet = item.outlet
        delete_item(user, item)
        db.session.commit()
        flash(_("%(outlet)s removed.", outlet=outlet), "success")
        return redirect(back)
    return render_template("reach/remove.html", form=form, item=item, back=back)
