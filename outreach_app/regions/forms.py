"""Forms for regions, the region CSV import and branches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from outreach_app.core.forms import FlaskForm, Form
from outreach_app.core.ids import parse_id
from outreach_app.regions.models import BRANCH_ACCESS_LABELS, BranchAccess
from outreach_app.regions.tree import (
    DIVISION_CODE_MESSAGE,
    DIVISION_CODE_RE,
    RegionNode,
    normalize_code,
)

INDENT = "\u00a0" * 4  # non-breaking, so browsers keep the indentation inside <option>


def strip(value: str | None) -> str | None:
    """Surrounding white space removed."""
    return value.strip() if isinstance(value, str) else value


def division_code_check(form: Any, field: Any) -> None:
    """A division code by the region tree's one rule (whole value, 6, 9 or 12 digits)."""
    if field.data and not DIVISION_CODE_RE.fullmatch(field.data):
        raise ValidationError(str(DIVISION_CODE_MESSAGE))


def code_filter(value: str | None) -> str | None:
    """Full-width digits typed with a Chinese input method made ASCII."""
    return normalize_code(value) if isinstance(value, str) else value


def blank_or_id(value: object) -> int | None:
    """A select value as an id, None for the empty option; anything else is refused (WTForms
    reports a ValueError from ``coerce`` as an invalid choice)."""
    if value in (None, "", "None"):
        return None
    key = parse_id(value)
    if key is None:
        raise ValueError("not an id")
    return key


def region_choices(
    nodes: Iterable[RegionNode],
    blank_label: str,
    is_disabled: Callable[[RegionNode], bool] = lambda node: False,
) -> list[SelectChoice]:
    """Options for a region select box, indented by depth, after a blank option."""
    choices = [SelectChoice("", blank_label)]
    for node in nodes:
        label = INDENT * node.depth + node.name
        if node.division_code:
            label += f" ({node.division_code})"
        render_kw = {"disabled": True} if is_disabled(node) else {}
        choices.append(SelectChoice(str(node.id), label, render_kw))
    return choices


def branch_access_choices() -> list[SelectChoice]:
    """The three branch-access values with their translated labels."""
    return [SelectChoice(access.value, BRANCH_ACCESS_LABELS[access]) for access in BranchAccess]


class RegionForm(FlaskForm):
    """A region; its level follows from the parent."""

    name = StringField(
        _l("Name (Chinese)"), validators=[DataRequired(), Length(max=80)], filters=[strip]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[Optional(), Length(max=120)], filters=[strip]
    )
    parent_id = SelectField(_l("Parent region"), coerce=blank_or_id)
    division_code = StringField(
        _l("Division code"),
        validators=[
            Optional(),
            division_code_check,
        ],
        filters=[code_filter],
    )
    branch_access = SelectField(_l("Branch access"), choices=branch_access_choices())
    is_rural = BooleanField(_l("Rural area"))


class RegionImportForm(FlaskForm):
    """The uploaded CSV file."""

    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class BranchForm(FlaskForm):
    """A branch; unticking "active" deactivates it."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    region_id = SelectField(_l("Region"), coerce=parse_id, validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Length(max=200)], filters=[strip])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], filters=[strip])
    is_active = BooleanField(_l("Active"), default=True)


STATUS_CHOICES = [
    SelectChoice("", _l("Any status")),
    SelectChoice("active", _l("Active")),
    SelectChoice("inactive", _l("Inactive")),
]


class RegionSearchForm(Form):
    """The search above the region tree; read from the query string."""

    q = StringField(_l("Find a region by name or division code"), filters=[strip])


class BranchFilterForm(Form):
    """The search and filters above the branch list; read from the query string."""

    q = StringField(_l("Name or address"), filters=[strip])
    region = SelectField(_l("Region"), coerce=parse_id, validate_choice=False)
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validate_choice=False)
