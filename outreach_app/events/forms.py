"""Forms of an event: the event form (with an optional repeat), a status change, cancelling.

Id fields accept anything and read it with ``parse_id``; the service checks every id against the
user's scope, so a forged value gets a clear message instead of WTForms' generic one. The rules
(lengths, ranges, choices) are the planning service's, which puts its messages beside these
fields; the form checks only what WTForms reads (a date, a whole number) and required fields,
with the service's words.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from outreach_app.auth.models import User
from outreach_app.core.forms import FlaskForm
from outreach_app.core.ids import parse_id
from outreach_app.core.text import clean_block, clean_line
from outreach_app.events.lifecycle import CHANGE_REASON_MAX, GIVE_CHANGE_REASON
from outreach_app.events.models import Event
from outreach_app.events.planning import (
    ATTENDANCE_MAX,
    CHOOSE_BRANCH,
    ENTER_END,
    ENTER_START,
    ENTER_TITLE,
    NOTES_MAX,
    SERIES_MAX,
    SERIES_MIN,
    TITLE_MAX,
    VENUE_MAX,
    EventInput,
    Frequency,
    RepeatInput,
)
from outreach_app.partners.models import Partner
from outreach_app.reference.models import EventKind, TargetGroup, Topic
from outreach_app.regions.models import Branch, Region

INDENT = "\u00a0\u00a0\u00a0"

TOPIC_CATEGORY_LABELS = {
    "rights": _l("Consumer rights"),
    "fraud": _l("Anti-fraud"),
    "digital": _l("Digital skills"),
    "rules": _l("Rules"),
    "complaints": _l("Complaints"),
}

FREQUENCY_LABELS = {
    Frequency.WEEKLY: _l("Every week"),
    Frequency.MONTHLY: _l("Every month, on the same day"),
}

# The browser's datetime-local value first ("2026-05-01T09:30"), then other spellings.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class LocalDateTimeField(DateTimeLocalField):
    """A wall-clock date and time; an empty value is "not given", not a format error."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not "".join(str(v) for v in valuelist).strip():
            self.data = None
            return
        super().process_formdata([str(v).strip() for v in valuelist])


class EventForm(FlaskForm):
    """An event's details; the view removes the branch (staff) and repeat (editing) fields."""

    title = StringField(
        _l("Title"),
        filters=[clean_line],
        validators=[DataRequired(message=ENTER_TITLE)],
        render_kw={"maxlength": TITLE_MAX},
    )
    kind = SelectField(
        _l("Kind"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a kind."))],
    )
    branch_id = SelectField(
        _l("Branch"),
        coerce=parse_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_BRANCH)],
    )
    partner_id = SelectField(_l("Partner"), coerce=parse_id, validate_choice=False)
    region_id = SelectField(_l("Region"), coerce=parse_id, validate_choice=False)
    venue = StringField(_l("Venue"), filters=[clean_line], render_kw={"maxlength": VENUE_MAX})
    starts_at = LocalDateTimeField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        invalid_value_message=_l("Enter a date and time, for example 2026-05-20 09:30."),
        validators=[InputRequired(message=ENTER_START)],
    )
    ends_at = LocalDateTimeField(
        _l("Ends"),
        format=DATETIME_FORMATS,
        invalid_value_message=_l("Enter a date and time, for example 2026-05-20 11:30."),
        validators=[InputRequired(message=ENTER_END)],
    )
    target_group_ids = SelectMultipleField(
        _l("Target groups"), coerce=parse_id, validate_choice=False
    )
    topic_ids = SelectMultipleField(_l("Topics"), coerce=parse_id, validate_choice=False)
    staff_ids = SelectMultipleField(_l("Assigned staff"), coerce=parse_id, validate_choice=False)
    expected_attendance = IntegerField(
        _l("Expected attendance"),
        invalid_value_message=_l("Enter a whole number."),
        validators=[Optional()],
        render_kw={"min": 0, "max": ATTENDANCE_MAX, "inputmode": "numeric"},
    )
    notes = TextAreaField(
        _l("Notes"),
        filters=[clean_block],
        render_kw={"rows": 4, "maxlength": NOTES_MAX},
    )
    repeat_frequency = SelectField(_l("Repeat"), default="", validate_choice=False)
    repeat_until = DateField(
        _l("Until"),
        invalid_value_message=_l("Enter a date, for example 2026-12-31."),
        validators=[Optional()],
    )
    repeat_count = IntegerField(
        _l("Number of events"),
        invalid_value_message=_l("Enter a whole number."),
        validators=[Optional()],
        render_kw={"min": SERIES_MIN, "max": SERIES_MAX, "inputmode": "numeric"},
    )
    # Sent by the "Save anyway" button once the clashes have been shown.
    confirm_conflicts = BooleanField(_l("Save anyway"))
    # Asked only when a head or an administrator changes a completed event (the view removes
    # it otherwise); the reason goes into the event's history.
    change_reason = TextAreaField(
        _l("Why is this completed event changed?"),
        filters=[clean_block],
        validators=[DataRequired(message=GIVE_CHANGE_REASON)],
        render_kw={"rows": 2, "maxlength": CHANGE_REASON_MAX},
    )

    def set_choices(
        self,
        kinds: list[EventKind],
        regions: list[tuple[Region, int]],
        branches: list[Branch],
        partners: list[Partner],
        groups: list[TargetGroup],
        topics: list[Topic],
        staff: list[User],
        staff_grouped: bool,
    ) -> None:
        """Fill the menus and checkbox lists with what the user may choose."""
        self.kind.choices = [SelectChoice("", _("Choose a kind"))] + [
            SelectChoice(kind.code, kind.name) for kind in kinds
        ]
        if "branch_id" in self:
            self.branch_id.choices = [SelectChoice("", _("Choose a branch"))] + [
                SelectChoice(str(b.id), b.name) for b in branches
            ]
        self.partner_id.choices = [SelectChoice("", _("No partner (in-branch event)"))] + [
            SelectChoice(
                str(p.id),
                p.name,
                render_kw={"data-region": str(p.region_id), "data-venue": p.address or p.name},
            )
            for p in partners
        ]
        self.region_id.choices = [SelectChoice("", _("Same as the partner"))] + [
            SelectChoice(str(r.id), INDENT * depth + r.name) for r, depth in regions
        ]
        self.target_group_ids.choices = [SelectChoice(str(g.id), g.name) for g in groups]
        self.topic_ids.choices = [
            SelectChoice(
                str(t.id), t.name, optgroup=str(TOPIC_CATEGORY_LABELS.get(t.category, t.category))
            )
            for t in topics
        ]
        self.staff_ids.choices = [
            SelectChoice(
                str(p.id),
                p.label if p.is_active else _("%(name)s (inactive)", name=p.label),
                render_kw={"data-branch": str(p.branch_id)},
                optgroup=p.branch.name if staff_grouped and p.branch else None,
            )
            for p in staff
        ]
        if "repeat_frequency" in self:
            self.repeat_frequency.choices = [SelectChoice("", _("Does not repeat"))] + [
                SelectChoice(f.value, str(FREQUENCY_LABELS[f])) for f in Frequency
            ]

    def event_input(self) -> EventInput:
        """The values as the service takes them."""
        branch = self._fields.get("branch_id")
        return EventInput(
            title=self.title.data or "",
            kind=self.kind.data or "",
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            branch_id=branch.data if branch is not None else None,
            partner_id=self.partner_id.data,
            region_id=self.region_id.data,
            venue=self.venue.data or "",
            target_group_ids=tuple(self.target_group_ids.data or ()),
            topic_ids=tuple(self.topic_ids.data or ()),
            staff_ids=tuple(self.staff_ids.data or ()),
            expected_attendance=self.expected_attendance.data,
            notes=self.notes.data or "",
        )

    def repeat_input(self) -> RepeatInput:
        """The repeat section, if the form has one."""
        if "repeat_frequency" not in self:
            return RepeatInput()
        return RepeatInput(
            frequency=self.repeat_frequency.data or "",
            until=self.repeat_until.data,
            count=self.repeat_count.data,
        )


def event_form_data(event: Event, shift: timedelta = timedelta(0)) -> dict[str, Any]:
    """Initial form values taken from ``event``; ``shift`` moves the times (for a copy)."""
    starts_at = event.starts_at + shift
    ends_at = event.ends_at + shift
    return {
        "title": event.title,
        "kind": event.kind,
        "branch_id": event.branch_id,
        "partner_id": event.partner_id,
        "region_id": event.region_id,
        "venue": event.venue,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "target_group_ids": [g.id for g in event.target_groups],
        "topic_ids": [t.id for t in event.topics],
        "staff_ids": [p.id for p in event.staff],
        "expected_attendance": event.expected_attendance,
        "notes": event.notes,
    }


class StatusForm(FlaskForm):
    """A lifecycle move: the status to go to, and a reason when cancelling."""

    to = HiddenField()
    reason = TextAreaField(
        _l("Why is the event cancelled?"),
        filters=[clean_block],
        render_kw={"rows": 3, "maxlength": 500},
    )
