"""Every coverage figure, defined once: what is stored, how it is counted, how it is shown.

Two kinds of entry:

* A ``Count`` is stored: one column of ``coverage_rollup`` (the model makes a column for each).
  It names the raw rows it is counted from (a ``Source``: the events themselves, staff head
  counts, print runs, or one kind of attendee row), the SQL aggregate a recount sums them with,
  and what one raw row adds in Python, which is what an attendee action bumps the rollups by
  (``rollups.count_row``) and what the tests' independent computation adds up. A source whose
  rows need not belong to an event (``Alone``: online and media reach) counts those rows under
  their own region, branch and month, as kind ``EVENTLESS_KIND``.
* A ``Figure`` is shown: a label in both languages, a format, and a ``formula`` over the counts
  (one count, a difference, or a ratio rounded once, half up). ``places`` says where it is
  shown: the page's headline cards and tables, the CSV and workbook sections, the PDF summary;
  the JSON holds every count and every figure.

Adding a figure is adding an entry here (and, for a new count, a migration for its column and
the rows it is counted from); the page, the exports, the PDF, the JSON and the tests read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Table, case, cast, exists, func, or_
from sqlalchemy.orm import InstrumentedAttribute

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.events.models import (
    Event,
    EventAttendance,
    EventPaperAttendance,
    EventStatus,
    event_target_group,
    event_topic,
)
from outreach_app.handouts.kinds import HandoutMaterial
from outreach_app.handouts.models import HandoutLedgerLine, PrintRun
from outreach_app.problems.models import Problem, ProblemStatus
from outreach_app.reach.models import ReachItem

# The breakdowns a rollup row can be for: everything (dim id 0), a target group, a topic.
DIM_ALL = "all"
DIM_GROUP = "group"
DIM_TOPIC = "topic"
# Rates are shown as a percentage with one decimal (a share to 3 places), averages with two.
RATE_PLACES = 3
AVERAGE_PLACES = 2


# Stored counts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """How a source's rows split by target group or topic: the id column (on the source, or on
    an association ``table`` joined by event id), and the ids of one row in Python."""

    dim: str
    column: Any
    table: Table | None = None
    ids: Callable[[Any], Iterable[int]] | None = None

    def ids_of(self, row: Any) -> list[int]:
        """The dim ids one raw row (an ORM object or a namespace of its values) counts for."""
        if self.ids is not None:
            return list(self.ids(row))
        value = getattr(row, self.column.key, None)
        return [] if value is None else [int(value)]


# The kind of the rollup rows that hold what was counted without an event (``Alone``): it is
# no event kind, and lists of kinds show it as "Not at an event".
EVENTLESS_KIND = ""
EVENTLESS_LABEL = _l("Not at an event")


@dataclass(frozen=True)
class Alone:
    """How a source's rows that belong to no event (``event_id`` is None) are counted: under
    their own region and branch columns, in the month of their ``day`` (a date column), as kind
    ``EVENTLESS_KIND``. Breakdowns whose column is on the row apply to them too."""

    region: InstrumentedAttribute[Any]
    branch: InstrumentedAttribute[Any]
    day: InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Source:
    """Raw rows that counts are summed from, each belonging to one event or, with ``alone``,
    to no event but a region, branch and day: ``where`` (SQL) and ``keeps`` (Python) say which
    rows count."""

    name: str
    model: type
    where: tuple[Any, ...] = ()
    keeps: Callable[[Any], bool] = lambda row: True
    breakdowns: tuple[Breakdown, ...] = ()
    # Structural rows (the default): a change to one, through the ORM, marks its event for a
    # recount before the commit. Attendee rows are additive instead: each is counted once, by
    # ``rollups.count_row``, right after it is inserted.
    additive: bool = False
    alone: Alone | None = None

    def event_id(self, row: Any) -> int | None:
        """The id of the event a row belongs to (None for a row of an ``alone`` source that
        belongs to no event)."""
        return row.id if self.model is Event else row.event_id


@dataclass(frozen=True)
class Count:
    """A stored figure: a rollup column, the SQL aggregate a recount sums it with, and what one
    raw row adds (the incremental bump, and the tests' independent sum)."""

    name: str
    source: Source
    sql: Callable[[], Any]
    per_row: Callable[[Any], int]


EVENTS = Source(
    "event",
    Event,
    breakdowns=(
        Breakdown(
            DIM_GROUP,
            event_target_group.c.target_group_id,
            table=event_target_group,
            ids=lambda event: [group.id for group in event.target_groups],
        ),
        Breakdown(
            DIM_TOPIC,
            event_topic.c.topic_id,
            table=event_topic,
            ids=lambda event: [topic.id for topic in event.topics],
        ),
    ),
)
ATTENDANCE = Source(
    "attendance",
    EventAttendance,
    breakdowns=(Breakdown(DIM_GROUP, EventAttendance.target_group_id),),
)
# Head counts staff read off the paper sign-in sheet, kept apart from their own count.
PAPER_ATTENDANCE = Source(
    "paper_attendance",
    EventPaperAttendance,
    breakdowns=(Breakdown(DIM_GROUP, EventPaperAttendance.target_group_id),),
)
PRINT_RUNS = Source(
    "print_run",
    PrintRun,
    where=(PrintRun.revoked_at.is_(None),),
    keeps=lambda run: run.revoked_at is None,
)
SCANS = Source("scan", HandoutScan, additive=True)
CHECK_INS = Source(
    "check_in",
    CheckIn,
    breakdowns=(Breakdown(DIM_GROUP, CheckIn.target_group_id),),
    additive=True,
)
QUIZZES = Source(
    "quiz",
    QuizSubmission,
    additive=True,
    # Quiz results count for the group the copy checked in with, and for the handout's topic.
    breakdowns=(
        Breakdown(DIM_GROUP, QuizSubmission.target_group_id),
        Breakdown(DIM_TOPIC, QuizSubmission.topic_id),
    ),
)
FEEDBACK = Source("feedback", Feedback, additive=True)
# The handout ledger: a withdrawn run's line counts nowhere, as its copies no longer count as
# printed (``HandoutLedgerLine.counts_as_coded``); uncoded material always counts.
LEDGER = Source(
    "handout_ledger",
    HandoutLedgerLine,
    where=(
        or_(
            HandoutLedgerLine.print_run_id.is_(None),
            exists().where(
                PrintRun.id == HandoutLedgerLine.print_run_id, PrintRun.revoked_at.is_(None)
            ),
        ),
    ),
    keeps=lambda line: line.print_run_id is None or line.counts_as_coded,
)
# Problems customers raised: closing one changes its row, which marks its event for a recount.
PROBLEMS = Source("problem", Problem)
# Articles, videos and media reports: at an event, or a branch's own without one.
REACH = Source(
    "reach",
    ReachItem,
    alone=Alone(ReachItem.region_id, ReachItem.branch_id, ReachItem.published_on),
)
SOURCES = (
    EVENTS,
    ATTENDANCE,
    SCANS,
    CHECK_INS,
    QUIZZES,
    FEEDBACK,
    PRINT_RUNS,
    LEDGER,
    PROBLEMS,
    REACH,
    PAPER_ATTENDANCE,
)
# Uncoded printed material; gifts (宣传品) are counted apart.
PRINTED_MATERIALS = (
    HandoutMaterial.POSTER,
    HandoutMaterial.BOOKLET,
    HandoutMaterial.LEAFLET,
    HandoutMaterial.OTHER,
)


def _ledger_sum(condition: Any) -> Any:
    """The SQL sum of the ledger lines' quantities where ``condition`` holds."""
    return func.sum(case((condition, HandoutLedgerLine.quantity), else_=0))


COUNTS: tuple[Count, ...] = (
    Count("events", EVENTS, lambda: func.count(Event.id), lambda event: 1),
    Count(
        "events_completed",
        EVENTS,
        lambda: func.sum(cast(Event.status == EventStatus.COMPLETED, Integer)),
        lambda event: int(event.status is EventStatus.COMPLETED),
    ),
    Count(
        "reached",
        ATTENDANCE,
        lambda: func.sum(EventAttendance.headcount),
        lambda row: row.headcount,
    ),
    Count("copies", PRINT_RUNS, lambda: func.sum(PrintRun.copies), lambda run: run.copies),
    Count(
        "copies_scanned",
        SCANS,
        lambda: func.sum(cast(HandoutScan.is_first, Integer)),
        lambda scan: int(scan.is_first),
    ),
    Count("scans", SCANS, lambda: func.count(HandoutScan.id), lambda scan: 1),
    Count("check_ins", CHECK_INS, lambda: func.count(CheckIn.id), lambda check_in: 1),
    Count(
        "quiz_correct",
        QUIZZES,
        lambda: func.sum(QuizSubmission.correct),
        lambda quiz: quiz.correct,
    ),
    Count("quiz_total", QUIZZES, lambda: func.sum(QuizSubmission.total), lambda quiz: quiz.total),
    Count(
        "feedback_sum",
        FEEDBACK,
        lambda: func.sum(Feedback.rating),
        lambda feedback: feedback.rating,
    ),
    Count("feedback_count", FEEDBACK, lambda: func.count(Feedback.id), lambda feedback: 1),
    Count(
        "handed_out",
        LEDGER,
        lambda: _ledger_sum(HandoutLedgerLine.print_run_id.is_not(None)),
        lambda line: line.quantity if line.print_run_id is not None else 0,
    ),
    Count(
        "materials_handed_out",
        LEDGER,
        lambda: _ledger_sum(HandoutLedgerLine.material.in_(PRINTED_MATERIALS)),
        lambda line: line.quantity if line.material in PRINTED_MATERIALS else 0,
    ),
    Count(
        "gifts_handed_out",
        LEDGER,
        lambda: _ledger_sum(HandoutLedgerLine.material == HandoutMaterial.GIFT),
        lambda line: line.quantity if line.material is HandoutMaterial.GIFT else 0,
    ),
    Count("problems_raised", PROBLEMS, lambda: func.count(Problem.id), lambda problem: 1),
    Count(
        "problems_resolved",
        PROBLEMS,
        lambda: func.sum(cast(Problem.status == ProblemStatus.CLOSED, Integer)),
        lambda problem: int(problem.status is ProblemStatus.CLOSED),
    ),
    # Closed after the due date; both are days of the bank's calendar (``problems.models``).
    Count(
        "problems_resolved_late",
        PROBLEMS,
        lambda: func.sum(cast(Problem.closed_on > Problem.due_on, Integer)),
        lambda problem: int(problem.closed_on is not None and problem.closed_on > problem.due_on),
    ),
    Count(
        "online_reads",
        REACH,
        lambda: func.sum(ReachItem.reads),
        lambda item: item.reads or 0,
    ),
    Count(
        "online_forwards",
        REACH,
        lambda: func.sum(ReachItem.forwards),
        lambda item: item.forwards or 0,
    ),
    Count("media_reports", REACH, lambda: func.count(ReachItem.id), lambda item: 1),
    Count(
        "signed_on_paper",
        PAPER_ATTENDANCE,
        lambda: func.sum(EventPaperAttendance.headcount),
        lambda row: row.headcount,
    ),
)
METRICS = tuple(count.name for count in COUNTS)


def counts_of(source: Source) -> tuple[Count, ...]:
    """The counts summed from ``source``'s rows, in registry order."""
    return tuple(count for count in COUNTS if count.source is source)


def counted_by(dim: str) -> tuple[str, ...]:
    """The counts that rows of breakdown ``dim`` hold (every count for ``DIM_ALL``)."""
    return tuple(
        count.name
        for count in COUNTS
        if dim == DIM_ALL or any(b.dim == dim for b in count.source.breakdowns)
    )


def source_of(model: type) -> Source | None:
    """The source whose rows are ``model``'s, if any figure is counted from them."""
    return next((source for source in SOURCES if source.model is model), None)


def blank() -> dict[str, int]:
    """Every count at 0."""
    return dict.fromkeys(METRICS, 0)


# Shown figures ------------------------------------------------------------------------------


def rounded_ratio(numerator: int, denominator: int, places: int) -> Decimal | None:
    """``numerator / denominator`` rounded half up to ``places`` decimals, None when the
    denominator is 0.

    The one rounding of every figure the page, the exports and the JSON show: it works on the
    exact fraction in integers, so 350/459 is 0.763 everywhere (never 0.7625 and then 76.2 %)
    and 1/16 is 0.063 (a float would round 0.0625 to even).
    """
    if not denominator:
        return None
    scale = 10**places
    quotient = (2 * numerator * scale + denominator) // (2 * denominator)
    return Decimal(quotient).scaleb(-places)


@dataclass(frozen=True)
class Total:
    """A figure that is one count."""

    count: str

    def value(self, values: Mapping[str, int]) -> int:
        """The count's value."""
        return values[self.count]


@dataclass(frozen=True)
class Difference:
    """A figure that is one count less another (events planned: all less the completed)."""

    minuend: str
    subtrahend: str

    def value(self, values: Mapping[str, int]) -> int:
        """The difference."""
        return values[self.minuend] - values[self.subtrahend]


@dataclass(frozen=True)
class Ratio:
    """A share or an average: one count over another, rounded once (``rounded_ratio``); None
    when the denominator is 0."""

    numerator: str
    denominator: str
    places: int

    def value(self, values: Mapping[str, int]) -> Decimal | None:
        """The rounded ratio."""
        return rounded_ratio(values[self.numerator], values[self.denominator], self.places)


class Format(StrEnum):
    """How a figure's value is written."""

    COUNT = "count"  # 1,234
    PERCENT = "percent"  # 76.3%
    AVERAGE = "average"  # 1.13


class Rate(Decimal):
    """A share (0–1) that spreadsheets show as a percentage."""


class Average(Decimal):
    """An average rating that spreadsheets show with two decimals."""


def percent(value: Decimal | None) -> str:
    """A rate (already rounded by ``rounded_ratio``) as a percentage with one decimal, or a
    dash when it is undefined."""
    return "—" if value is None else f"{value * 100:.1f}%"


def average(value: Decimal | None) -> str:
    """An average rating (already rounded) with two decimals, or a dash when nobody rated."""
    return "—" if value is None else f"{value:.2f}"


# Where figures are shown. A figure lists the places it appears in, with the label it has
# there: its ``label``, its ``short`` one (compact tables), or one of its own.
PAGE_KPIS = "page.kpis"
PAGE_TREND = "page.trend"
PAGE_KINDS = "page.kinds"
PAGE_GROUPS = "page.groups"
PAGE_TOPICS = "page.topics"
PAGE_REGIONS = "page.regions"
PAGE_RECORD = "page.record"  # what events recorded beyond attendance: handouts, reach, problems
EXPORT_SUMMARY = "export.summary"
EXPORT_TABLE = "export.table"  # by kind, by month, by region
EXPORT_GROUPS = "export.groups"
EXPORT_TOPICS = "export.topics"
PDF_KPIS = "pdf.kpis"
PDF_KINDS = "pdf.kinds"
PDF_GROUPS = "pdf.groups"
PDF_REGIONS = "pdf.regions"
PDF_RECORD = "pdf.record"  # a second grid of headline figures: the events' records


class LabelIn(Enum):
    """Which of a figure's own labels a place shows (a place may also give a label of its own)."""

    LABEL = "label"
    SHORT = "short"


LABEL = LabelIn.LABEL
SHORT = LabelIn.SHORT


@dataclass(frozen=True)
class Figure:
    """A figure as people see it: its key (in the JSON and the page's ``data-figure``), labels,
    format, formula, and the places it is shown in."""

    key: str
    label: Any
    format: Format
    formula: Total | Difference | Ratio
    short: Any = None
    places: Mapping[str, Any] = field(default_factory=dict)

    def value(self, values: Mapping[str, int]) -> int | Decimal | None:
        """The figure for these summed counts."""
        return self.formula.value(values)

    def text(self, values: Mapping[str, int]) -> str:
        """The figure as written on the page and in the CSV."""
        value = self.value(values)
        if self.format is Format.PERCENT:
            return percent(value)
        if self.format is Format.AVERAGE:
            return average(value)
        return f"{value or 0:,}"

    def cell(self, values: Mapping[str, int]) -> Any:
        """The figure as a spreadsheet cell: a number, a ``Rate`` or an ``Average`` (None
        when undefined)."""
        value = self.value(values)
        if value is None or self.format is Format.COUNT:
            return value
        return Rate(value) if self.format is Format.PERCENT else Average(value)

    def label_in(self, place: str) -> str:
        """The figure's label in ``place``, in the current language."""
        label = self.places.get(place, LABEL)
        if label is SHORT:
            label = self.short or self.label
        elif label is LABEL:
            label = self.label
        return str(label)


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    """Add a figure to the registry (after the others); its key must be new."""
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key!r} is already registered")
    FIGURES[figure.key] = figure
    return figure


def shown_in(place: str) -> list[Figure]:
    """The figures shown in ``place``, in registry order."""
    return [figure for figure in FIGURES.values() if place in figure.places]


def columns(place: str) -> list[tuple[Figure, str]]:
    """The figures shown in ``place`` with their labels there, in the current language."""
    return [(figure, figure.label_in(place)) for figure in shown_in(place)]


_EVERY_TABLE = {
    EXPORT_SUMMARY: LABEL,
    EXPORT_TABLE: LABEL,
    PAGE_TREND: LABEL,
    PAGE_REGIONS: SHORT,
    PDF_REGIONS: LABEL,
}
register(
    Figure(
        "events_held",
        _l("Events held"),
        Format.COUNT,
        Total("events_completed"),
        short=_l("Held"),
        places={
            **_EVERY_TABLE,
            EXPORT_GROUPS: _l("Events held for the group"),
            EXPORT_TOPICS: _l("Events held on the topic"),
            PAGE_KPIS: LABEL,
            PAGE_KINDS: SHORT,
            PAGE_GROUPS: SHORT,
            PAGE_TOPICS: SHORT,
            PDF_KPIS: LABEL,
            PDF_KINDS: SHORT,
            PDF_GROUPS: SHORT,
        },
    )
)
register(
    Figure(
        "events_planned",
        _l("Events planned"),
        Format.COUNT,
        Difference("events", "events_completed"),
        short=_l("Planned"),
        places={
            **_EVERY_TABLE,
            EXPORT_GROUPS: _l("Events planned for the group"),
            EXPORT_TOPICS: _l("Events planned on the topic"),
            PAGE_KINDS: SHORT,
            PAGE_GROUPS: SHORT,
            PAGE_TOPICS: SHORT,
            PDF_KPIS: LABEL,
            PDF_KINDS: SHORT,
            PDF_GROUPS: SHORT,
        },
    )
)
register(
    Figure(
        "reached",
        _l("People reached (staff count)"),
        Format.COUNT,
        Total("reached"),
        short=_l("Reached"),
        places={
            **_EVERY_TABLE,
            EXPORT_GROUPS: LABEL,
            PAGE_KPIS: LABEL,
            PAGE_KINDS: SHORT,
            PAGE_GROUPS: SHORT,
            PDF_KPIS: LABEL,
            PDF_KINDS: LABEL,
            PDF_GROUPS: LABEL,
        },
    )
)
register(
    Figure(
        "check_ins",
        _l("QR check-ins"),
        Format.COUNT,
        Total("check_ins"),
        short=_l("Check-ins"),
        places={
            **_EVERY_TABLE,
            EXPORT_GROUPS: LABEL,
            PAGE_GROUPS: SHORT,
            PDF_KPIS: LABEL,
            PDF_KINDS: LABEL,
            PDF_GROUPS: LABEL,
        },
    )
)
register(
    Figure(
        "signed_on_paper",
        _l("Signed on paper"),
        Format.COUNT,
        Total("signed_on_paper"),
        short=_l("On paper"),
        places={
            **_EVERY_TABLE,
            EXPORT_GROUPS: LABEL,
            PAGE_GROUPS: SHORT,
            PAGE_RECORD: LABEL,
            PDF_GROUPS: LABEL,
            PDF_RECORD: LABEL,
        },
    )
)
register(
    Figure(
        "copies",
        _l("Handouts printed"),
        Format.COUNT,
        Total("copies"),
        short=_l("Printed"),
        places={
            **_EVERY_TABLE,
            PAGE_KPIS: LABEL,
            PAGE_RECORD: LABEL,
            PDF_KPIS: LABEL,
            PDF_RECORD: LABEL,
        },
    )
)
# The handout ledger's figures sit beside printed and scanned, in the exports as on the page.
_LEDGER_PLACES = {EXPORT_SUMMARY: LABEL, EXPORT_TABLE: LABEL, PAGE_RECORD: LABEL, PDF_RECORD: LABEL}
register(
    Figure(
        "handed_out",
        _l("Handouts handed out"),
        Format.COUNT,
        Total("handed_out"),
        short=_l("Handed out"),
        places=_LEDGER_PLACES,
    )
)
register(
    Figure(
        "copies_scanned",
        _l("Handouts scanned"),
        Format.COUNT,
        Total("copies_scanned"),
        places={EXPORT_SUMMARY: LABEL, EXPORT_TABLE: LABEL, PAGE_RECORD: LABEL, PDF_RECORD: LABEL},
    )
)
register(
    Figure(
        "scan_rate",
        _l("Scan rate"),
        Format.PERCENT,
        Ratio("copies_scanned", "copies", RATE_PLACES),
        places={**_EVERY_TABLE, PDF_KPIS: LABEL},
    )
)
register(
    Figure(
        "handed_out_scan_rate",
        _l("Scan rate of copies handed out"),
        Format.PERCENT,
        Ratio("copies_scanned", "handed_out", RATE_PLACES),
        places=_LEDGER_PLACES,
    )
)
register(
    Figure(
        "materials_handed_out",
        _l("Printed material handed out (no QR code)"),
        Format.COUNT,
        Total("materials_handed_out"),
        places=_LEDGER_PLACES,
    )
)
register(
    Figure(
        "gifts_handed_out",
        _l("Gifts handed out"),
        Format.COUNT,
        Total("gifts_handed_out"),
        places=_LEDGER_PLACES,
    )
)
register(Figure("scans", _l("Scans"), Format.COUNT, Total("scans"), places={EXPORT_SUMMARY: LABEL}))
register(
    Figure(
        "quiz_total",
        _l("Quiz answers"),
        Format.COUNT,
        Total("quiz_total"),
        places={
            EXPORT_SUMMARY: LABEL,
            EXPORT_GROUPS: LABEL,
            EXPORT_TOPICS: LABEL,
            PAGE_TOPICS: LABEL,
        },
    )
)
register(
    Figure(
        "quiz_correct",
        _l("Quiz correct"),
        Format.COUNT,
        Total("quiz_correct"),
        places={EXPORT_GROUPS: LABEL, EXPORT_TOPICS: LABEL},
    )
)
register(
    Figure(
        "quiz_rate",
        _l("Quiz correct rate"),
        Format.PERCENT,
        Ratio("quiz_correct", "quiz_total", RATE_PLACES),
        places={
            EXPORT_SUMMARY: LABEL,
            EXPORT_TABLE: LABEL,
            EXPORT_GROUPS: LABEL,
            EXPORT_TOPICS: LABEL,
            PAGE_KPIS: LABEL,
            PAGE_GROUPS: LABEL,
            PAGE_TOPICS: LABEL,
            PAGE_REGIONS: _l("Quiz"),
            PDF_KPIS: LABEL,
            PDF_GROUPS: LABEL,
            PDF_REGIONS: LABEL,
        },
    )
)
register(
    Figure(
        "feedback_count",
        _l("Feedback received"),
        Format.COUNT,
        Total("feedback_count"),
        places={EXPORT_SUMMARY: LABEL},
    )
)
register(
    Figure(
        "feedback_average",
        _l("Feedback average"),
        Format.AVERAGE,
        Ratio("feedback_sum", "feedback_count", AVERAGE_PLACES),
        short=_l("Feedback"),
        places={
            EXPORT_SUMMARY: LABEL,
            EXPORT_TABLE: LABEL,
            PAGE_KPIS: LABEL,
            PAGE_REGIONS: SHORT,
            PDF_KPIS: LABEL,
        },
    )
)
_RECORDED = {PAGE_RECORD: LABEL, PDF_RECORD: LABEL, EXPORT_SUMMARY: LABEL, EXPORT_TABLE: LABEL}
register(
    Figure(
        "problems_raised",
        _l("Problems raised"),
        Format.COUNT,
        Total("problems_raised"),
        places=_RECORDED,
    )
)
register(
    Figure(
        "problems_resolved",
        _l("Problems resolved"),
        Format.COUNT,
        Total("problems_resolved"),
        places=_RECORDED,
    )
)
register(
    Figure(
        "problems_resolved_late",
        _l("Problems resolved late"),
        Format.COUNT,
        Total("problems_resolved_late"),
        places=_RECORDED,
    )
)
# Online and media reach: what articles, videos and reports about the outreach reached, at
# events and without one (see ``EVENTLESS_KIND``).
register(
    Figure(
        "online_reads",
        _l("Online reads and views"),
        Format.COUNT,
        Total("online_reads"),
        short=_l("Reads"),
        places=_RECORDED,
    )
)
register(
    Figure(
        "online_forwards",
        _l("Online forwards"),
        Format.COUNT,
        Total("online_forwards"),
        short=_l("Forwards"),
        places=_RECORDED,
    )
)
register(
    Figure(
        "media_reports",
        _l("Online and media items"),
        Format.COUNT,
        Total("media_reports"),
        short=_l("Media items"),
        places=_RECORDED,
    )
)
