"""Paper sign-in: head counts read off an event's paper sign-in sheet, and the sheet itself as
re-encoded page images. These flush, the caller commits.

For venues where phones are not used, attendees sign a paper sheet; staff photograph or scan
it and enter how many of each target group signed. Those counts stay apart from the staff's
own head count and from QR check-ins: coverage shows each under its own name
(``signed_on_paper``). The sheet carries names, so its pages are served only to users who may
see the event (its branch, its heads, admins), never in bulk exports, and deleted after
SIGN_IN_SHEET_RETENTION_DAYS from the event's date (``event_reports.retention``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.validation import ServiceError
from outreach_app.event_reports.photos import read_upload, remove_photo_files, write_photo_files
from outreach_app.event_reports.services import (
    HEADCOUNT_MESSAGE,
    MAX_HEADCOUNT,
    _lock,
    _lock_for_recount,
    may_add_photos,
    may_delete_photos,
    thumb_size,
)
from outreach_app.event_reports.sheets import (
    MAX_SHEET_BYTES,
    SHEET_EMPTY,
    SHEET_FIELD,
    SHEET_TOO_LARGE,
    process_sheet,
)
from outreach_app.events.models import (
    Event,
    EventPaperAttendance,
    EventStatus,
    SignInSheet,
    SignInSheetPage,
)
from outreach_app.extensions import db
from outreach_app.reference.models import TargetGroup
from outreach_app.reference.queries import target_groups as offered_groups

MAX_SHEETS_PER_EVENT = 20
PAPER_FIELD = "paper"  # the form's group of head counts

NOBODY_CAME = _l(
    "The report has no staff head count, so the paper sign-in must count at least one person."
)


def may_change_sign_in(event: Event, user: User) -> bool:
    """Paper counts and sheets are added to confirmed or completed events by users who may edit
    them, as photos are."""
    return may_add_photos(event, user)


def may_remove_sheets(event: Event, user: User) -> bool:
    """Whoever may edit the event may remove its sheets, as its photos."""
    return may_delete_photos(event, user)


def paper_groups(event: Event) -> list[TargetGroup]:
    """The groups paper counts are entered for: the active ones, and those the event has
    (planned, counted by staff or on paper) even if retired since."""
    keep = {group.id for group in event.target_groups}
    keep |= {row.target_group_id for row in (*event.attendance, *event.paper_attendance)}
    return offered_groups(keep=keep)


def paper_counts(event: Event) -> dict[int, int]:
    """The stored paper head counts of ``event`` by target group id."""
    return {row.target_group_id: row.headcount for row in event.paper_attendance}


def _check_counts(counts: dict[int, int], group_ids: set[int]) -> dict[int, int]:
    """The non-zero counts, or ServiceError for a group not listed or a count out of range."""
    if set(counts) - group_ids:
        raise ServiceError(_("Enter numbers for the listed target groups only."), field=PAPER_FIELD)
    for headcount in counts.values():
        if isinstance(headcount, bool) or not 0 <= headcount <= MAX_HEADCOUNT:
            raise ServiceError(str(HEADCOUNT_MESSAGE), field=PAPER_FIELD)
    return {group_id: n for group_id, n in counts.items() if n > 0}


def save_paper_counts(event: Event, actor: User, counts: dict[int, int]) -> int:
    """Store the head counts by target group id read off ``event``'s paper sheet (a blank or 0
    removes a group's count); returns the total.

    ServiceError when ``actor`` may not change the event now, for a group that is not listed,
    for a count out of range, and when the counts would leave a completed event's report with
    nobody at all (its staff counted no one, so the report stood on the paper counts).
    """
    _lock_for_recount(event)
    if not may_change_sign_in(event, actor):
        raise ServiceError(_("Paper sign-in is recorded for confirmed or completed events only."))
    codes = {group.id: group.code for group in paper_groups(event)}
    kept = _check_counts(counts, set(codes))
    staff_counted = any(row.headcount > 0 for row in event.attendance)
    if event.status is EventStatus.COMPLETED and not kept and not staff_counted:
        raise ServiceError(str(NOBODY_CAME), field=PAPER_FIELD)

    stored = {row.target_group_id: row for row in event.paper_attendance}
    for group_id, row in stored.items():
        if group_id not in kept:
            event.paper_attendance.remove(row)
    for group_id, headcount in kept.items():
        if group_id in stored:
            stored[group_id].headcount = headcount
        else:
            event.paper_attendance.append(
                EventPaperAttendance(target_group_id=group_id, headcount=headcount)
            )
    db.session.flush()
    total = sum(kept.values())
    record(
        "paper_sign_in.save",
        event,
        actor=actor,
        signed_on_paper=total,
        counts={codes[group_id]: n for group_id, n in sorted(kept.items())},
    )
    db.session.flush()
    return total


# --- sheets ------------------------------------------------------------------------------------


def sheet_count(event: Event) -> int:
    """How many sign-in sheets ``event`` has."""
    stmt = select(func.count(SignInSheet.id)).where(SignInSheet.event_id == event.id)
    return db.session.execute(stmt).scalar_one()


def event_sheets(event: Event) -> list[SignInSheet]:
    """``event``'s sign-in sheets with their pages, oldest first (two queries)."""
    stmt = (
        select(SignInSheet)
        .where(SignInSheet.event_id == event.id)
        .options(selectinload(SignInSheet.pages))
        .order_by(SignInSheet.id)
    )
    return list(db.session.execute(stmt).scalars())


def event_sheet(event: Event, sheet_id: int) -> SignInSheet | None:
    """Sheet ``sheet_id`` (an id the URL converter read) if it belongs to ``event``, else None."""
    stmt = select(SignInSheet).where(SignInSheet.id == sheet_id, SignInSheet.event_id == event.id)
    return db.session.execute(stmt).scalar_one_or_none()


def sheet_page(sheet: SignInSheet, number: int) -> SignInSheetPage | None:
    """Page ``number`` (1, 2, …) of ``sheet``, or None."""
    stmt = select(SignInSheetPage).where(
        SignInSheetPage.sheet_id == sheet.id, SignInSheetPage.number == number
    )
    return db.session.execute(stmt).scalar_one_or_none()


def _check_sheet(event: Event, actor: User) -> None:
    """ServiceError unless ``actor`` may add a sheet to ``event`` now."""
    if not may_change_sign_in(event, actor):
        raise ServiceError(
            _("Sign-in sheets can be added to confirmed or completed events only."),
            field=SHEET_FIELD,
        )
    if sheet_count(event) >= MAX_SHEETS_PER_EVENT:
        raise ServiceError(
            _(
                "An event can have at most %(max)d sign-in sheets. Remove one to add another.",
                max=MAX_SHEETS_PER_EVENT,
            ),
            field=SHEET_FIELD,
        )


def add_sheet(event: Event, actor: User, folder: Path, stream: BinaryIO) -> SignInSheet:
    """Re-encode the photo or PDF in ``stream`` (a PDF's pages rendered to images), store the
    pages in ``folder`` and add the sheet to ``event``.

    Raises ServiceError with a message for the user. As ``add_photo`` does, the file is read
    and its pages written before the event is locked, the rules are checked again under the
    lock, and the files are removed if they or the flush fail. The caller commits, and removes
    the files (``remove_sheet_files``) if the commit fails.
    """
    _check_sheet(event, actor)  # before reading: a refused upload costs nothing
    data = read_upload(
        stream, MAX_SHEET_BYTES, field=SHEET_FIELD, too_large=SHEET_TOO_LARGE, empty=SHEET_EMPTY
    )
    sent_as, processed = process_sheet(data)
    written: list[str] = []
    try:
        for page in processed:
            written.append(write_photo_files(folder, page))
        _lock(event)
        _check_sheet(event, actor)
        sheet = SignInSheet(event_id=event.id, sent_as=sent_as, uploaded_by_id=actor.id)
        sheet.pages = [
            SignInSheetPage(
                number=number,
                file_name=file_name,
                width=page.width,
                height=page.height,
                byte_size=len(page.jpeg),
            )
            for number, (file_name, page) in enumerate(zip(written, processed, strict=True), 1)
        ]
        db.session.add(sheet)
        db.session.flush()
        record(
            "sign_in_sheet.add",
            event,
            actor=actor,
            sheet_id=sheet.id,
            sent_as=sent_as,
            pages=len(sheet.pages),
            byte_size=sum(page.byte_size for page in sheet.pages),
        )
        db.session.flush()
    except BaseException:
        remove_sheet_files(folder, written)
        raise
    return sheet


def remove_sheet(event: Event, actor: User | None, sheet: SignInSheet, reason: str) -> list[str]:
    """Remove ``sheet``'s rows (audited with ``reason``: ``removed`` or ``retention``); returns
    its page files' names so the caller removes them once the removal is committed."""
    names = [page.file_name for page in sheet.pages]
    record(
        "sign_in_sheet.delete",
        event,
        actor=actor,
        sheet_id=sheet.id,
        pages=len(names),
        reason=reason,
    )
    db.session.delete(sheet)
    db.session.flush()
    return names


def remove_sheet_files(folder: Path, file_names: list[str]) -> None:
    """Delete the page files (and thumbnails) of a sheet; files gone already are no error."""
    for file_name in file_names:
        remove_photo_files(folder, file_name)


# --- what the pages and panels show ------------------------------------------------------------


@dataclass(frozen=True)
class PageThumb:
    """A sheet page as a gallery shows it."""

    number: int
    thumb_width: int
    thumb_height: int


@dataclass(frozen=True)
class SheetThumb:
    """A sign-in sheet as a list shows it: its id, what was sent, when, and its pages."""

    id: int
    sent_as: str
    created_at: datetime
    pages: list[PageThumb]


@dataclass(frozen=True)
class PaperRow:
    """One target group's paper head count, and its form field's name."""

    group_id: int
    group_code: str
    group_name: str
    headcount: int


@dataclass(frozen=True)
class SignInInfo:
    """What the paper sign-in page and section show, and what the user may do there."""

    rows: list[PaperRow]
    total: int
    sheets: list[SheetThumb]
    may_change: bool
    may_remove: bool = False
    max_sheets: int = MAX_SHEETS_PER_EVENT

    @property
    def has_room(self) -> bool:
        """True while another sheet may be added."""
        return len(self.sheets) < self.max_sheets


def sheet_thumbs(sheets: list[SignInSheet]) -> list[SheetThumb]:
    """The list entries of ``sheets``."""
    return [
        SheetThumb(
            sheet.id,
            sheet.sent_as,
            sheet.created_at,
            [PageThumb(p.number, *thumb_size(p.width, p.height)) for p in sheet.pages],
        )
        for sheet in sheets
    ]


def sign_in_info(event: Event, user: User) -> SignInInfo:
    """The paper counts (groups with a count only), the sheets and what ``user`` may do."""
    counts = paper_counts(event)
    rows = [
        PaperRow(group.id, group.code, group.name, counts[group.id])
        for group in paper_groups(event)
        if counts.get(group.id)
    ]
    return SignInInfo(
        rows=rows,
        total=sum(counts.values()),
        sheets=sheet_thumbs(event_sheets(event)),
        may_change=may_change_sign_in(event, user),
        may_remove=may_remove_sheets(event, user),
    )
