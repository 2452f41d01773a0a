"""The paper sign-in of an event: head counts read off the sheet, and the sheet's pages.

Every view loads the event through the user's scope first (404 outside it: staff of another
branch, a head of another region). The sheets carry attendees' names, so their pages are
served only here, from the upload folder outside ``static/``, and never stored by a browser
or a proxy (``Cache-Control: private, no-store``).
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
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

from outreach_app.auth.models import User
from outreach_app.core.forms import show_errors
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.core.validation import ServiceError
from outreach_app.event_reports.forms import (
    ConfirmForm,
    SheetForm,
    paper_counts_form,
)
from outreach_app.event_reports.photos import photo_path, upload_root
from outreach_app.event_reports.sheets import MAX_SHEET_BYTES, SHEET_TOO_LARGE, sheet_folder
from outreach_app.event_reports.sign_in import (
    add_sheet,
    event_sheet,
    may_change_sign_in,
    may_remove_sheets,
    paper_counts,
    paper_groups,
    remove_sheet,
    remove_sheet_files,
    save_paper_counts,
    sheet_page,
    sheet_thumbs,
    sign_in_info,
)
from outreach_app.events.models import Event, SignInSheet
from outreach_app.events.urls import event_page_url
from outreach_app.extensions import db

bp = Blueprint("sign_in", __name__)

SHEET_CACHE_CONTROL = "private, no-store"
# Room for the CSRF token and the multipart framing around the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
# Where the forms go back to: the report page when they were opened from it.
BACK_TO_REPORT = "report"


def _user() -> User:
    return current_user._get_current_object()


def _sheet_folder() -> Path:
    """The upload folder's ``sign-in-sheets``."""
    return sheet_folder(upload_root())


def _back(event: Event) -> str:
    """Where a saved form leads: the report page (``?back=report``) or this page."""
    if request.args.get("back") == BACK_TO_REPORT:
        return url_for("event_reports.report", event_id=event.id)
    return url_for(".sign_in", event_id=event.id)


def _render(event: Event, user: User, counts_form=None, sheet_form=None, status: int = 200):
    info = sign_in_info(event, user)
    if counts_form is None:
        counts_form = paper_counts_form(paper_groups(event), paper_counts(event))
    return (
        render_template(
            "event_reports/sign_in.html",
            event=event,
            info=info,
            counts_form=counts_form,
            sheet_form=sheet_form or SheetForm(formdata=None),
            event_url=event_page_url(event),
            back=request.args.get("back") if request.args.get("back") == BACK_TO_REPORT else None,
            planned_group_ids={group.id for group in event.target_groups},
        ),
        status,
    )


@bp.route("/<id:event_id>/sign-in", methods=["GET", "POST"])
@login_required
def sign_in(event_id: int):
    """The paper sign-in page: the sheets, and the head counts read off them."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if request.method == "GET":
        return _render(event, user)
    if not may_change_sign_in(event, user):
        abort(403)
    form = paper_counts_form(paper_groups(event))
    if form.validate_on_submit():
        try:
            total = save_paper_counts(event, user, form.counts())
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Paper counts saved: %(n)d people signed.", n=total), "success")
            return redirect(_back(event))
    return _render(event, user, counts_form=form)


@bp.route("/<id:event_id>/sign-in/sheets", methods=["POST"])
@login_required
def upload_sheet(event_id: int):
    """Add a photo or PDF of the paper sign-in sheet."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    if not may_change_sign_in(event, user):
        abort(403)
    if (request.content_length or 0) > MAX_SHEET_BYTES + FORM_OVERHEAD_BYTES:
        form = SheetForm(formdata=None)
        form.sheet.errors = [str(SHEET_TOO_LARGE)]
        return _render(event, user, sheet_form=form)
    form = SheetForm()
    if form.validate_on_submit():
        folder = _sheet_folder()
        try:
            sheet = add_sheet(event, user, folder, form.sheet.data.stream)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            names = [page.file_name for page in sheet.pages]
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                remove_sheet_files(folder, names)
                raise
            flash(
                _("Sign-in sheet added (%(n)d pages).", n=len(names))
                if len(names) > 1
                else _("Sign-in sheet added."),
                "success",
            )
            return redirect(_back(event))
    return _render(event, user, sheet_form=form)


def _load_sheet(event_id: int, sheet_id: int, user: User) -> tuple[Event, SignInSheet]:
    """The event in ``user``'s scope and its sheet ``sheet_id``; 404 otherwise."""
    event = get_scoped_or_404(Event, event_id, user)
    sheet = event_sheet(event, sheet_id)
    if sheet is None:
        abort(404)
    return event, sheet


def _send_page(event_id: int, sheet_id: int, number: int, thumb: bool):
    """A sheet page's JPEG, never cached: it carries names."""
    event, sheet = _load_sheet(event_id, sheet_id, _user())
    page = sheet_page(sheet, number)
    if page is None:
        abort(404)
    try:
        content = photo_path(_sheet_folder(), page.file_name, thumb=thumb).read_bytes()
    except (ValueError, OSError):
        current_app.logger.warning("page %s of sheet %s has no file", number, sheet.id)
        abort(404)
    suffix = "-thumb" if thumb else ""
    response = send_file(
        io.BytesIO(content),
        mimetype="image/jpeg",
        download_name=f"event-{event.id}-sign-in-{sheet.id}-page-{number}{suffix}.jpg",
    )
    response.headers["Cache-Control"] = SHEET_CACHE_CONTROL
    return response


# A page number is read as ids are: 0, a sign or 2**31 matches no route, a page that is not
# there is a 404.
@bp.route("/<id:event_id>/sign-in/sheets/<id:sheet_id>/pages/<id:number>")
@login_required
def sheet_page_image(event_id: int, sheet_id: int, number: int):
    """One page of a sign-in sheet, for users who may see the event."""
    return _send_page(event_id, sheet_id, number, thumb=False)


@bp.route("/<id:event_id>/sign-in/sheets/<id:sheet_id>/pages/<id:number>/thumb")
@login_required
def sheet_page_thumb(event_id: int, sheet_id: int, number: int):
    """A sheet page's 400-pixel thumbnail, for users who may see the event."""
    return _send_page(event_id, sheet_id, number, thumb=True)


@bp.route("/<id:event_id>/sign-in/sheets/<id:sheet_id>/delete", methods=["GET", "POST"])
@login_required
def delete_sheet(event_id: int, sheet_id: int):
    """Ask, then remove a sign-in sheet and its page files."""
    user = _user()
    event, sheet = _load_sheet(event_id, sheet_id, user)
    if not may_remove_sheets(event, user):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        names = remove_sheet(event, user, sheet, reason="removed")
        db.session.commit()
        remove_sheet_files(_sheet_folder(), names)
        flash(_("Sign-in sheet removed."), "success")
        return redirect(url_for(".sign_in", event_id=event.id))
    return render_template(
        "event_reports/sheet_delete.html",
        event=event,
        sheet=sheet_thumbs([sheet])[0],
        form=form,
        event_url=event_page_url(event),
    )
