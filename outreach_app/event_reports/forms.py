"""Forms of the post-event report, the photo upload and the photo removal step."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import NumberInput

from outreach_app.core.forms import FlaskForm
from outreach_app.core.text import clean_block, clean_line
from outreach_app.event_reports.photos import MAX_PHOTO_BYTES, PHOTO_TOO_LARGE
from outreach_app.event_reports.services import (
    CAPTION_MAX_LENGTH,
    CAPTION_TOO_LONG,
    HANDOUTS_MESSAGE,
    HEADCOUNT_MESSAGE,
    ISSUES_MAX_LENGTH,
    ISSUES_TOO_LONG,
    MAX_HANDOUTS,
    MAX_HEADCOUNT,
    SOMEBODY_CAME,
    SUMMARY_MAX_LENGTH,
    SUMMARY_TOO_LONG,
    WRITE_SUMMARY,
    ReportDetails,
)
from outreach_app.reference.models import TargetGroup

ATTENDANCE_PREFIX = "attendance_"
PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class CountField(IntegerField):
    """A count of people or handouts: digits only (full-width digits too); blank means none.

    Python's ``int`` would also take "1_000", " +5" or Arabic-Indic digits; counts are plainer.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = unicodedata.normalize("NFKC", str(valuelist[0])).strip()
        if not text:
            self.data = None
            return
        if len(text) > 9 or not (text.isascii() and text.isdigit()):
            self.data = None
            raise ValueError(self.invalid_value_message)
        self.data = int(text)


class CountRange:
    """The count is from 0 to ``maximum``; a blank or unreadable count is left to others."""

    def __init__(self, maximum: int, message: Any) -> None:
        self.maximum = maximum
        self.message = message

    def __call__(self, form: FlaskForm, field: CountField) -> None:
        if field.data is not None and not 0 <= field.data <= self.maximum:
            raise ValidationError(self.message)


def count_field(label: Any, maximum: int, message: Any) -> CountField:
    """A count input from 0 to ``maximum`` whose every error says ``message``."""
    return CountField(
        label,
        invalid_value_message=message,
        validators=[CountRange(maximum, message)],
        widget=NumberInput(step=1, min=0, max=maximum),
        render_kw={"inputmode": "numeric"},
    )


class ReportForm(FlaskForm):
    """The report's fixed fields; ``report_form`` adds one head count per target group."""

    handouts_distributed = count_field(_l("Handouts handed out"), MAX_HANDOUTS, HANDOUTS_MESSAGE)
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

    def attendance_fields(self) -> list[CountField]:
        """The head-count inputs, one per target group, in display order."""
        return [f for f in self if f.name.startswith(ATTENDANCE_PREFIX)]

    def attendance_items(self) -> list[tuple[int, CountField]]:
        """The head-count inputs with their target group ids."""
        return [(int(f.name.removeprefix(ATTENDANCE_PREFIX)), f) for f in self.attendance_fields()]

    def attendance(self) -> dict[int, int]:
        """Head counts by target group id; a blank input counts as 0."""
        return {group_id: f.data or 0 for group_id, f in self.attendance_items()}

    def details(self) -> ReportDetails:
        """What was entered, for ``save_report``."""
        return ReportDetails(
            attendance=self.attendance(),
            handouts_distributed=self.handouts_distributed.data,
            summary=self.report_summary.data or "",
            issues_raised=self.issues_raised.data or "",
        )

    @property
    def has_errors(self) -> bool:
        """True if a field or the attendance as a whole has an error."""
        return bool(self.errors or self.attendance_errors)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then: somebody came."""
        valid = super().validate(extra_validators)
        counts_valid = not any(f.errors for f in self.attendance_fields())
        if counts_valid and sum(self.attendance().values()) <= 0:
            self.attendance_errors.append(str(SOMEBODY_CAME))
            valid = False
        return valid


def report_form(groups: Sequence[TargetGroup], data: dict[str, Any] | None = None) -> ReportForm:
    """The report form with a head-count input for each of ``groups``, filled from ``data``."""

    class EventReportForm(ReportForm):
        pass

    for group in groups:
        setattr(
            EventReportForm,
            f"{ATTENDANCE_PREFIX}{group.id}",
            count_field(group.name, MAX_HEADCOUNT, HEADCOUNT_MESSAGE),
        )
    return EventReportForm(data=data)


def report_data(
    attendance: dict[int, int], handouts: int | None, summary: str, issues: str
) -> dict[str, Any]:
    """The form's starting values from a stored report."""
    data: dict[str, Any] = {
        f"{ATTENDANCE_PREFIX}{group_id}": n for group_id, n in attendance.items()
    }
    data.update(handouts_distributed=handouts, report_summary=summary, issues_raised=issues)
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
