"""Forms of the problems: recording one, closing it with an answer, reassigning it, and the
list's filter bar. The services check every rule again; the messages are theirs."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from outreach_app.core.forms import FlaskForm, Form
from outreach_app.core.ids import parse_id
from outreach_app.core.text import clean_block, clean_phone
from outreach_app.problems.models import (
    ANSWER_MAX,
    DESCRIPTION_MAX,
    PROBLEM_CATEGORY_LABELS,
    ProblemCategory,
)
from outreach_app.problems.services import (
    ANSWER_TOO_LONG,
    CHOOSE_CATEGORY,
    CHOOSE_NEW_OWNER,
    CHOOSE_OWNER,
    DESCRIBE_PROBLEM,
    DESCRIPTION_TOO_LONG,
    WRITE_ANSWER,
    ProblemInput,
)

# Room for a pasted number with spaces and a country code; the service keeps only digits.
PHONE_FIELD_MAX = 30


def category_choices(blank_label: Any) -> list[tuple[str, Any]]:
    """The categories for a select, after a blank first choice."""
    return [("", blank_label)] + [(c.value, PROBLEM_CATEGORY_LABELS[c]) for c in ProblemCategory]


class ProblemForm(FlaskForm):
    """A new problem. The owner's id is checked against the event's people when saving."""

    category = SelectField(
        _l("What it is about"),
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_CATEGORY)],
    )
    description = TextAreaField(
        _l("The problem"),
        filters=[clean_block],
        validators=[
            DataRequired(message=DESCRIBE_PROBLEM),
            Length(max=DESCRIPTION_MAX, message=DESCRIPTION_TOO_LONG),
        ],
        render_kw={"rows": 4, "maxlength": DESCRIPTION_MAX},
    )
    owner_id = SelectField(
        _l("Received first by (owner)"),
        coerce=parse_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_OWNER)],
    )
    callback_consent = BooleanField(_l("The customer agreed to be called back"))
    callback_phone = StringField(
        _l("Callback number"),
        filters=[clean_phone],
        validators=[Optional(), Length(max=PHONE_FIELD_MAX)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "maxlength": PHONE_FIELD_MAX},
    )
    keep_personal_text = BooleanField(_l("Save the description as it is"))
    submit = SubmitField(_l("Record the problem"))

    def details(self) -> ProblemInput:
        """What was entered, for ``create_problem``."""
        return ProblemInput(
            category=self.category.data or "",
            description=self.description.data or "",
            owner_id=self.owner_id.data,
            callback_consent=bool(self.callback_consent.data),
            callback_phone=self.callback_phone.data or "",
            keep_personal_text=bool(self.keep_personal_text.data),
        )


class CloseForm(FlaskForm):
    """Closing a problem: the answer given to the customer."""

    answer = TextAreaField(
        _l("Answer given to the customer"),
        filters=[clean_block],
        validators=[
            DataRequired(message=WRITE_ANSWER),
            Length(max=ANSWER_MAX, message=ANSWER_TOO_LONG),
        ],
        render_kw={"rows": 4, "maxlength": ANSWER_MAX},
    )
    close = SubmitField(_l("Close the problem"))


class ReassignForm(FlaskForm):
    """Handing a problem to another owner."""

    owner_id = SelectField(
        _l("New owner"),
        coerce=parse_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_NEW_OWNER)],
    )
    reassign = SubmitField(_l("Reassign"))


class ProblemFilterForm(Form):
    """The list's filter bar, read from the query string; unknown values mean no filter."""

    status = SelectField(_l("Status"), validate_choice=False)
    category = SelectField(_l("What it is about"), validate_choice=False)
