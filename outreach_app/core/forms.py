"""The base classes of every form in the app: control characters are refused before anything
else looks at the input.

What was typed is checked as sent (each field's raw data, before filters clean it): a text
field (not a hidden one) may hold no control character (Unicode category Cc), except line
breaks and tabs in a text area, and no field may hold a NUL, which PostgreSQL cannot store in
text. Such a field gets
a message at once (shown also by filter forms, which are read without being validated), its
text is kept without the control characters so that the page shows what remains, and
``validate()`` answers False without running any other validator: custom validators may look
the value up in the database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import wtforms
from flask_wtf import FlaskForm as _FlaskForm
from wtforms.fields import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import NumberInput

from outreach_app.core.validation import (
    CONTROL_CHARACTERS_MESSAGE,
    LINE_BREAKS,
    ServiceError,
    has_control_characters,
    without_control_characters,
)


def _leaf_fields(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        else:
            yield field


def _allowed_characters(field: Field) -> str | None:
    """The control characters ``field`` may hold; None when only NUL is refused.

    A hidden field is not typed by anyone (a message beside it could not be seen): its reader
    checks its value, as ``safe_next`` does for the login's ``next``.
    """
    if isinstance(field, TextAreaField):
        return LINE_BREAKS
    if isinstance(field, StringField) and not isinstance(field, HiddenField):
        return ""
    return None


def _is_refused(field: Field) -> bool:
    allowed = _allowed_characters(field)
    for value in field.raw_data or ():
        if not isinstance(value, str):  # an uploaded file
            continue
        if "\x00" in value or (allowed is not None and has_control_characters(value, allowed)):
            return True
    return False


class ControlCharacterCheck:
    """Refuses control characters in submitted text (see the module's docstring)."""

    def process(self, *args: Any, **kwargs: Any) -> None:
        """Read the input as WTForms does, then mark the fields holding control characters."""
        super().process(*args, **kwargs)  # type: ignore[misc]
        for field in _leaf_fields(self):
            if not _is_refused(field):
                continue
            if isinstance(field.data, str):
                allowed = _allowed_characters(field) or ""
                field.data = without_control_characters(field.data, allowed)
            field.process_errors.append(CONTROL_CHARACTERS_MESSAGE)
            field.errors = list(field.process_errors)

    def validate(self, extra_validators: Any = None) -> bool:
        """False at once when a field holds control characters; else the usual validation."""
        fields = list(_leaf_fields(self))
        if any(_is_refused(field) for field in fields):
            for field in fields:
                field.errors = list(field.process_errors)
            return False
        return super().validate(extra_validators)  # type: ignore[misc]


class FlaskForm(ControlCharacterCheck, _FlaskForm):
    """A form posted from a page (Flask-WTF: request data and the CSRF token)."""


class Form(ControlCharacterCheck, wtforms.Form):
    """A form read from given data, such as the query string of a filter bar (no CSRF)."""


def show_errors(form: Any, error: ServiceError) -> None:
    """Put a service's messages on ``form``: each beside its field, unless that field already
    shows one (the form's own validators spoke first); a name without a field goes to the
    list ``<name>_errors`` when the form has one (a group of fields, such as the head counts),
    else above the form with the form-wide messages."""
    for name, message in error.problems.items():
        field = form._fields.get(name) if name else None
        if isinstance(field, Field):
            if not field.errors:
                field.errors = [*field.errors, message]
            continue
        group = getattr(form, f"{name}_errors", None) if name else None
        if isinstance(group, list):
            group.append(message)
        else:
            form.form_errors.append(message)


def csrf_failed(form: Any) -> bool:
    """True when the form's CSRF check failed (there is no check when CSRF is turned off)."""
    csrf = form._fields.get("csrf_token")
    return bool(csrf is not None and csrf.errors)


# Counts (people, handouts, reads) typed into forms ---------------------------------------------


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
