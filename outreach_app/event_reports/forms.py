"""Forms of the post-event report, the photo upload and the photo removal step, and of the
paper sign-in: its head counts and the sheet upload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from outreach_app.core.forms import CountField, FlaskForm, count_field
from outreach_app.core.text import clean_block, clean_line
from outreach_app.event_reports.photos import MAX_PHOTO_BYTES, PHOTO_TOO_LARGE
from outreach_app.event_reports.services import (
    CAPTION_MAX_LENGTH,
    CAPTION_TOO_LONG,
    HEADCOUNT_MESSAGE,
    ISSUES_MAX_LENGTH,
    ISSUES_TOO_LONG,
    MAX_HEADCOUNT,
    SOMEBODY_CAME,
    SUMMARY_MAX_LENGTH,
    SUMMARY_TOO_LONG,
    WRITE_SUMMARY,
    ReportDetails,
)
from outreach_app.event_reports.sheets import MAX_SHEET_BYTES, SHEET_TOO_LARGE
from outreach_app.handouts.ledger import (
    LABEL_FIELD,
    LABEL_TOO_LONG,
    MATERIAL_FIELD,
    MAX_MATERIAL_LINES,
    QUANTITY_FIELD,
    QUANTITY_MESSAGE,
    RUN_FIELD,
    LedgerEntries,
    MaterialEntry,
    material_problems,
    run_message,
)
from outreach_app.handouts.models import (
    MATERIAL_LABEL_MAX,
    MATERIAL_LABELS,
    MAX_HANDED_OUT,
    PrintRun,
)
from outreach_app.reference.models import TargetGroup

ATTENDANCE_PREFIX = "attendance_"
# Blank rows of material offered below the stored ones (more appear after each save).
BLANK_MATERIAL_ROWS = 3
PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/gif"
SHEET_TYPES = PHOTO_TYPES + ",application/pdf"


class ReportForm(FlaskForm):
    """The report's fixed fields; ``report_form`` adds one head count per target group, one
    input of copies handed out per print run and rows of uncoded material."""

    report_summary = TextAreaField(
        _l("Summary"),
        filters=[clean_block],
        validators=[
            DataRequired(message=WRITE_SUMMARY),
            Length(
                max=SUMMARY_MAX_LENGTH,
                message=SUMMARY_TOO_LONG,
            ),
        ],
        render_kw={"rows": 5},
    )
    issues_raised = TextAreaField(
        _l("Problems raised by attendees"),
        filters=[clean_block],
        validators=[
            Length(
                max=ISSUES_MAX_LENGTH,
                message=ISSUES_TOO_LONG,
            )
        ],
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendance_errors: list[str] = []
        self.ledger_errors: list[str] = []
        self.runs: list[PrintRun] = []
        self.material_rows = 0
        # Set when the event has paper sign-in counts: the staff's may then all be blank.
        self.has_paper_counts = False

    def attendance_fields(self) -> list[CountField]:
        """The head-count inputs, one per target group, in display order."""
        return [f for f in self if f.name.startswith(ATTENDANCE_PREFIX)]

    def attendance_items(self) -> list[tuple[int, CountField]]:
        """The head-count inputs with their target group ids."""
        return [(int(f.name.removeprefix(ATTENDANCE_PREFIX)), f) for f in self.attendance_fields()]

    def attendance(self) -> dict[int, int]:
        """Head counts by target group id; a blank input counts as 0."""
        return {group_id: f.data or 0 for group_id, f in self.attendance_items()}

    def run_items(self) -> list[tuple[PrintRun, CountField]]:
        """Each print run of the event with its input of copies handed out."""
        return [(run, self[RUN_FIELD.format(run.id)]) for run in self.runs]

    def material_items(self) -> list[tuple[SelectField, StringField, CountField]]:
        """The rows of uncoded material: kind, label and quantity inputs."""
        return [
            (
                self[MATERIAL_FIELD.format(index)],
                self[LABEL_FIELD.format(index)],
                self[QUANTITY_FIELD.format(index)],
            )
            for index in range(self.material_rows)
        ]

    @property
    def has_room_for_material(self) -> bool:
        """True while the ledger takes more rows of material than the form shows."""
        return self.material_rows < MAX_MATERIAL_LINES

    def ledger(self) -> LedgerEntries:
        """The handout ledger as entered."""
        return LedgerEntries(
            runs={run.id: f.data for run, f in self.run_items()},
            materials=[
                MaterialEntry(kind.data or "", label.data or "", quantity.data)
                for kind, label, quantity in self.material_items()
            ],
        )

    def details(self) -> ReportDetails:
        """What was entered, for ``save_report``."""
        return ReportDetails(
            attendance=self.attendance(),
            summary=self.report_summary.data or "",
            issues_raised=self.issues_raised.data or "",
            ledger=self.ledger(),
        )

    @property
    def has_errors(self) -> bool:
        """True if a field, the attendance or the ledger as a whole has an error."""
        return bool(self.errors or self.attendance_errors or self.ledger_errors)

    @property
    def ledger_has_errors(self) -> bool:
        """True if an input of the handout ledger, or the ledger as a whole, has an error."""
        fields = [f for _run, f in self.run_items()]
        fields += [f for row in self.material_items() for f in row]
        return bool(self.ledger_errors or any(f.errors for f in fields))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then: somebody came (by the staff's count, or on paper), and
        each material row is complete."""
        valid = super().validate(extra_validators)
        counts_valid = not any(f.errors for f in self.attendance_fields())
        if counts_valid and sum(self.attendance().values()) <= 0 and not self.has_paper_counts:
            self.attendance_errors.append(str(SOMEBODY_CAME))
            valid = False
        for name, message in material_problems(self.ledger().materials).items():
            if not self[name].errors:
                self[name].errors = [message]
            valid = False
        return valid


def material_row_count(stored: int, formdata: Any = None) -> int:
    """How many rows of material the form has: the stored lines and a few blank ones, or as
    many as were sent (a page shown before another save may have had more); never more than
    the ledger takes."""
    rows = stored + BLANK_MATERIAL_ROWS
    prefix = QUANTITY_FIELD.format("")
    for name in formdata or ():
        index = name.removeprefix(prefix)
        if name.startswith(prefix) and index.isascii() and index.isdigit() and len(index) < 3:
            rows = max(rows, int(index) + 1)
    return min(rows, MAX_MATERIAL_LINES)


def _material_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", str(_l("Choose…"))),
        *(SelectChoice(str(kind), str(label)) for kind, label in MATERIAL_LABELS.items()),
    ]


def report_form(
    groups: Sequence[TargetGroup],
    data: dict[str, Any] | None = None,
    runs: Sequence[PrintRun] = (),
    material_rows: int = BLANK_MATERIAL_ROWS,
    has_paper_counts: bool = False,
) -> ReportForm:
    """The report form with a head-count input for each of ``groups``, an input of copies
    handed out for each of ``runs`` (at most the copies it printed) and ``material_rows``
    rows of uncoded material, filled from ``data``; with ``has_paper_counts`` the staff's head
    counts may all be blank."""

    class EventReportForm(ReportForm):
        pass

    for group in groups:
        setattr(
            EventReportForm,
            f"{ATTENDANCE_PREFIX}{group.id}",
            count_field(group.name, MAX_HEADCOUNT, HEADCOUNT_MESSAGE),
        )
    for run in runs:
        setattr(
            EventReportForm,
            RUN_FIELD.format(run.id),
            count_field(run.version.title, run.copies, run_message(run.copies)),
        )
    for index in range(material_rows):
        setattr(
            EventReportForm,
            MATERIAL_FIELD.format(index),
            SelectField(_l("Material"), choices=_material_choices(), validate_choice=False),
        )
        setattr(
            EventReportForm,
            LABEL_FIELD.format(index),
            StringField(
                _l("What exactly"),
                filters=[clean_line],
                validators=[Length(max=MATERIAL_LABEL_MAX, message=LABEL_TOO_LONG)],
                render_kw={"maxlength": MATERIAL_LABEL_MAX},
            ),
        )
        setattr(
            EventReportForm,
            QUANTITY_FIELD.format(index),
            count_field(_l("Quantity"), MAX_HANDED_OUT, QUANTITY_MESSAGE),
        )
    form = EventReportForm(data=data)
    form.runs = list(runs)
    form.material_rows = material_rows
    form.has_paper_counts = has_paper_counts
    return form


def report_data(
    attendance: dict[int, int], ledger: LedgerEntries, summary: str, issues: str
) -> dict[str, Any]:
    """The form's starting values from a stored report."""
    data: dict[str, Any] = {
        f"{ATTENDANCE_PREFIX}{group_id}": n for group_id, n in attendance.items()
    }
    data.update({RUN_FIELD.format(run_id): n for run_id, n in ledger.runs.items()})
    for index, entry in enumerate(ledger.materials):
        data[MATERIAL_FIELD.format(index)] = entry.material
        data[LABEL_FIELD.format(index)] = entry.label
        data[QUANTITY_FIELD.format(index)] = entry.quantity
    data.update(report_summary=summary, issues_raised=issues)
    return data


class PhotoForm(FlaskForm):
    """One photo and an optional caption."""

    photo = FileField(
        _l("Photo"),
        validators=[
            FileRequired(message=_l("Choose a photo to upload.")),
            FileSize(MAX_PHOTO_BYTES, message=PHOTO_TOO_LARGE),
        ],
        render_kw={"accept": PHOTO_TYPES},
    )
    caption = StringField(
        _l("Caption"),
        filters=[clean_line],
        validators=[
            Length(
                max=CAPTION_MAX_LENGTH,
                message=CAPTION_TOO_LONG,
            )
        ],
    )
    submit = SubmitField(_l("Upload"))


class ConfirmForm(FlaskForm):
    """A confirmation step: only the CSRF token and a button."""

    submit = SubmitField(_l("Remove"))


PAPER_PREFIX = "paper_"


class PaperCountsForm(FlaskForm):
    """Head counts by target group read off the paper sign-in sheet; ``paper_counts_form`` adds
    one input per group."""

    submit = SubmitField(_l("Save the paper counts"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paper_errors: list[str] = []

    def count_items(self) -> list[tuple[int, CountField]]:
        """The head-count inputs with their target group ids, in display order."""
        return [
            (int(f.name.removeprefix(PAPER_PREFIX)), f)
            for f in self
            if f.name.startswith(PAPER_PREFIX)
        ]

    def counts(self) -> dict[int, int]:
        """Head counts by target group id; a blank input counts as 0."""
        return {group_id: f.data or 0 for group_id, f in self.count_items()}

    @property
    def has_errors(self) -> bool:
        """True if an input or the counts as a whole have an error."""
        return bool(self.errors or self.paper_errors)


def paper_counts_form(
    groups: Sequence[TargetGroup], counts: dict[int, int] | None = None
) -> PaperCountsForm:
    """The paper counts form with an input for each of ``groups``, filled from ``counts``."""

    class EventPaperCountsForm(PaperCountsForm):
        pass

    for group in groups:
        setattr(
            EventPaperCountsForm,
            f"{PAPER_PREFIX}{group.id}",
            count_field(group.name, MAX_HEADCOUNT, HEADCOUNT_MESSAGE),
        )
    data = {f"{PAPER_PREFIX}{group_id}": n for group_id, n in (counts or {}).items()}
    return EventPaperCountsForm(data=data)


class SheetForm(FlaskForm):
    """One photo or PDF of the paper sign-in sheet."""

    sheet = FileField(
        _l("Photo or PDF of the sheet"),
        validators=[
            FileRequired(message=_l("Choose a photo or a PDF of the sheet.")),
            FileSize(MAX_SHEET_BYTES, message=SHEET_TOO_LARGE),
        ],
        render_kw={"accept": SHEET_TYPES},
    )
    submit = SubmitField(_l("Upload"))
