"""Saving the post-event report and the event's photos; these flush, the caller commits."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from outreach_app.attendee.models import CheckIn
from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.coverage.rollups import event_key, lock_events
from outreach_app.event_reports.photos import (
    PHOTO_FIELD,
    process_photo,
    read_upload,
    remove_photo_files,
    write_photo_files,
)
from outreach_app.events.lifecycle import can_edit, change_status
from outreach_app.events.models import (
    Event,
    EventAttendance,
    EventPaperAttendance,
    EventPhoto,
    EventStatus,
    SignInSheet,
)
from outreach_app.extensions import db
from outreach_app.handouts.ledger import (
    LedgerEntries,
    LedgerSummary,
    check_ledger,
    ledger_summary,
    save_ledger,
)
from outreach_app.reference.models import TargetGroup
from outreach_app.reference.queries import target_groups as offered_groups

MAX_HEADCOUNT = 100_000
SUMMARY_MAX_LENGTH = 2000
ISSUES_MAX_LENGTH = 2000
CAPTION_MAX_LENGTH = 200
MAX_PHOTOS_PER_EVENT = 20

# The report and photo forms check these rules too, with the same words.
HEADCOUNT_MESSAGE = _l("Enter a whole number from 0 to 100000.")
SOMEBODY_CAME = _l("Enter how many people came: at least one number above 0.")
WRITE_SUMMARY = _l("Write a short summary of the event.")
SUMMARY_TOO_LONG = _l("Keep the summary to 2000 characters or fewer.")
ISSUES_TOO_LONG = _l("Keep the problems to 2000 characters or fewer.")
CAPTION_TOO_LONG = _l("Keep the caption to 200 characters or fewer.")
PHOTO_STATUSES = frozenset({EventStatus.CONFIRMED, EventStatus.COMPLETED})


class ReportState(enum.StrEnum):
    """What a user may do with an event's report."""

    OPEN = "open"  # confirmed: the report may be filled in, which completes the event
    EDITABLE = "editable"  # completed, and the user may change the report
    READ_ONLY = "read_only"  # completed, and the user may only read it
    NOT_CONFIRMED = "not_confirmed"  # planned: it must be confirmed first
    CANCELLED = "cancelled"

    @property
    def may_save(self) -> bool:
        """True when the report form may be sent."""
        return self in (ReportState.OPEN, ReportState.EDITABLE)


@dataclass(frozen=True)
class ReportDetails:
    """What staff enter after an event: head counts by target group id, texts, and the
    handout ledger."""

    attendance: dict[int, int]
    summary: str
    issues_raised: str = ""
    ledger: LedgerEntries = field(default_factory=LedgerEntries)


def report_state(event: Event, user: User) -> ReportState:
    """Whether ``user`` may fill in, change or only read ``event``'s report."""
    if event.status is EventStatus.PLANNED:
        return ReportState.NOT_CONFIRMED
    if event.status is EventStatus.CANCELLED:
        return ReportState.CANCELLED
    if not can_edit(event, user):
        return ReportState.READ_ONLY
    return ReportState.OPEN if event.status is EventStatus.CONFIRMED else ReportState.EDITABLE


def may_add_photos(event: Event, user: User) -> bool:
    """Photos are added to confirmed or completed events by users who may edit them."""
    return event.status in PHOTO_STATUSES and can_edit(event, user)


def may_delete_photos(event: Event, user: User) -> bool:
    """Whoever may edit the event may remove its photos."""
    return can_edit(event, user)


def target_groups(event: Event) -> list[TargetGroup]:
    """The groups the report counts, in their display order: the active ones, and those the
    event has (planned or counted) even if retired since."""
    keep = {g.id for g in event.target_groups} | {row.target_group_id for row in event.attendance}
    return offered_groups(keep=keep)


def current_attendance(event: Event) -> dict[int, int]:
    """The stored head counts of ``event`` by target group id."""
    return {row.target_group_id: row.headcount for row in event.attendance}


def _lock(event: Event) -> None:
    """Reload ``event`` and lock its row (PostgreSQL) so that two saves cannot interleave.

    FOR NO KEY UPDATE, as an UPDATE of the event takes: a stronger lock would wait for the
    key-share locks of attendee rows being inserted, whose transactions then wait for this one.
    """
    db.session.refresh(event, with_for_update={"key_share": True})


def _lock_for_recount(event: Event) -> None:
    """Lock every event of ``event``'s region and month in id order (PostgreSQL), as the
    recount of its rollups at commit will, then reload ``event``.

    Locking ``event`` alone first and its neighbours at commit would deadlock with the report
    of a neighbour saved at the same time (each holding its own event, waiting for the other).
    """
    lock_events(db.session, [event_key(event)])
    _lock(event)


def _check_report(
    details: ReportDetails, group_ids: set[int], has_paper_counts: bool = False
) -> dict[int, int]:
    """The non-zero head counts, or ServiceError for anything a form should not let through.

    Somebody must have come: a staff head count above 0, unless the event has paper sign-in
    counts (a venue without phones may have only the sheet)."""
    if set(details.attendance) - group_ids:
        raise ServiceError(
            _("Enter numbers for the listed target groups only."), field="attendance"
        )
    for headcount in details.attendance.values():
        if not 0 <= headcount <= MAX_HEADCOUNT:
            raise ServiceError(str(HEADCOUNT_MESSAGE), field="attendance")
    counts = {group_id: n for group_id, n in details.attendance.items() if n > 0}
    if not counts and not has_paper_counts:
        raise ServiceError(str(SOMEBODY_CAME), field="attendance")
    if not details.summary.strip():
        raise ServiceError(str(WRITE_SUMMARY), field="report_summary")
    if len(details.summary) > SUMMARY_MAX_LENGTH:
        raise ServiceError(str(SUMMARY_TOO_LONG), field="report_summary")
    if len(details.issues_raised) > ISSUES_MAX_LENGTH:
        raise ServiceError(str(ISSUES_TOO_LONG), field="issues_raised")
    return counts


def save_report(event: Event, actor: User, details: ReportDetails) -> bool:
    """Save ``event``'s report; a confirmed event becomes completed. True if it was completed now.

    Raises ServiceError when the event is not confirmed or completed, when ``actor`` may not
    change it, or when the details break a rule (the handout ledger's too: never more handed
    out than a run printed, checked here under the event's lock); nothing is changed then.
    """
    _lock_for_recount(event)
    state = report_state(event, actor)
    if state is ReportState.NOT_CONFIRMED:
        raise ServiceError(_("Confirm the event before you fill in its report."))
    if state is ReportState.CANCELLED:
        raise ServiceError(_("A cancelled event has no report."))
    if state is ReportState.READ_ONLY:
        raise ServiceError(_("Only administrators and regional heads may change this report."))
    codes = {group.id: group.code for group in target_groups(event)}
    has_paper_counts = any(row.headcount > 0 for row in event.paper_attendance)
    counts = _check_report(details, set(codes), has_paper_counts)
    lines = check_ledger(event, details.ledger)

    stored = {row.target_group_id: row for row in event.attendance}
    for group_id, row in stored.items():
        if group_id not in counts:
            event.attendance.remove(row)
    for group_id, headcount in counts.items():
        if group_id in stored:
            stored[group_id].headcount = headcount
        else:
            event.attendance.append(EventAttendance(target_group_id=group_id, headcount=headcount))
    save_ledger(event, lines)
    event.report_summary = details.summary
    event.issues_raised = details.issues_raised
    db.session.flush()

    completing = event.status is EventStatus.CONFIRMED
    if completing:
        # Refused (a ServiceError about the whole form) only if the lifecycle rules change.
        change_status(event, EventStatus.COMPLETED, actor)
    record(
        "event_report.save",
        event,
        actor=actor,
        attendance_total=sum(counts.values()),
        attendance={codes[group_id]: n for group_id, n in sorted(counts.items())},
        handed_out=sum(line.quantity for line in lines if line.print_run_id is not None),
        handout_ledger=[line.audit() for line in lines],
        issues_raised=bool(details.issues_raised.strip()),
        completed=completing,
    )
    db.session.flush()
    return completing


# --- photos ------------------------------------------------------------------------------------


def photo_count(event: Event) -> int:
    """How many photos ``event`` has."""
    stmt = select(func.count(EventPhoto.id)).where(EventPhoto.event_id == event.id)
    return db.session.execute(stmt).scalar_one()


def event_photo(event: Event, photo_id: int) -> EventPhoto | None:
    """Photo ``photo_id`` (an id the URL converter read) if it belongs to ``event``, else None."""
    stmt = select(EventPhoto).where(EventPhoto.id == photo_id, EventPhoto.event_id == event.id)
    return db.session.execute(stmt).scalar_one_or_none()


def _check_photo(event: Event, actor: User, caption: str) -> None:
    """ServiceError unless ``actor`` may add a photo with ``caption`` to ``event`` now."""
    if not may_add_photos(event, actor):
        raise ServiceError(
            _("Photos can be added to confirmed or completed events only."), field=PHOTO_FIELD
        )
    if len(caption) > CAPTION_MAX_LENGTH:
        raise ServiceError(str(CAPTION_TOO_LONG), field=PHOTO_FIELD)
    if photo_count(event) >= MAX_PHOTOS_PER_EVENT:
        raise ServiceError(
            _("An event can have at most 20 photos. Remove one to add another."), field=PHOTO_FIELD
        )


def add_photo(
    event: Event, actor: User, folder: Path, stream: BinaryIO, caption: str = ""
) -> EventPhoto:
    """Re-encode the uploaded image in ``stream``, store it in ``folder`` and add it to ``event``.

    Raises ServiceError with a message for the user. The image is decoded, re-encoded and its
    files written before the event is locked (decoding takes a while, and the lock would hold
    up every other change to the event meanwhile); the rules are checked again under the lock,
    and the files are removed if they or the flush fail. The caller commits, and removes the
    files (``remove_photo_files``) if the commit fails.
    """
    _check_photo(event, actor, caption)  # before decoding: a refused upload costs nothing
    processed = process_photo(read_upload(stream))
    file_name = write_photo_files(folder, processed)
    try:
        _lock(event)
        _check_photo(event, actor, caption)
        photo = EventPhoto(
            event_id=event.id,
            file_name=file_name,
            width=processed.width,
            height=processed.height,
            byte_size=len(processed.jpeg),
            caption=caption,
            uploaded_by_id=actor.id,
        )
        db.session.add(photo)
        db.session.flush()
        record(
            "event_photo.add",
            event,
            actor=actor,
            photo_id=photo.id,
            width=photo.width,
            height=photo.height,
            byte_size=photo.byte_size,
        )
        db.session.flush()
    except BaseException:
        remove_photo_files(folder, file_name)
        raise
    return photo


def remove_photo(event: Event, actor: User, photo: EventPhoto) -> str:
    """Remove ``photo``'s row; returns its file name so the caller removes the files on commit."""
    file_name = photo.file_name
    record("event_photo.delete", event, actor=actor, photo_id=photo.id, caption=photo.caption)
    db.session.delete(photo)
    db.session.flush()
    return file_name


# --- the panel on the event page ---------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One target group's head count in the report, beside its paper sign-ins and QR
    check-ins."""

    group_name: str
    headcount: int
    check_ins: int = 0
    group_code: str = ""
    on_paper: int = 0


@dataclass(frozen=True)
class PhotoThumb:
    """A photo as the gallery shows it: its id, caption and thumbnail size."""

    id: int
    caption: str
    thumb_width: int
    thumb_height: int


@dataclass(frozen=True)
class ReportPanel:
    """Everything the report panel shows, and what the user may do there."""

    state: ReportState
    rows: list[AttendanceRow]
    total: int
    ledger: LedgerSummary
    summary: str
    issues_raised: str
    photos: list[PhotoThumb]
    may_add_photos: bool
    may_delete_photos: bool
    max_photos: int = MAX_PHOTOS_PER_EVENT
    check_ins: int = 0  # QR check-ins from the handouts, every group and none
    check_ins_not_said: int = 0  # of which the attendee named no group
    signed_on_paper: int = 0  # head counts read off the paper sign-in sheet
    sheets: int = 0  # photos or PDFs of the paper sign-in sheet

    @property
    def has_report(self) -> bool:
        """True once the report has been saved (which completes the event)."""
        return self.state in (ReportState.EDITABLE, ReportState.READ_ONLY)


def thumb_size(width: int, height: int, long_side: int = 400) -> tuple[int, int]:
    """The size of a thumbnail of a ``width`` × ``height`` photo."""
    scale = min(1.0, long_side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def photo_thumbs(photos: list[EventPhoto]) -> list[PhotoThumb]:
    """The gallery entries of ``photos``."""
    return [PhotoThumb(p.id, p.caption, *thumb_size(p.width, p.height)) for p in photos]


def report_panel_context(event: Event, user: User) -> dict[str, ReportPanel]:
    """The variables of the event page's report panel (``event_reports/_panel.html``)."""
    return {"report_info": report_panel(event, user)}


def report_panel(event: Event, user: User) -> ReportPanel:
    """The report panel of ``event`` for ``user`` in four queries: staff head counts beside paper
    sign-ins and QR check-ins by target group (one row per group, with the number of sign-in
    sheets), the handout ledger (runs, then material) and photos."""
    headcount = (
        select(EventAttendance.headcount)
        .where(
            EventAttendance.event_id == event.id,
            EventAttendance.target_group_id == TargetGroup.id,
            EventAttendance.headcount > 0,
        )
        .scalar_subquery()
    )
    on_paper = (
        select(EventPaperAttendance.headcount)
        .where(
            EventPaperAttendance.event_id == event.id,
            EventPaperAttendance.target_group_id == TargetGroup.id,
        )
        .scalar_subquery()
    )
    check_ins = (
        select(func.count(CheckIn.id))
        .where(CheckIn.event_id == event.id, CheckIn.target_group_id == TargetGroup.id)
        .scalar_subquery()
    )
    not_said = (
        select(func.count(CheckIn.id))
        .where(CheckIn.event_id == event.id, CheckIn.target_group_id.is_(None))
        .scalar_subquery()
    )
    sheets = (
        select(func.count(SignInSheet.id)).where(SignInSheet.event_id == event.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(TargetGroup, headcount, check_ins, not_said, on_paper, sheets).order_by(
            TargetGroup.sort_order, TargetGroup.id
        )
    ).all()
    attendance = [
        AttendanceRow(group.name, n or 0, qr or 0, group.code, paper or 0)
        for group, n, qr, _, paper, _sheets in rows
        if n or qr or paper
    ]
    unnamed = rows[0][3] if rows else 0
    return ReportPanel(
        state=report_state(event, user),
        rows=attendance,
        total=sum(row.headcount for row in attendance),
        ledger=ledger_summary(event),
        summary=event.report_summary,
        issues_raised=event.issues_raised,
        photos=photo_thumbs(event.photos),
        may_add_photos=may_add_photos(event, user),
        may_delete_photos=may_delete_photos(event, user),
        check_ins=sum(row.check_ins for row in attendance) + unnamed,
        check_ins_not_said=unnamed,
        signed_on_paper=sum(row.on_paper for row in attendance),
        sheets=rows[0][5] if rows else 0,
    )
