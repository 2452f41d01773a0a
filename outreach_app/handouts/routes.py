"""Handout pages: the content library (admins edit, everyone reads) and an event's print runs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice

from outreach_app.auth.models import User
from outreach_app.core.access import admin_required
from outreach_app.core.downloads import content_disposition, spooled
from outreach_app.core.forms import csrf_failed, show_errors
from outreach_app.core.pagination import paginate
from outreach_app.core.roles import Role
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.core.validation import ServiceError
from outreach_app.events.lifecycle import is_locked_for, needs_change_reason
from outreach_app.events.models import Event, EventStatus
from outreach_app.events.urls import event_page_url
from outreach_app.extensions import db
from outreach_app.handouts.forms import (
    ConfirmForm,
    HandoutCreateForm,
    HandoutEditForm,
    LibraryFilterForm,
    PrintRunForm,
    RevokeForm,
    group_choices,
    topic_choices,
)
from outreach_app.handouts.library import (
    EVERYONE,
    LibraryFilters,
    add_version,
    all_target_groups,
    all_topics,
    create_handout,
    current_versions,
    library_select,
    runs_per_version,
    set_handout_active,
    versions_of,
)
from outreach_app.handouts.models import (
    Handout,
    HandoutLanguage,
    PrintLayout,
    PrintRun,
)
from outreach_app.handouts.preview import preview_png
from outreach_app.handouts.services import (
    active_handouts,
    create_print_run,
    default_copies,
    default_layout,
    preview_page,
    print_run_filename,
    revoke_print_run,
    suggested_handout,
    write_print_run,
)
from outreach_app.handouts.text import HandoutText
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.reference.queries import target_groups

bp = Blueprint("handouts", __name__)

LIBRARY_PER_PAGE = 20
PREVIEW_MAX_AGE = 60


def _user() -> User:
    return current_user._get_current_object()


# The library, for everyone ---------------------------------------------------------------------


def _library_filters(
    form: LibraryFilterForm, topics: list[Topic], groups: list[TargetGroup], is_admin: bool
) -> LibraryFilters:
    """The filters of the list; values that name nothing are ignored."""
    topic = request.args.get("topic", "")
    group = request.args.get("group", "")
    language = request.args.get("language", "")
    topic_ids = {str(t.id) for t in topics}
    group_values = {EVERYONE, *(str(g.id) for g in groups)}
    return LibraryFilters(
        q=form.search_text(),
        topic_id=int(topic) if topic in topic_ids else None,
        group=group if group in group_values else "",
        language=HandoutLanguage(language) if language in set(HandoutLanguage) else None,
        include_inactive=is_admin,
    )


@bp.route("/handouts")
@login_required
def library():
    """Every handout in use with its current text; admins also see those taken out of use."""
    user = _user()
    is_admin = user.role is Role.ADMIN
    topics, groups = all_topics(), all_target_groups()
    form = LibraryFilterForm(request.args)
    form.topic.choices = topic_choices(topics, _("All topics"))
    form.group.choices = group_choices(groups, _("All groups"))
    filters = _library_filters(form, topics, groups, is_admin)
    page = paginate(library_select(filters), LIBRARY_PER_PAGE, error_out=False)
    versions = current_versions([h.id for h in page.items])
    return render_template(
        "handouts/library.html",
        form=form,
        filters=filters,
        page=page,
        versions=versions,
        is_admin=is_admin,
    )


# The library, for administrators --------------------------------------------------------------


def _load_handout(handout_id: int) -> Handout:
    return db.get_or_404(Handout, handout_id)


def _chosen(items: list[Any], value: str | None) -> Any:
    """The item whose id is ``value`` (as posted), or None."""
    return next((item for item in items if str(item.id) == value), None)


@bp.route("/admin/handouts/new", methods=["GET", "POST"])
@admin_required
def new_handout():
    """A new handout: code, language, topic, group and the text of its first version."""
    # Retired groups are not offered (nor accepted: ``_chosen`` finds only what is listed).
    topics, groups = all_topics(), target_groups()
    form = HandoutCreateForm()
    form.topic.choices = topic_choices(topics, _("Choose a topic"))
    form.target_group.choices = group_choices(groups, None)
    if form.validate_on_submit():
        try:
            handout = create_handout(
                _user(),
                code=form.code.data,
                language=form.language.data,
                topic=_chosen(topics, form.topic.data),
                target_group=_chosen(groups, form.target_group.data),
                text=form.text(),
            )
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        except IntegrityError:
            # Someone created the same code and language a moment ago.
            db.session.rollback()
            show_errors(
                form,
                ServiceError(
                    _("A handout with this code already exists in this language."), field="code"
                ),
            )
        else:
            flash(_("Handout %(code)s has been created.", code=handout.code), "success")
            return redirect(url_for(".handout_detail", handout_id=handout.id))
    return render_template("handouts/new.html", form=form)


@bp.route("/admin/handouts/<id:handout_id>")
@admin_required
def handout_detail(handout_id: int):
    """A handout's current text and every earlier version; ``?version=N`` shows version N."""
    handout = _load_handout(handout_id)
    versions = versions_of(handout)
    shown = versions[0]
    asked = request.args.get("version")
    if asked is not None:
        shown = next((v for v in versions if str(v.number) == asked), None)
        if shown is None:
            abort(404)
    return render_template(
        "handouts/detail.html",
        handout=handout,
        versions=versions,
        current=versions[0],
        shown=shown,
        runs=runs_per_version(handout),
    )


@bp.route("/admin/handouts/<id:handout_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_handout(handout_id: int):
    """Write a new version of the text; the versions before it stay exactly as they were."""
    handout = _load_handout(handout_id)
    current = current_versions([handout.id])[handout.id]
    form = HandoutEditForm()
    if not form.is_submitted():
        form.fill(HandoutText.of(current))
    elif form.validate():
        try:
            version = add_version(_user(), handout, current, form.text(), form.note.data or "")
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        except IntegrityError:
            # Another administrator saved a version with the same number a moment ago.
            db.session.rollback()
            form.form_errors.append(
                _("Someone else saved a new version meanwhile. Reload the page and try again.")
            )
        else:
            if version is None:
                flash(_("Nothing changed, so no new version was written."), "info")
            else:
                flash(
                    _(
                        "Version %(number)d of %(code)s saved.",
                        number=version.number,
                        code=handout.code,
                    ),
                    "success",
                )
            return redirect(url_for(".handout_detail", handout_id=handout.id))
    return render_template("handouts/edit.html", form=form, handout=handout, current=current)


class ActiveForm(ConfirmForm):
    """The state the administrator confirmed, so a repeated post changes nothing."""

    to = HiddenField()


@bp.route("/admin/handouts/<id:handout_id>/active", methods=["GET", "POST"])
@admin_required
def handout_active(handout_id: int):
    """Confirm, then take a handout out of use (no new print runs) or put it back."""
    handout = _load_handout(handout_id)
    form = ActiveForm()
    if form.validate_on_submit():
        wanted = form.to.data == "1"
        if set_handout_active(_user(), handout, wanted):
            db.session.commit()
            if wanted:
                flash(_("Handout %(code)s is in use again.", code=handout.code), "success")
            else:
                flash(_("Handout %(code)s is no longer in use.", code=handout.code), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for(".handout_detail", handout_id=handout.id))
    form.to.data = "0" if handout.is_active else "1"
    current = current_versions([handout.id])[handout.id]
    return render_template("handouts/active.html", form=form, handout=handout, current=current)


# Print runs of an event -------------------------------------------------------------------------


def handout_label(handout: Handout, title: str) -> str:
    """How a handout reads in the print menu: "title · 中文 · for seniors"."""
    group = handout.target_group
    audience = _("for %(group)s", group=group.name) if group else _("for everyone")
    # The language is named in its own script, whatever the interface language, as the
    # language switch in the header names it.
    language = current_app.config["LANGUAGES"][handout.language]
    return f"{title} · {language} · {audience}"


def _load_run(event: Event, run_id: int) -> PrintRun:
    """A print run of ``event``; a run of any other event is a 404 like a missing one."""
    stmt = select(PrintRun).where(PrintRun.id == run_id, PrintRun.event_id == event.id)
    run = db.session.scalars(stmt).first()
    if run is None:
        abort(404)
    return run


def _event_page(event: Event) -> str:
    """The event's page at its "Handouts" section."""
    return event_page_url(event) + "#handouts"


def _print_form(
    event: Event, user: User, handouts: list[Handout], titles: dict[int, str]
) -> PrintRunForm:
    """The print form for ``event``: the handouts in use to choose from, the change reason when
    ``user`` must give one, and when first shown the suggested handout, copies and layout."""
    form = PrintRunForm()
    if needs_change_reason(event, user):
        # Required for "Print" only (the service checks it), so "Preview" works without it.
        form.change_reason.flags.required = True
    else:
        del form.change_reason
    form.handout.choices = [
        SelectChoice(str(h.id), handout_label(h, titles[h.id])) for h in handouts
    ]
    if not form.is_submitted():
        chosen = suggested_handout(event, handouts)
        form.handout.data = str(chosen.id) if chosen is not None else ""
        form.copies.data = default_copies(event)
        form.layout.data = default_layout(chosen).value
    return form


@bp.route("/events/<id:event_id>/print-runs/new", methods=["GET", "POST"])
@login_required
def new_print_run(event_id: int):
    """Choose a handout, copies and layout; "Preview" shows page one, "Print" makes the run."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if event.status is EventStatus.CANCELLED:
        return render_template("handouts/print_form.html", event=event, form=None)
    if is_locked_for(event, user):
        return _read_only(event)
    handouts = active_handouts()
    titles = {i: v.title for i, v in current_versions([h.id for h in handouts]).items()}
    form = _print_form(event, user, handouts, titles)
    preview_url = None
    if form.is_submitted():
        is_valid = form.validate()
        handout = _chosen(handouts, form.handout.data)
        if is_valid and form.print_run.data and handout is not None:
            reason = form.change_reason.data if "change_reason" in form else ""
            try:
                run = create_print_run(
                    user, event, handout, form.copies.data, form.layout.data, reason or ""
                )
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                flash(
                    _(
                        "%(copies)d copies of “%(title)s” are ready to download.",
                        copies=run.copies,
                        title=run.version.title,
                    ),
                    "success",
                )
                return redirect(_event_page(event))
        if handout is not None and not form.layout.errors and not csrf_failed(form):
            preview_url = url_for(
                ".preview_print_run",
                event_id=event.id,
                handout=handout.id,
                layout=form.layout.data,
            )
    return render_template(
        "handouts/print_form.html",
        event=event,
        form=form,
        preview_url=preview_url,
        preview_title=titles.get(int(form.handout.data)) if preview_url else None,
    )


@bp.route("/events/<id:event_id>/print-runs/preview.png")
@login_required
def preview_print_run(event_id: int):
    """Page one of a handout as it would print for this event now, as a PNG."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if event.status is EventStatus.CANCELLED:
        abort(404)
    handouts = active_handouts()
    if "handout" in request.args:
        handout = _chosen(handouts, request.args["handout"])
    else:
        handout = suggested_handout(event, handouts)
    if handout is None:
        abort(404)
    try:
        layout = PrintLayout(request.args.get("layout", default_layout(handout).value))
    except ValueError:
        abort(404)
    page, code = preview_page(user, event, handout)
    # Two copies fill an A5 sheet, so the preview shows what the printer will put out.
    codes = [code, replace(code, serial=2)] if layout is PrintLayout.A5X2 else [code]
    response = Response(preview_png(page, codes, layout), mimetype="image/png")
    response.cache_control.private = True
    response.cache_control.max_age = PREVIEW_MAX_AGE
    return response


@bp.route("/events/<id:event_id>/print-runs/<id:run_id>/pdf")
@login_required
def download_print_run(event_id: int, run_id: int):
    """The run's PDF, every copy with its own code; a withdrawn run is gone (410)."""
    event = get_scoped_or_404(Event, event_id, _user())
    run = _load_run(event, run_id)
    if run.is_revoked:
        return render_template("handouts/withdrawn.html", event=event, run=run), 410
    # A large run is tens of megabytes: spool it to disk rather than hold it in memory.
    pdf, size = spooled(lambda stream: write_print_run(run, stream))
    response = send_file(pdf, mimetype="application/pdf", etag=False, conditional=False)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(print_run_filename(run))
    return response


@bp.route("/events/<id:event_id>/print-runs/<id:run_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_run(event_id: int, run_id: int):
    """Ask why, then withdraw a run: its codes then open the "withdrawn" page."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    run = _load_run(event, run_id)
    if run.is_revoked:
        flash(_("This print run is already withdrawn."), "info")
        return redirect(_event_page(event))
    if is_locked_for(event, user):
        return _read_only(event)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            revoke_print_run(user, run, form.reason.data or "")
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("The print run has been withdrawn."), "success")
            return redirect(_event_page(event))
    return render_template(
        "handouts/revoke.html",
        event=event,
        run=run,
        form=form,
        asks_change_reason=needs_change_reason(event, user),
    )


def _read_only(event: Event):
    """The friendly 403 page for a change to a completed event that the user may not make."""
    return render_template("events/read_only.html", event=event), 403
