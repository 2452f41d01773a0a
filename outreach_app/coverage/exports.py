"""The coverage figures as tables (for CSV and XLSX) and as plain data (for JSON).

``report_sections`` is the one place that decides which figures an export holds and what the
columns are called; the CSV writes every section one after another, the workbook gives each its
own sheet. A region or partner name such as ``=cmd|…`` stays text: the CSV passes text through
``spreadsheet_safe``, the workbook stores it in text cells (``xlsx_cell``), shown as written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from outreach_app.core.downloads import spreadsheet_safe
from outreach_app.core.months import Month
from outreach_app.core.spreadsheets import xlsx_cell
from outreach_app.coverage.figures import (
    EVENTLESS_KIND,
    EVENTLESS_LABEL,
    EXPORT_GROUPS,
    EXPORT_SUMMARY,
    EXPORT_TABLE,
    EXPORT_TOPICS,
    Average,
    Rate,
    average,
    percent,
    shown_in,
)
from outreach_app.coverage.services import CoverageReport, Figures, Period
from outreach_app.partners.models import PARTNER_KIND_LABELS
from outreach_app.reference.queries import all_event_kinds
from outreach_app.regions.models import BRANCH_ACCESS_LABELS, Region

# What "held" and "planned" mean, on the page and in the PDF.
HELD_AND_PLANNED = _l(
    "Held: events marked completed once they took place. Planned: events planned or confirmed "
    "and not completed yet, past ones not marked completed included. Cancelled events never "
    "count."
)
RATE_FORMAT = "0.0%"
AVERAGE_FORMAT = "0.00"
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def region_name(region: Region) -> str:
    """The region's name in the current language (its Chinese name when it has no English)."""
    locale = get_locale()
    if locale is not None and locale.language == "en" and region.name_en:
        return region.name_en
    return region.name


def period_text(period: Period) -> str:
    """The months a period covers, as ``2025-12 – 2026-11`` (one month alone when equal)."""
    if period.first == period.last:
        return period.first_text
    return f"{period.first_text} – {period.last_text}"


@dataclass(frozen=True)
class Section:
    """One table of an export: its title (also the sheet's name), header and rows."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]


def figure_header(first: str, place: str) -> list[str]:
    """A table's header: its first column, then the label of every figure shown in ``place``."""
    return [first, *(figure.label_in(place) for figure in shown_in(place))]


def figure_cells(figures: Figures, place: str) -> list[Any]:
    """The cells of every figure shown in ``place`` (numbers, ``Rate`` and ``Average``)."""
    return [figure.cell(figures.values) for figure in shown_in(place)]


def _figure_table(
    key: str, title: str, first: str, rows: list[tuple[Any, Figures]], place: str = EXPORT_TABLE
) -> Section:
    """A section with one row per (first cell, figures) pair, a column per figure of ``place``."""
    return Section(
        key,
        title,
        figure_header(first, place),
        [[name, *figure_cells(figures, place)] for name, figures in rows],
    )


def report_sections(report: CoverageReport) -> list[Section]:
    """Every table of the coverage report, headers in the current language."""
    return [
        _summary(report),
        _figure_table(
            "kinds", _("By kind"), _("Kind"), [(label, f) for _k, label, f in report.by_kind]
        ),
        _figure_table(
            "groups",
            _("By target group"),
            _("Target group"),
            [(g.name, f) for g, f in report.by_group],
            EXPORT_GROUPS,
        ),
        _figure_table(
            "topics",
            _("By topic"),
            _("Topic"),
            [(t.name, f) for t, f in report.by_topic],
            EXPORT_TOPICS,
        ),
        _figure_table("trend", _("By month"), _("Month"), [(m.label, f) for m, f in report.trend]),
        _figure_table(
            "children",
            _("Regions"),
            _("Region"),
            [(child_label(c), c.figures) for c in report.children],
        ),
        Section(
            "heat",
            _("Events held by region and month"),
            [_("Region"), *(m.label for m, _f in report.trend)],
            [[child_label(c), *c.held_by_month] for c in report.children],
        ),
        _gap_section(report),
        _partner_section(report),
    ]


def _summary(report: CoverageReport) -> Section:
    """The region, the period, every summary figure, and the gap and partner counts."""
    gaps = report.gaps
    scope = region_name(report.region)
    if report.branch is not None:
        scope = f"{scope} · {report.branch.name}"
    rows: list[list[Any]] = [
        [_("Region"), scope],
        [_("Period"), period_text(report.period)],
    ]
    rows += [
        [figure.label_in(EXPORT_SUMMARY), figure.cell(report.total.values)]
        for figure in shown_in(EXPORT_SUMMARY)
    ]
    rows += [
        [_("Areas without a branch reached"), gaps.none_reached],
        [_("Areas without a branch"), gaps.none_total],
        [_("Hard-to-reach areas reached"), gaps.hard_reached],
        [_("Hard-to-reach areas"), gaps.hard_total],
        [
            _("Partners not visited for more than %(n)d months", n=report.stale_months),
            len(report.stale_partners),
        ],
    ]
    return Section("summary", _("Summary"), [_("Figure"), _("Value")], rows)


def _gap_section(report: CoverageReport) -> Section:
    """Every area without a branch (or hard to reach) not reached in the period."""
    return Section(
        "gaps",
        _("Areas not reached"),
        [_("Area"), _("Branch access"), _("Last event"), _("Nearest branch")],
        [
            [
                region_name(row.region),
                str(BRANCH_ACCESS_LABELS[row.region.branch_access]),
                Month.of(row.last_event_on).label if row.last_event_on else _("Never reached"),
                row.nearest_branch.name if row.nearest_branch else "",
            ]
            for row in report.gaps.all_rows
        ],
    )


def _partner_section(report: CoverageReport) -> Section:
    """The partners not visited for longer than the chosen months."""
    return Section(
        "partners",
        _("Partners not visited"),
        [_("Partner"), _("Kind"), _("Last visit")],
        [
            [
                s.partner.name,
                str(PARTNER_KIND_LABELS[s.partner.kind]),
                s.last_visit.isoformat() if s.last_visit else _("Never visited"),
            ]
            for s in report.stale_partners
        ],
    )


def child_label(child: Any) -> str:
    """A child row's name; the region's own events are marked as such."""
    name = region_name(child.region)
    return _("%(name)s (own events)", name=name) if child.is_own else name


# CSV --------------------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Rate):
        return percent(value)
    if isinstance(value, Average):
        return average(value)
    return spreadsheet_safe(value)


def csv_text(sections: list[Section]) -> str:
    """All sections in one CSV text with a byte-order mark (so Excel reads UTF-8): each is a
    title line, a header and its rows, with a blank line between sections."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, section in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow([spreadsheet_safe(section.title)])
        writer.writerow([spreadsheet_safe(name) for name in section.header])
        for row in section.rows:
            writer.writerow([_csv_value(value) for value in row])
    return "\ufeff" + buffer.getvalue()


# XLSX -------------------------------------------------------------------------------------------


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_NAME_UNSAFE.sub(" ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" {number}"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def _number_format(value: Any) -> str | None:
    if isinstance(value, Rate):
        return RATE_FORMAT
    if isinstance(value, Average):
        return AVERAGE_FORMAT
    return None


def xlsx_bytes(sections: list[Section]) -> bytes:
    """A workbook with one sheet per section; header rows bold and frozen, rates as %."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(sheet_title(section.title, taken))
        sheet.append([xlsx_cell(sheet, name) for name in section.header])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for row in section.rows:
            sheet.append(
                [
                    xlsx_cell(sheet, float(v) if isinstance(v, Decimal) else v, _number_format(v))
                    for v in row
                ]
            )
        widths = [max(len(str(v or "")) for v in column) for column in _columns(section)]
        for index, width in enumerate(widths, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = min(48, max(10, width * 1.6 + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _columns(section: Section) -> list[list[Any]]:
    table = [section.header, *section.rows]
    count = max(len(row) for row in table)
    return [[row[i] if i < len(row) else "" for row in table] for i in range(count)]


# JSON -------------------------------------------------------------------------------------------


def _in_both_languages(text: Any) -> tuple[str, str]:
    """A translated text in Chinese and in English, whatever the request's language."""
    with force_locale("zh_CN"):
        chinese = str(text)
    with force_locale("en"):
        english = str(text)
    return chinese, english


def report_data(report: CoverageReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (names in both languages where they exist)."""
    kinds = {kind.code: (kind.name_zh, kind.name_en) for kind in all_event_kinds()}
    kinds[EVENTLESS_KIND] = _in_both_languages(EVENTLESS_LABEL)
    return {
        "region": _region_ref(report.region),
        "branch": (
            {"id": report.branch.id, "name": report.branch.name}
            if report.branch is not None
            else None
        ),
        "period": {
            "name": report.period.name,
            "from": report.period.first_text,
            "to": report.period.last_text,
        },
        "total": report.total.as_dict(),
        "by_kind": [
            {"kind": code, "name_zh": kinds[code][0], "name_en": kinds[code][1]} | f.as_dict()
            for code, _label, f in report.by_kind
        ],
        "by_group": [
            {"group": g.code, "name_zh": g.name_zh, "name_en": g.name_en, **f.as_dict()}
            for g, f in report.by_group
        ],
        "by_topic": [
            {"topic": t.code, "name_zh": t.name_zh, "name_en": t.name_en, **f.as_dict()}
            for t, f in report.by_topic
        ],
        "trend": [{"month": m.label, **f.as_dict()} for m, f in report.trend],
        "children": [
            {
                "region": _region_ref(c.region),
                "is_own": c.is_own,
                "events_by_month": c.events_by_month,
                "held_by_month": c.held_by_month,
                "planned_by_month": c.planned_by_month,
                **c.figures.as_dict(),
            }
            for c in report.children
        ],
        "gaps": _gaps_data(report),
        "problems_now": _problems_data(report),
        "stale_months": report.stale_months,
        "stale_partners": [
            {
                "id": s.partner.id,
                "name": s.partner.name,
                "kind": str(s.partner.kind),
                "last_visit": s.last_visit.isoformat() if s.last_visit else None,
            }
            for s in report.stale_partners
        ],
    }


def _region_ref(region: Region) -> dict[str, Any]:
    """A region in the JSON: id, names, division code and level."""
    return {
        "id": region.id,
        "name": region.name,
        "name_en": region.name_en,
        "division_code": region.division_code,
        "level": region.level,
    }


def _problems_data(report: CoverageReport) -> dict[str, Any] | None:
    """Problems open and overdue today in the JSON, with the overdue ones (no description: it
    is free text, read on the problem's page)."""
    live = report.follow_up
    if live is None:
        return None
    return {
        "today": live.today.isoformat(),
        "open": live.open,
        "overdue": live.overdue,
        "overdue_problems": [
            {
                "id": p.id,
                "event_id": p.event_id,
                "region_id": p.event.region_id,
                "category": str(p.category),
                "due_on": p.due_on.isoformat(),
                "days_overdue": (live.today - p.due_on).days,
                "owner_id": p.owner_id,
            }
            for p in live.overdue_list
        ],
    }


def _gaps_data(report: CoverageReport) -> dict[str, Any]:
    """The areas without a branch (or hard to reach) in the JSON: counts and every area not
    reached."""
    gaps = report.gaps
    return {
        "total": gaps.total,
        "reached": gaps.reached,
        "none_total": gaps.none_total,
        "none_reached": gaps.none_reached,
        "hard_to_reach_total": gaps.hard_total,
        "hard_to_reach_reached": gaps.hard_reached,
        "not_reached": [
            {
                "region": _region_ref(row.region),
                "branch_access": str(row.region.branch_access),
                "last_event_month": (
                    Month.of(row.last_event_on).label if row.last_event_on else None
                ),
                "nearest_branch": (
                    {"id": row.nearest_branch.id, "name": row.nearest_branch.name}
                    if row.nearest_branch is not None
                    else None
                ),
            }
            for row in gaps.all_rows
        ],
    }
