"""The handout ledger of an event: how many coded copies of each print run, and how much
uncoded material (posters, booklets, leaflets, gifts, other), were handed out.

The post-event report sends the whole ledger at once; ``check_ledger`` refuses what breaks a
rule (more handed out than a run printed, a run of another event, a gift without its kind),
naming the report's field of each problem, and ``save_ledger`` makes the stored lines match.
The caller holds the event's lock (the report does) and commits. A withdrawn run keeps its
line and its cap (its copies were printed and may have been handed out before it was
withdrawn); coverage leaves both out (``coverage.figures``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from outreach_app.core.validation import (
    CONTROL_CHARACTERS_MESSAGE,
    ServiceError,
    has_control_characters,
)
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.handouts.kinds import HandoutMaterial
from outreach_app.handouts.models import (
    MATERIAL_LABEL_MAX,
    MATERIALS_NEEDING_LABEL,
    MAX_HANDED_OUT,
    HandoutLedgerLine,
    HandoutVersion,
    PrintRun,
)

MAX_MATERIAL_LINES = 20
# The report form's names for the ledger's inputs; the service's messages go beside them.
LEDGER_FIELD = "ledger"  # a problem with the ledger as a whole
RUN_FIELD = "handed_out_{}"  # a print run id
MATERIAL_FIELD = "material_{}"  # a row number, from 0
LABEL_FIELD = "material_label_{}"
QUANTITY_FIELD = "material_quantity_{}"

# The report form checks these rules too, with the same words.
QUANTITY_MESSAGE = _l("Enter a whole number from 0 to 1000000.")
CHOOSE_MATERIAL = _l("Choose what was handed out.")
LABEL_NEEDED = _l("Say what it was, for example 环保袋 (tote bag).")
LABEL_TOO_LONG = _l("Keep it to 40 characters or fewer.")


def run_message(copies: int) -> str:
    """What a run's input says when its number is not one from 0 to the copies printed."""
    return _(
        "Enter a whole number from 0 to %(copies)d: %(copies)d copies of this run were printed.",
        copies=copies,
    )


@dataclass(frozen=True)
class MaterialEntry:
    """One row of uncoded material as entered: a kind (a ``HandoutMaterial`` value, or blank),
    a label and a quantity (None when blank)."""

    material: str
    label: str
    quantity: int | None


@dataclass(frozen=True)
class LedgerEntries:
    """The ledger as entered: copies handed out by print run id (None when blank), and the
    rows of uncoded material in the order shown (blank rows included)."""

    runs: Mapping[int, int | None] = field(default_factory=dict)
    materials: Sequence[MaterialEntry] = ()


@dataclass(frozen=True)
class PlannedLine:
    """A line to store: a run's copies, or a kind of material with its label."""

    quantity: int
    print_run_id: int | None = None
    material: HandoutMaterial | None = None
    label: str = ""

    def audit(self) -> dict[str, Any]:
        """The line as the audit log records it."""
        if self.print_run_id is not None:
            return {"print_run_id": self.print_run_id, "quantity": self.quantity}
        return {"material": str(self.material), "label": self.label, "quantity": self.quantity}


def event_runs(event: Event) -> list[PrintRun]:
    """The event's print runs in the order they were printed, with their handout's title."""
    stmt = (
        select(PrintRun)
        .options(joinedload(PrintRun.version).joinedload(HandoutVersion.handout))
        .where(PrintRun.event_id == event.id)
        .order_by(PrintRun.created_at, PrintRun.id)
    )
    return list(db.session.scalars(stmt))


def event_lines(event: Event) -> list[HandoutLedgerLine]:
    """The event's stored ledger lines: coded copies first (by run), then material (as
    entered), with each run and its handout's text loaded."""
    stmt = (
        select(HandoutLedgerLine)
        .options(
            joinedload(HandoutLedgerLine.print_run)
            .joinedload(PrintRun.version)
            .joinedload(HandoutVersion.handout)
        )
        .where(HandoutLedgerLine.event_id == event.id)
        .order_by(HandoutLedgerLine.print_run_id.is_(None), HandoutLedgerLine.print_run_id)
        .order_by(HandoutLedgerLine.id)
    )
    return list(db.session.scalars(stmt))


def current_entries(event: Event) -> LedgerEntries:
    """The stored ledger in the shape the report form is filled from."""
    lines = event_lines(event)
    return LedgerEntries(
        runs={line.print_run_id: line.quantity for line in lines if line.print_run_id},
        materials=[
            MaterialEntry(str(line.material), line.label, line.quantity)
            for line in lines
            if line.material is not None
        ],
    )


def _plan_material(
    index: int, entry: MaterialEntry, problems: dict[str, str]
) -> PlannedLine | None:
    """The line a material row asks for (None for a blank or zero row), noting its problems."""
    quantity = entry.quantity
    if quantity is not None and not 0 <= quantity <= MAX_HANDED_OUT:
        problems[QUANTITY_FIELD.format(index)] = str(QUANTITY_MESSAGE)
        return None
    if not quantity:
        return None  # removing a line is clearing its quantity
    try:
        material = HandoutMaterial(entry.material)
    except ValueError:
        problems[MATERIAL_FIELD.format(index)] = str(CHOOSE_MATERIAL)
        return None
    label = entry.label.strip()
    if has_control_characters(label):
        problems[LABEL_FIELD.format(index)] = str(CONTROL_CHARACTERS_MESSAGE)
    elif len(label) > MATERIAL_LABEL_MAX:
        problems[LABEL_FIELD.format(index)] = str(LABEL_TOO_LONG)
    elif not label and material in MATERIALS_NEEDING_LABEL:
        problems[LABEL_FIELD.format(index)] = str(LABEL_NEEDED)
    return PlannedLine(quantity, material=material, label=label)


def material_problems(materials: Sequence[MaterialEntry]) -> dict[str, str]:
    """The problems of the material rows by field name (the report form asks before saving)."""
    problems: dict[str, str] = {}
    for index, entry in enumerate(materials):
        _plan_material(index, entry, problems)
    return problems


def check_ledger(event: Event, entries: LedgerEntries) -> list[PlannedLine]:
    """The lines ``entries`` ask for (nothing handed out gives no line), or ServiceError naming
    every field with a problem. Call it under the event's lock: the runs are read here."""
    runs = {run.id: run for run in event_runs(event)}
    problems: dict[str, str] = {}
    if set(entries.runs) - set(runs):
        problems[LEDGER_FIELD] = _("Enter copies handed out for this event's print runs only.")
    if len(entries.materials) > MAX_MATERIAL_LINES:
        problems[LEDGER_FIELD] = _(
            "Enter at most %(count)d lines of material.", count=MAX_MATERIAL_LINES
        )
    planned: list[PlannedLine] = []
    for run_id, quantity in entries.runs.items():
        run = runs.get(run_id)
        if run is None:
            continue
        if quantity is not None and not 0 <= quantity <= run.copies:
            problems[RUN_FIELD.format(run_id)] = run_message(run.copies)
        elif quantity:
            planned.append(PlannedLine(quantity, print_run_id=run_id))
    for index, entry in enumerate(entries.materials):
        line = _plan_material(index, entry, problems)
        if line is not None:
            planned.append(line)
    if problems:
        raise ServiceError(problems)
    return sorted(planned, key=lambda line: line.print_run_id is None)


def save_ledger(event: Event, planned: Sequence[PlannedLine]) -> None:
    """Make ``event``'s stored lines the ``planned`` ones (from ``check_ledger``); flushes.

    A run's line is changed in place; material lines are rewritten in the order given, reusing
    the stored rows.
    """
    stored = event_lines(event)
    coded = {line.print_run_id: line for line in stored if line.print_run_id is not None}
    uncoded = [line for line in stored if line.print_run_id is None]
    wanted_runs = {line.print_run_id: line for line in planned if line.print_run_id is not None}
    for run_id, line in coded.items():
        if run_id not in wanted_runs:
            db.session.delete(line)
    for run_id, plan in wanted_runs.items():
        if run_id in coded:
            coded[run_id].quantity = plan.quantity
        else:
            db.session.add(
                HandoutLedgerLine(event_id=event.id, print_run_id=run_id, quantity=plan.quantity)
            )
    materials = [line for line in planned if line.print_run_id is None]
    for row, plan in zip(uncoded, materials, strict=False):
        row.material, row.label, row.quantity = plan.material, plan.label, plan.quantity
    for row in uncoded[len(materials) :]:
        db.session.delete(row)
    for plan in materials[len(uncoded) :]:
        db.session.add(
            HandoutLedgerLine(
                event_id=event.id,
                material=plan.material,
                label=plan.label,
                quantity=plan.quantity,
            )
        )
    db.session.flush()


# What the event page's report panel shows -------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger as the report panel shows it."""

    what: str
    detail: str
    quantity: int
    printed: int | None = None  # copies printed, for a run's line
    is_withdrawn: bool = False
    lang: str = ""


@dataclass(frozen=True)
class LedgerSummary:
    """The ledger's rows and totals: coded copies handed out of those printed (runs in force),
    and uncoded material."""

    rows: list[LedgerRow]
    coded: int = 0
    printed: int = 0
    materials: int = 0
    gifts: int = 0


def ledger_summary(event: Event) -> LedgerSummary:
    """The report panel's view of ``event``'s ledger in two queries: every print run with what
    was handed out of it (none yet shows as 0), then the material lines."""
    stmt = (
        select(PrintRun, HandoutLedgerLine.quantity)
        .options(joinedload(PrintRun.version))
        .outerjoin(HandoutLedgerLine, HandoutLedgerLine.print_run_id == PrintRun.id)
        .where(PrintRun.event_id == event.id)
        .order_by(PrintRun.created_at, PrintRun.id)
    )
    rows: list[LedgerRow] = []
    coded = materials = gifts = printed = 0
    for run, quantity in db.session.execute(stmt):
        rows.append(
            LedgerRow(
                what=run.version.title,
                detail=f"{run.language_label} · {run.layout_label}",
                quantity=quantity or 0,
                printed=run.copies,
                is_withdrawn=run.is_revoked,
                lang="zh-CN" if run.language == "zh_CN" else "en",
            )
        )
        if not run.is_revoked:
            coded += quantity or 0
            printed += run.copies
    stmt = (
        select(HandoutLedgerLine)
        .where(HandoutLedgerLine.event_id == event.id, HandoutLedgerLine.material.is_not(None))
        .order_by(HandoutLedgerLine.id)
    )
    for line in db.session.scalars(stmt):
        rows.append(LedgerRow(what=line.material_label, detail=line.label, quantity=line.quantity))
        if line.material is HandoutMaterial.GIFT:
            gifts += line.quantity
        else:
            materials += line.quantity
    return LedgerSummary(rows, coded=coded, printed=printed, materials=materials, gifts=gifts)
