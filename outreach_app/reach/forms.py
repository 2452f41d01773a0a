"""Forms of online and media reach: the item form, the list's filters, the removal step."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from outreach_app.core.forms import FlaskForm, count_field
from outreach_app.core.ids import parse_id
from outreach_app.core.text import clean_line
from outreach_app.core.validation import ServiceError
from outreach_app.reach.models import (
    OUTLET_MAX_LENGTH,
    REACH_KIND_LABELS,
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    ReachKind,
)
from outreach_app.reach.services import (
    CHOOSE_BRANCH,
    CHOOSE_KIND,
    COUNT_MESSAGE,
    ENTER_DATE,
    ENTER_OUTLET,
    MAX_COUNT,
    OUTLET_TOO_LONG,
    TITLE_TOO_LONG,
    URL_TOO_LONG,
    ReachDetails,
    check_url,
    parse_kind,
)


def kind_choices(blank_label: Any) -> list[tuple[str, Any]]:
    """The reach kinds for a select, after a blank first choice."""
    return [("", blank_label)] + [(kind.value, REACH_KIND_LABELS[kind]) for kind in ReachKind]


def known_kind(form: Any, field: Any) -> None:
    """A kind the reach service accepts, with the service's message."""
    if parse_kind(field.data) is None:
        raise ValidationError(str(CHOOSE_KIND))


def valid_url(form: Any, field: Any) -> None:
    """The service's own address check (``check_url``), so its message shows with the others."""
    try:
        check_url((field.data or "").strip())
    except ServiceError as error:
        raise ValidationError(error.message) from None


def _optional_id(value: Any) -> Any:
    """A select's id: blank is none (0), anything unreadable stays for the service to refuse."""
    if value in (None, "", 0):
        return 0
    key = parse_id(value)
    return key if key is not None else -1


class ReachForm(FlaskForm):
    """One item. The URL is checked by the service (``check_url``), the event against the
    branch and the scope when saving."""

    kind = SelectField(
        _l("Kind"),
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_KIND), known_kind],
    )
    outlet = StringField(
        _l("Account, site, paper or station"),
        filters=[clean_line],
        validators=[
            DataRequired(message=ENTER_OUTLET),
            Length(max=OUTLET_MAX_LENGTH, message=OUTLET_TOO_LONG),
        ],
        render_kw={"maxlength": OUTLET_MAX_LENGTH},
    )
    title = StringField(
        _l("Title"),
        filters=[clean_line],
        validators=[Length(max=TITLE_MAX_LENGTH, message=TITLE_TOO_LONG)],
        render_kw={"maxlength": TITLE_MAX_LENGTH},
    )
    published_on = DateField(
        _l("Published on"),
        invalid_value_message=_l("Enter a date, for example 2026-12-31."),
        # InputRequired, not DataRequired: an impossible date keeps its own message.
        validators=[InputRequired(message=ENTER_DATE)],
    )
    url = StringField(
        _l("Web address"),
        validators=[Length(max=URL_MAX_LENGTH, message=URL_TOO_LONG), valid_url],
        render_kw={"maxlength": URL_MAX_LENGTH, "inputmode": "url", "spellcheck": "false"},
    )
    reads = count_field(_l("Reads or views"), MAX_COUNT, COUNT_MESSAGE)
    forwards = count_field(_l("Forwards or shares"), MAX_COUNT, COUNT_MESSAGE)
    event_id = SelectField(_l("Event"), coerce=_optional_id, validate_choice=False)
    branch_id = SelectField(
        _l("Branch"),
        coerce=_optional_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_BRANCH)],
    )
    submit = SubmitField(_l("Save"))

    def details(self) -> ReachDetails:
        """What was entered, for the service."""
        return ReachDetails(
            kind=self.kind.data or "",
            outlet=self.outlet.data or "",
            title=self.title.data or "",
            published_on=self.published_on.data,
            # Only the ends are trimmed: a space inside is refused, not silently removed.
            url=(self.url.data or "").strip(),
            reads=self.reads.data,
            forwards=self.forwards.data,
            event_id=self.event_id.data or None,
        )


class ReachFilterForm(FlaskForm):
    """The list's filter bar, read from the query string; the view checks every value."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validate_choice=False)
    month = StringField(_l("Month"), filters=[clean_line], render_kw={"type": "month"})
    branch = SelectField(_l("Branch"), validate_choice=False)


class ConfirmForm(FlaskForm):
    """A confirmation step: only the CSRF token and a button."""

    submit = SubmitField(_l("Remove"))
