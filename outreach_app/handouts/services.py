"""Print runs: creating them, their copies' codes and URLs, rendering, revoking, resolving tokens.

Views and the command line call these; nothing here reads the request. Every copy's token is
derived from the run's random public id, its serial and the app secret, so the same run always
prints the same codes and nothing per copy is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.types import utcnow
from outreach_app.core.validation import ServiceError
from outreach_app.events.lifecycle import check_change, is_locked_for, record_completed_change
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.handouts.content import HOTLINE_EN, HOTLINE_ZH
from outreach_app.handouts.layout import (
    LARGE_PRINT_MIN_BODY,
    CopyCode,
    HandoutPage,
    body_size_for,
)
from outreach_app.handouts.models import (
    MAX_COPIES,
    MIN_COPIES,
    Handout,
    HandoutLanguage,
    HandoutLedgerLine,
    HandoutVersion,
    PrintLayout,
    PrintRun,
)
from outreach_app.handouts.pdf import render_handouts
from outreach_app.handouts.tokens import (
    MAX_SERIAL,
    format_for_print,
    make_token,
    read_token,
    token_secret,
)

MAX_PUBLIC_ID = 2**63 - 1  # a signed BIGINT on every supported database
REVOKE_REASON_MAX = 300

# The print run and withdraw forms check these rules too, with the same words.
ENTER_COPIES = _l("Enter a whole number of copies.")
COPIES_RANGE = _l("Print between %(low)d and %(high)d copies.", low=MIN_COPIES, high=MAX_COPIES)
CHOOSE_LAYOUT = _l("Choose a layout from the list.")
GIVE_REVOKE_REASON = _l("Say why the run is withdrawn.")
PUBLIC_PATH = "/s/"
DEFAULT_COPIES = 50
SENIORS = "seniors"  # the target group whose handouts print in large type by default


# Content library ---------------------------------------------------------------------------------


def current_version(handout: Handout) -> HandoutVersion:
    """The newest version of a handout (every handout has at least one)."""
    stmt = (
        select(HandoutVersion)
        .where(HandoutVersion.handout_id == handout.id)
        .order_by(HandoutVersion.number.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).one()


def handout_by_code(code: str, language: str) -> Handout | None:
    """The handout with this code in this language, or None."""
    try:
        lang = HandoutLanguage(language)
    except ValueError:
        return None
    stmt = select(Handout).where(Handout.code == code, Handout.language == lang)
    return db.session.scalars(stmt).first()


def active_handouts() -> list[Handout]:
    """Every active handout, for the print form, by code then language."""
    stmt = (
        select(Handout)
        .options(joinedload(Handout.topic), joinedload(Handout.target_group))
        .where(Handout.is_active.is_(True))
        .order_by(Handout.code, Handout.language)
    )
    return list(db.session.scalars(stmt))


# What the print form suggests ---------------------------------------------------------------------


def default_copies(event: Event) -> int:
    """The expected attendance within the allowed range, or DEFAULT_COPIES when not known."""
    if not event.expected_attendance:
        return DEFAULT_COPIES
    return min(max(event.expected_attendance, MIN_COPIES), MAX_COPIES)


def default_layout(handout: Handout | None) -> PrintLayout:
    """Large print for handouts written for seniors, A4 otherwise."""
    group = handout.target_group if handout is not None else None
    return PrintLayout.LARGE if group is not None and group.code == SENIORS else PrintLayout.A4


def suggested_handout(event: Event, handouts: list[Handout]) -> Handout | None:
    """The handout that fits the event best: its topic first, then its group, Chinese first."""
    topics = {t.id for t in event.topics}
    groups = {g.id for g in event.target_groups}

    def fit(handout: Handout) -> tuple[bool, bool, bool]:
        return (
            handout.topic_id in topics,
            handout.target_group_id in groups,
            handout.language is HandoutLanguage.ZH_CN,
        )

    return max(handouts, key=fit, default=None)


# Print runs -------------------------------------------------------------------------------------


def hotline_text(language: str, bank_hotline: str) -> str:
    """The printed hotline line: always 96110 and the bank's configured hotline."""
    template = HOTLINE_ZH if language == HandoutLanguage.ZH_CN else HOTLINE_EN
    return template.format(bank_hotline=bank_hotline)


def _new_public_id() -> int:
    """A random run id that no other run has (63 bits from the CSPRNG)."""
    while True:
        candidate = secrets.randbelow(MAX_PUBLIC_ID) + 1
        taken = db.session.scalar(select(PrintRun.id).where(PrintRun.public_id == candidate))
        if taken is None:
            return candidate


def _local_today() -> str:
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.now(tz).date().isoformat()


def _page_snapshot(event: Event, user: User | None, language: str) -> dict[str, Any]:
    """The header text of a run as printed, so later downloads repeat it exactly.

    "Printed for" names the person who ordered the run, or the branch for batch runs.
    """
    partner = event.partner.name if event.partner is not None else ""
    return {
        "bank_name": current_app.config["BANK_NAME"],
        "branch_name": event.branch.name,
        "branch_address": event.branch.address,
        "event_title": event.title,
        "partner_name": partner,
        "event_date": event.starts_at.date().isoformat(),
        "hotline_note": hotline_text(language, current_app.config["BANK_HOTLINE"]),
        "bank_hotline": current_app.config["BANK_HOTLINE"],
        "printed_for": (user.display_name or user.username) if user else event.branch.name,
        "printed_on": _local_today(),
    }


def _copies_and_layout(copies: Any, layout: Any) -> tuple[int, PrintLayout]:
    """The number of copies and the layout asked for; ``ServiceError`` when either is not one
    that can be printed."""
    try:
        count = int(copies)
    except (TypeError, ValueError):
        raise ServiceError(str(ENTER_COPIES), field="copies") from None
    if not MIN_COPIES <= count <= MAX_COPIES:
        raise ServiceError(str(COPIES_RANGE), field="copies")
    try:
        return count, PrintLayout(layout)
    except ValueError:
        raise ServiceError(str(CHOOSE_LAYOUT), field="layout") from None


def _check_large_print(page: HandoutPage) -> None:
    """Refuse a text that large print could set only below its promised size."""
    if body_size_for(page, PrintLayout.LARGE) < LARGE_PRINT_MIN_BODY:
        raise ServiceError(
            _(
                "This handout is too long for large print (at least %(size)d pt on two "
                "pages). Choose A4, or ask an administrator to shorten it.",
                size=LARGE_PRINT_MIN_BODY,
            ),
            field="layout",
        )


def create_print_run(
    user: User | None,
    event: Event,
    handout: Handout,
    copies: Any,
    layout: Any,
    change_reason: str = "",
) -> PrintRun:
    """Add a print run of the handout's current version for ``event``; the caller commits.

    ``event`` must already be in ``user``'s scope (``user`` is None only for the command line).
    A completed event takes a run only from a head or an administrator, with ``change_reason``.
    Raises ``ServiceError`` for bad input or a refused change.
    """
    if event.status is EventStatus.CANCELLED:
        raise ServiceError(_("Handouts cannot be printed for a cancelled event."), field="event")
    reason = check_change(event, user, change_reason)
    if not handout.is_active:
        raise ServiceError(_("This handout is no longer in use."), field="handout")
    count, layout_value = _copies_and_layout(copies, layout)
    version = current_version(handout)
    snapshot = _page_snapshot(event, user, handout.language)
    if layout_value is PrintLayout.LARGE:
        _check_large_print(handout_page(version, snapshot, handout.language))
    run = PrintRun(
        public_id=_new_public_id(),
        event=event,
        version=version,
        language=handout.language,
        layout=layout_value,
        copies=count,
        page=snapshot,
        created_by=user,
    )
    db.session.add(run)
    db.session.flush()
    record(
        "print_run.create",
        run,
        actor=user,
        event_id=event.id,
        handout=handout.code,
        language=str(handout.language),
        version=version.number,
        copies=count,
        layout=str(layout_value),
    )
    record_completed_change(
        event, user, reason, "print_run_created", print_run_id=run.id, copies=count
    )
    return run


def revoke_print_run(user: User, run: PrintRun, reason: str) -> None:
    """Withdraw a run: its codes then lead to the "withdrawn" page. The caller commits.

    A run of a completed event is withdrawn only by a head or an administrator; the reason
    then goes into the event's history too (``ServiceError`` for anyone else).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(str(GIVE_REVOKE_REASON), field="reason")
    if len(reason) > REVOKE_REASON_MAX:
        raise ServiceError(_("Keep the reason under 300 characters."), field="reason")
    if run.is_revoked:
        raise ServiceError(_("This print run is already withdrawn."), field="reason")
    change_reason = check_change(run.event, user, reason)
    run.revoked_at = utcnow()
    run.revoked_by = user
    run.revoke_reason = reason
    record("print_run.revoke", run, actor=user, event_id=run.event_id, reason=reason)
    record_completed_change(
        run.event,
        user,
        change_reason,
        "print_run_withdrawn",
        print_run_id=run.id,
        copies=run.copies,
    )


def runs_for_event(event: Event) -> list[PrintRun]:
    """An event's print runs, newest first, with their handout and people loaded."""
    stmt = (
        select(PrintRun)
        .options(
            joinedload(PrintRun.version).joinedload(HandoutVersion.handout),
            joinedload(PrintRun.created_by),
            joinedload(PrintRun.revoked_by),
        )
        .where(PrintRun.event_id == event.id)
        .order_by(PrintRun.created_at.desc(), PrintRun.id.desc())
    )
    return list(db.session.scalars(stmt))


def copies_printed(event: Event) -> int:
    """How many copies were printed for the event in runs still in force."""
    stmt = select(func.coalesce(func.sum(PrintRun.copies), 0)).where(
        PrintRun.event_id == event.id, PrintRun.revoked_at.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)


# The event page's "Handouts" section -------------------------------------------------------------


@dataclass(frozen=True)
class RunCounts:
    """Scans (page openings), distinct copies scanned, and check-ins of one print run."""

    scans: int = 0
    copies_scanned: int = 0
    check_ins: int = 0


# Counts of what attendees did with a run's copies, by run id (runs nobody scanned left out).
RunCounter = Callable[[Iterable[int]], dict[int, RunCounts]]
_RUN_COUNTER = "handouts.run_counter"


def register_run_counter(app: Flask, counter: RunCounter) -> None:
    """Let ``counter`` give the scans and check-ins shown beside each print run.

    Attendees' records live in a package above this one, so the app factory hands the counter
    over here rather than this package importing it; without one every count shows zero.
    """
    app.extensions[_RUN_COUNTER] = counter


def print_runs_panel(event: Event, user: User) -> dict[str, Any]:
    """What the event page's "Handouts" section shows: every run with its counts, and whether
    ``user`` may print or withdraw (not for a cancelled event; a completed one only for heads
    and administrators)."""
    runs = runs_for_event(event)
    counter: RunCounter | None = current_app.extensions.get(_RUN_COUNTER)
    counts = counter([run.id for run in runs]) if counter is not None else {}
    locked = is_locked_for(event, user)
    handed_out = select(HandoutLedgerLine.print_run_id, HandoutLedgerLine.quantity).where(
        HandoutLedgerLine.event_id == event.id, HandoutLedgerLine.print_run_id.is_not(None)
    )
    return {
        "print_runs": [(run, counts.get(run.id, RunCounts())) for run in runs],
        # What the report's handout ledger says was handed out of each run, if it says so.
        "handed_out": dict(db.session.execute(handed_out).all()) if runs else {},
        "copies_in_force": copies_printed(event),
        "may_print": event.status is not EventStatus.CANCELLED and not locked,
        "may_withdraw": not locked,
        "runs_locked": locked,
    }


# Codes and the PDF ------------------------------------------------------------------------------


def copy_url(token: str) -> str:
    """The URL a copy's QR code encodes: the configured public base URL, never the Host header."""
    return current_app.config["PUBLIC_BASE_URL"] + PUBLIC_PATH + token


def copy_token(run: PrintRun, serial: int) -> str:
    """The token of copy ``serial`` of ``run``."""
    return make_token(token_secret(), run.public_id, serial)


def copy_codes(run: PrintRun) -> Iterator[CopyCode]:
    """Every copy's serial, URL and printed token, generated lazily in serial order."""
    secret = token_secret()
    base = current_app.config["PUBLIC_BASE_URL"] + PUBLIC_PATH
    for serial in range(1, run.copies + 1):
        token = make_token(secret, run.public_id, serial)
        yield CopyCode(serial=serial, url=base + token, printed_token=format_for_print(token))


def handout_page(version: HandoutVersion, page: dict[str, Any], language: str) -> HandoutPage:
    """The shared text of every copy: a handout version and a run's header snapshot."""
    return HandoutPage(
        title=version.title,
        lead=version.lead,
        tips=list(version.tips),
        never_ask=version.never_ask,
        hotline_note=page["hotline_note"],
        language=str(language),
        bank_name=page["bank_name"],
        branch_name=page["branch_name"],
        event_title=page["event_title"],
        partner_name=page["partner_name"],
        event_date=page["event_date"],
        printed_for=page["printed_for"],
        printed_on=page["printed_on"],
    )


def write_print_run(run: PrintRun, stream: IO[bytes]) -> int:
    """Write the run's PDF (every copy, in serial order) to ``stream``; return the page count."""
    page = handout_page(run.version, run.page, run.language)
    return render_handouts(stream, page, copy_codes(run), run.layout)


def print_run_filename(run: PrintRun) -> str:
    """A download name such as ``handout-12-pension-scams-zh_CN-a4-200.pdf``."""
    handout = run.version.handout
    return (
        f"{run.page['event_date']}-{run.page['event_title']}-{handout.code}-"
        f"{run.language}-{run.layout}-{run.copies}.pdf"
    )


def preview_page(user: User, event: Event, handout: Handout) -> tuple[HandoutPage, CopyCode]:
    """Page one as it would print now, with a sample code that opens no real copy."""
    version = current_version(handout)
    page = handout_page(version, _page_snapshot(event, user, handout.language), handout.language)
    # Serial 0 is never printed, so the sample code is signed yet resolves to no copy.
    token = make_token(token_secret(), 0, 0)
    return page, CopyCode(serial=1, url=copy_url(token), printed_token=format_for_print(token))


# Resolving a scanned or typed token --------------------------------------------------------------


@dataclass(frozen=True)
class CopyRef:
    """A copy that exists: its print run and serial. ``withdrawn`` when the run was revoked."""

    run: PrintRun
    serial: int

    @property
    def withdrawn(self) -> bool:
        """True when the run has been withdrawn."""
        return self.run.is_revoked


def resolve_copy(token: str) -> CopyRef | None:
    """The copy a token names, or None for anything malformed, forged or unknown.

    The signature is checked before the database is touched, so made-up tokens cost no query.
    """
    data = read_token(token_secret(), token)
    if data is None or not 1 <= data.serial <= MAX_SERIAL or data.run_id > MAX_PUBLIC_ID:
        return None
    run = db.session.scalars(select(PrintRun).where(PrintRun.public_id == data.run_id)).first()
    if run is None or data.serial > run.copies:
        return None
    return CopyRef(run=run, serial=data.serial)
