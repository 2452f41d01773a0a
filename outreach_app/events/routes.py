"""Creating, editing and following one event through its lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.forms import csrf_failed, show_errors
from outreach_app.core.roles import Role
from outreach_app.core.scope import get_scoped_or_404, scope_of
from outreach_app.core.validation import ServiceError
from outreach_app.events.conflicts import find_conflicts
from outreach_app.events.forms import EventForm, StatusForm, event_form_data
from outreach_app.events.history import CHANGE_LABELS, FIELD_LABELS, HISTORY_LABELS, event_history
from outreach_app.events.lifecycle import (
    allowed_moves,
    can_edit,
    change_status,
    needs_change_reason,
)
from outreach_app.events.models import EVENT_STATUS_LABELS, Event, EventStatus
from outreach_app.events.panels import render_event_panels
from outreach_app.events.planning import EventPlan, plan_event_update, plan_new_events
from outreach_app.events.queries import (
    all_topics,
    load_event_details,
    partners_for_choice,
    series_size,
    staff_for_choice,
)
from outreach_app.events.services import create_events, update_event
from outreach_app.extensions import db
from outreach_app.reference.queries import event_kinds, target_groups
from outreach_app.regions.queries import branches_in_scope, regions_in_scope

bp = Blueprint("events", __name__)

COPY_SHIFT = timedelta(weeks=1)


def _user() -> User:
    return current_user._get_current_object()


def _event_form(user: User, event: Event | None, with_repeat: bool) -> EventForm:
    """The event form with the choices ``user`` may make; staff have no branch field."""
    form = EventForm()
    is_staff = scope_of(user).branch_id is not None
    if is_staff:
        del form.branch_id
    if not with_repeat:
        del form.repeat_frequency
        del form.repeat_until
        del form.repeat_count
    if event is None or not needs_change_reason(event, user):
        del form.change_reason
    branches = [] if is_staff else branches_in_scope(user)
    if event is not None and not is_staff and event.branch not in branches:
        branches.append(event.branch)
    regions = regions_in_scope(user)
    if event is not None and event.region_id not in {r.id for r, _depth in regions}:
        regions.insert(0, (event.region, 0))
    form.set_choices(
        kinds=event_kinds(keep=event.kind if event is not None else None),
        regions=regions,
        branches=branches,
        partners=partners_for_choice(user, event.partner if event is not None else None),
        groups=target_groups(keep=[g.id for g in event.target_groups] if event else ()),
        topics=all_topics(),
        staff=staff_for_choice(user, event),
        staff_grouped=not is_staff,
    )
    return form


def _checked_plan(form: EventForm, plan: Callable[[], EventPlan]) -> EventPlan | None:
    """Validate the form and let the service check the values, so that every problem shows at
    once beside its field; None unless both are happy. A failed CSRF check stops at once."""
    is_valid = form.validate()
    if csrf_failed(form):
        return None
    try:
        checked = plan()
    except ServiceError as error:
        show_errors(form, error)
        return None
    return checked if is_valid else None


def _render_form(form: EventForm, event: Event | None, conflicts=(), copied_from=None):
    return render_template(
        "events/form.html",
        form=form,
        event=event,
        conflicts=conflicts,
        copied_from=copied_from,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_event():
    """Plan an event, a copy of one (``?copy=<id>``), or a weekly or monthly series."""
    user = _user()
    source = None
    if "copy" in request.args:
        source = get_scoped_or_404(Event, request.args.get("copy"), user)
    form = _event_form(user, None, with_repeat=True)
    if not form.is_submitted():
        if source is not None:
            data = event_form_data(source, shift=COPY_SHIFT)
            del data["notes"]
            form.process(data=data)
        elif user.role is Role.STAFF:
            form.process(data={"staff_ids": [user.id]})
        return _render_form(form, None, copied_from=source)

    plan = _checked_plan(
        form, lambda: plan_new_events(user, form.event_input(), form.repeat_input())
    )
    if plan is None:
        return _render_form(form, None, copied_from=source)
    conflicts = find_conflicts(user, plan)
    if conflicts and not form.confirm_conflicts.data:
        return _render_form(form, None, conflicts=conflicts, copied_from=source)
    events = create_events(user, plan, copied_from=source)
    db.session.commit()
    if len(events) > 1:
        flash(ngettext("%(num)d event planned.", "%(num)d events planned.", len(events)), "success")
    else:
        flash(_("Event %(title)s planned.", title=events[0].title), "success")
    return redirect(url_for(".event_detail", event_id=events[0].id))


@bp.route("/<id:event_id>")
@login_required
def event_detail(event_id: int):
    """One event: its facts, lifecycle buttons, the panels other areas add (the post-event
    report, the print runs) and its history."""
    user = _user()
    event = load_event_details(get_scoped_or_404(Event, event_id, user))
    return render_template(
        "events/detail.html",
        event=event,
        moves=allowed_moves(event),
        may_edit=can_edit(event, user),
        history=event_history(event),
        series_size=series_size(event),
        history_labels=HISTORY_LABELS,
        change_labels=CHANGE_LABELS,
        field_labels=FIELD_LABELS,
        status_labels=EVENT_STATUS_LABELS,
        show_branch=user.role is not Role.STAFF,
        panels=render_event_panels(event, user),
    )


@bp.route("/<id:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    """Change an event; completed events only for heads and admins, cancelled ones never."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if not can_edit(event, user):
        return render_template("events/read_only.html", event=event), 403
    form = _event_form(user, event, with_repeat=False)
    if not form.is_submitted():
        form.process(data=event_form_data(event))
        return _render_form(form, event)

    reason = form.change_reason.data if "change_reason" in form else ""
    plan = _checked_plan(
        form, lambda: plan_event_update(user, event, form.event_input(), reason or "")
    )
    if plan is None:
        return _render_form(form, event)
    conflicts = find_conflicts(user, plan, editing=event)
    if conflicts and not form.confirm_conflicts.data:
        return _render_form(form, event, conflicts=conflicts)
    changed = update_event(user, event, plan)
    db.session.commit()
    if changed:
        flash(_("Event %(title)s saved.", title=event.title), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for(".event_detail", event_id=event.id))


@bp.route("/<id:event_id>/status", methods=["POST"])
@login_required
def change_event_status(event_id: int):
    """Move an event along its lifecycle; completing goes through the post-event report."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    form = StatusForm()
    detail = url_for(".event_detail", event_id=event.id)
    if not form.validate_on_submit():
        if form.reason.errors and form.to.data == EventStatus.CANCELLED.value:
            return render_template("events/cancel.html", event=event, form=form)
        flash(_("This form has expired. Reload the page and try again."), "danger")
        return redirect(detail)
    try:
        target = EventStatus(form.to.data or "")
    except ValueError:
        flash(_("Choose a status from the list."), "danger")
        return redirect(detail)
    if target is EventStatus.COMPLETED and target in allowed_moves(event):
        # Completing an event means writing its report, which completes it.
        return redirect(f"/events/{event.id}/report", 303)
    try:
        change_status(event, target, user, reason=form.reason.data or "")
    except ServiceError as error:
        db.session.rollback()
        flash(str(error), "danger")
        if target is EventStatus.CANCELLED and target in allowed_moves(event):
            return redirect(url_for(".cancel_event", event_id=event.id))
        return redirect(detail)
    db.session.commit()
    flash(
        _("Event %(title)s is now %(status)s.", title=event.title, status=event.status_label),
        "success",
    )
    return redirect(detail)


@bp.route("/<id:event_id>/cancel")
@login_required
def cancel_event(event_id: int):
    """Ask why before cancelling; the form posts to the status change."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if EventStatus.CANCELLED not in allowed_moves(event):
        flash(
            _("An event that is %(status)s cannot be cancelled.", status=event.status_label),
            "warning",
        )
        return redirect(url_for(".event_detail", event_id=event.id))
    form = StatusForm(data={"to": EventStatus.CANCELLED.value})
    return render_template("events/cancel.html", event=event, form=form)


@bp.route("/<id:event_id>/duplicate", methods=["POST"])
@login_required
def duplicate_event(event_id: int):
    """Open the new-event form filled in from this event, a week later; nothing is saved yet."""
    event = get_scoped_or_404(Event, event_id, _user())
    return redirect(url_for(".new_event", copy=event.id), 303)
