"""The filtered event list as CSV (streamed) and XLSX (capped), with the screen's scope.

Both formats take their rows from ``export_rows``, and a title like ``=cmd|…`` stays text in
Excel, LibreOffice and Sheets: the CSV passes every text cell through ``spreadsheet_safe``, the
workbook stores text as text cells (``xlsx_cell``), shown as written.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from openpyxl import Workbook
from sqlalchemy import select

from outreach_app.auth.models import User
from outreach_app.core.downloads import spreadsheet_safe
from outreach_app.core.spreadsheets import xlsx_cell
from outreach_app.events.models import (
    EVENT_STATUS_LABELS,
    Event,
    event_staff,
    event_target_group,
    event_topic,
)
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.reference.models import TargetGroup, Topic
from outreach_app.reference.queries import kind_names, private_venue_kinds
from outreach_app.regions.models import Branch, Region
from outreach_app.schedule.services import EventFilters, event_conditions, ordering

# Rows fetched (and their links loaded) at a time while streaming.
BATCH_SIZE = 500
# Excel opens about a million rows, but a file that large is of no use to anyone reading it.
XLSX_MAX_ROWS = 100_000
TIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"

COLUMNS = (
    _l("Event id"),
    _l("Starts"),
    _l("Ends"),
    _l("Title"),
    _l("Kind"),
    _l("Status"),
    _l("Target groups"),
    _l("Topics"),
    _l("Region"),
    _l("Partner"),
    _l("Venue"),
    _l("Branch"),
    _l("Staff"),
    _l("Expected attendance"),
)
# Where the times are, so XLSX can give them a date format.
TIME_COLUMNS = frozenset({1, 2})


def header() -> list[str]:
    """The column names in the current language."""
    return [str(name) for name in COLUMNS]


def export_rows(user: User, filters: EventFilters) -> Iterator[list[Any]]:
    """Every event ``user`` may see that matches ``filters``, as a row of plain values.

    Plain columns, not ORM objects: a branch has tens of thousands of events and an export
    must not build an object for each. Rows come ``BATCH_SIZE`` at a time, and each batch's
    target groups, topics and staff are read in one query per link table.
    """
    separator = _(", ")
    kinds = kind_names()
    # A private venue (someone's home) is shown on the event page only, never exported.
    private = private_venue_kinds()
    statuses = {status: str(label) for status, label in EVENT_STATUS_LABELS.items()}
    groups_in_order = select(TargetGroup).order_by(TargetGroup.sort_order)
    group_names = {g.id: g.name for g in db.session.execute(groups_in_order).scalars()}
    topics_in_order = select(Topic).order_by(Topic.sort_order)
    topic_names = {t.id: t.name for t in db.session.execute(topics_in_order).scalars()}
    group_rank = {group_id: n for n, group_id in enumerate(group_names)}
    topic_rank = {topic_id: n for n, topic_id in enumerate(topic_names)}
    stmt = (
        select(
            Event.id,
            Event.starts_at,
            Event.ends_at,
            Event.title,
            Event.kind,
            Event.status,
            Region.name.label("region_name"),
            Partner.name.label("partner_name"),
            Event.venue,
            Branch.name.label("branch_name"),
            Event.expected_attendance,
        )
        .join(Region, Region.id == Event.region_id)
        .join(Branch, Branch.id == Event.branch_id)
        .outerjoin(Partner, Partner.id == Event.partner_id)
        .where(*event_conditions(user, filters))
        .order_by(*ordering(filters.sort))
        .execution_options(yield_per=BATCH_SIZE)
    )
    people: dict[int, str] = {}
    for batch in db.session.execute(stmt).partitions():
        ids = [row.id for row in batch]
        groups = _links(event_target_group.c.target_group_id, event_target_group, ids)
        topics = _links(event_topic.c.topic_id, event_topic, ids)
        staff = _links(event_staff.c.user_id, event_staff, ids)
        _learn_names(people, {uid for uids in staff.values() for uid in uids})
        for row in batch:
            yield [
                row.id,
                row.starts_at,
                row.ends_at,
                row.title,
                kinds[row.kind],
                statuses[row.status],
                separator.join(group_names[g] for g in sorted(groups[row.id], key=group_rank.get)),
                separator.join(topic_names[t] for t in sorted(topics[row.id], key=topic_rank.get)),
                row.region_name,
                row.partner_name or "",
                "" if row.kind in private else row.venue,
                row.branch_name,
                separator.join(sorted(people[u] for u in staff[row.id])),
                row.expected_attendance,
            ]


def _links(column: Any, table: Any, event_ids: list[int]) -> dict[int, list[int]]:
    """For each of ``event_ids``, the ids ``column`` of ``table`` links it to."""
    found: dict[int, list[int]] = defaultdict(list)
    stmt = select(table.c.event_id, column).where(table.c.event_id.in_(event_ids))
    for event_id, other_id in db.session.execute(stmt):
        found[event_id].append(other_id)
    return found


def _learn_names(people: dict[int, str], user_ids: set[int]) -> None:
    """Add the names of the users in ``user_ids`` that ``people`` does not know yet."""
    missing = user_ids - people.keys()
    if missing:
        stmt = select(User.id, User.display_name, User.username).where(User.id.in_(missing))
        for user_id, display_name, username in db.session.execute(stmt):
            people[user_id] = display_name or username


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if value is None:
        return ""
    return spreadsheet_safe(value)


def csv_chunks(head: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in pieces: a byte-order mark (so Excel reads UTF-8), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(name) for name in head])
    yield "\ufeff" + _drain(buffer)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(value) for value in row])
        if n % BATCH_SIZE == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@dataclass(frozen=True)
class XlsxExport:
    """A finished workbook and how many event rows it holds."""

    content: bytes
    rows: int
    is_truncated: bool


def xlsx_workbook(
    head: list[str], rows: Iterable[list[Any]], max_rows: int = XLSX_MAX_ROWS
) -> XlsxExport:
    """An XLSX file (openpyxl's write-only mode) with at most ``max_rows`` rows of events.

    When more rows match, the last line says the list was cut and how to get the rest.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Events"))
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, name) for name in head])
    written = 0
    truncated = False
    for row in rows:
        if written >= max_rows:
            truncated = True
            break
        sheet.append(
            [
                xlsx_cell(sheet, value, XLSX_TIME_FORMAT if index in TIME_COLUMNS else None)
                for index, value in enumerate(row)
            ]
        )
        written += 1
    if truncated:
        note = ngettext(
            "Only the first event is in this file. Narrow the filters, "
            "or download CSV for all of them.",
            "Only the first %(num)d events are in this file. Narrow the filters, "
            "or download CSV for all of them.",
            max_rows,
        )
        sheet.append([xlsx_cell(sheet, note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return XlsxExport(buffer.getvalue(), written, truncated)
