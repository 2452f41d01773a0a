"""The post-event report and the event's photos.

Every view loads the event through the user's scope first (404 outside it); photos are served
only through these views, from the upload folder outside ``static/``.
"""

from __future__ import annotations

import hashlib
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
    PhotoForm,
    material_row_count,
    report_data,
    report_form,
)
from outreach_app.event_reports.photos import (
    MAX_PHOTO_BYTES,
    PHOTO_TOO_LARGE,
    photo_folder,
    photo_path,
    remove_photo_files,
    upload_root,
)
from outreach_app.event_reports.services import (
    ReportPanel,
    ReportState,
    add_photo,
    current_attendance,
    event_photo,
    may_add_photos,
    may_delete_photos,
    photo_thumbs,
    remove_photo,
    report_panel,
    report_state,
    save_report,
    target_groups,
)
from outreach_app.event_reports.sign_in import sign_in_info
from outreach_app.events.models import Event, EventPhoto
from outreach_app.events.urls import event_page_url
from outreach_app.extensions import db
from outreach_app.handouts.ledger import current_entries, event_runs

bp = Blueprint("event_reports", __name__)

PHOTO_CACHE_CONTROL = "private, max-age=3600"
# Room for the caption, the CSRF token and the multipart framing around the photo itself.
FORM_OVERHEAD_BYTES = 64 * 1024


def _user() -> User:
    return current_user._get_current_object()


def _photo_folder() -> Path:
    """The upload folder's ``event-photos``."""
    return photo_folder(upload_root())


@bp.app_template_global("event_report_panel")
def event_report_panel(event: Event) -> ReportPanel:
    """The data of ``event_reports/_panel.html`` for the current user."""
    return report_panel(event, _user())


@bp.route("/<id:event_id>/report", methods=["GET", "POST"])
@login_required
def report(event_id: int):
    """The post-event report: saving it completes a confirmed event; heads may change it later."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    state = report_state(event, user)
    if request.method == "POST" and not state.may_save:
        if state is ReportState.NOT_CONFIRMED:
            flash(_("Confirm the event before you fill in its report."), "warning")
            return redirect(url_for(".report", event_id=event.id))
        abort(403)

    data = None
    ledger = current_entries(event)
    if request.method == "GET" and state is ReportState.EDITABLE:
        data = report_data(
            current_attendance(event), ledger, event.report_summary, event.issues_raised
        )
    rows = material_row_count(len(ledger.materials), request.form)
    has_paper_counts = any(row.headcount > 0 for row in event.paper_attendance)
    form = report_form(target_groups(event), data, event_runs(event), rows, has_paper_counts)
    if state.may_save and form.validate_on_submit():
        try:
            completed = save_report(event, user, form.details())
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            if completed:
                flash(_("Report saved. The event is now completed."), "success")
            else:
                flash(_("Report saved."), "success")
            return redirect(event_page_url(event))
    return render_template(
        "event_reports/report.html",
        event=event,
        form=form,
        state=state,
        planned_group_ids={group.id for group in event.target_groups},
        event_url=event_page_url(event),
        sign_in=sign_in_info(event, user),
    )


@bp.route("/<id:event_id>/photos", methods=["GET", "POST"])
@login_required
def photos(event_id: int):
    """The event's photos, and the upload form for those who may add some."""
    user = _user()
    event = get_scoped_or_404(Event, event_id, user)
    allowed = may_add_photos(event, user)
    if request.method == "POST" and not allowed:
        abort(403)

    if request.method == "POST" and (request.content_length or 0) > (
        MAX_PHOTO_BYTES + FORM_OVERHEAD_BYTES
    ):
        form = PhotoForm(formdata=None)
        form.photo.errors = [str(PHOTO_TOO_LARGE)]
    else:
        form = PhotoForm()
        if allowed and form.validate_on_submit():
            folder = _photo_folder()
            try:
                photo = add_photo(
                    event, user, folder, form.photo.data.stream, form.caption.data or ""
                )
            except ServiceError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                _commit_or_remove_files(folder, photo.file_name)
                flash(_("Photo added."), "success")
                return redirect(url_for(".photos", event_id=event.id))
    return render_template(
        "event_reports/photos.html",
        event=event,
        form=form,
        panel=report_panel(event, user),
        event_url=event_page_url(event),
    )


def _commit_or_remove_files(folder: Path, file_name: str) -> None:
    """Commit; if that fails, the photo's files are removed and the error goes on."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_photo_files(folder, file_name)
        raise


def _load_photo(event_id: int, photo_id: int, user: User) -> tuple[Event, EventPhoto]:
    """The event in ``user``'s scope and its photo ``photo_id``; 404 otherwise."""
    event = get_scoped_or_404(Event, event_id, user)
    photo = event_photo(event, photo_id)
    if photo is None:
        abort(404)
    return event, photo


def _send_photo(event_id: int, photo_id: int, thumb: bool):
    """The photo's JPEG from memory (small, and no open file is left behind), cacheable."""
    event, photo = _load_photo(event_id, photo_id, _user())
    try:
        path = photo_path(_photo_folder(), photo.file_name, thumb=thumb)
        content = path.read_bytes()
    except (ValueError, OSError):
        current_app.logger.warning("photo %s of event %s has no file", photo.id, event.id)
        abort(404)
    suffix = "-thumb" if thumb else ""
    response = send_file(
        io.BytesIO(content),
        mimetype="image/jpeg",
        download_name=f"event-{event.id}-photo-{photo.id}{suffix}.jpg",
        conditional=True,
        # A stored file never changes: its random name identifies the content.
        etag=hashlib.sha256(path.name.encode()).hexdigest()[:32],
        last_modified=photo.created_at,
    )
    # The browser may keep it for an hour; shared caches may not.
    response.headers["Cache-Control"] = PHOTO_CACHE_CONTROL
    return response


@bp.route("/<id:event_id>/photos/<id:photo_id>")
@login_required
def photo(event_id: int, photo_id: int):
    """One photo, for users who may see the event."""
    return _send_photo(event_id, photo_id, thumb=False)


@bp.route("/<id:event_id>/photos/<id:photo_id>/thumb")
@login_required
def photo_thumb(event_id: int, photo_id: int):
    """A photo's 400-pixel thumbnail, for users who may see the event."""
    return _send_photo(event_id, photo_id, thumb=True)


@bp.route("/<id:event_id>/photos/<id:photo_id>/delete", methods=["GET", "POST"])
@login_required
def delete_photo(event_id: int, photo_id: int):
    """Ask, then remove a photo and its files."""
    user = _user()
    event, photo = _load_photo(event_id, photo_id, user)
    if not may_delete_photos(event, user):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        file_name = remove_photo(event, user, photo)
        db.session.commit()
        remove_photo_files(_photo_folder(), file_name)
        flash(_("Photo removed."), "success")
        return redirect(url_for(".photos", event_id=event.id))
    return render_template(
        "event_reports/photo_delete.html",
        event=event,
        photo=photo_thumbs([photo])[0],
        form=form,
        event_url=event_page_url(event),
    )
