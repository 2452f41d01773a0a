"""Forms of the partner directory: the filter bar, the partner form and the archive step."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from outreach_app.core.forms import FlaskForm
from outreach_app.core.ids import parse_id
from outreach_app.core.text import clean_block, clean_line, clean_phone
from outreach_app.partners.models import PARTNER_KIND_LABELS, PartnerKind
from outreach_app.partners.services import (
    CHOOSE_BRANCH,
    CHOOSE_KIND_FROM_LIST,
    CHOOSE_REGION,
    parse_kind,
)

# Loose on purpose: digits, spaces, dashes, plus and parentheses, with at least one digit, as in
# "0532-8000 0000" or "+86 (532) 80000000". Extensions and remarks belong in the notes.
PHONE_RE = re.compile(r"^[0-9+()\- ]*[0-9][0-9+()\- ]*$")


def kind_choices(blank_label: Any) -> list[tuple[str, Any]]:
    """The partner kinds for a select, after a blank first choice."""
    return [("", blank_label)] + [(kind.value, PARTNER_KIND_LABELS[kind]) for kind in PartnerKind]


def known_kind(form: Any, field: Any) -> None:
    """A kind the partner service accepts (its ``parse_kind``), with the service's message."""
    if parse_kind(field.data) is None:
        raise ValidationError(str(CHOOSE_KIND_FROM_LIST))


class PartnerForm(FlaskForm):
    """A partner's details. Region and branch ids are checked against the scope when saving."""

    name = StringField(
        _l("Name"),
        filters=[clean_line],
        validators=[DataRequired(message=_l("Enter the partner's name.")), Length(max=120)],
    )
    kind = SelectField(
        _l("Kind"),
        validate_choice=False,
        validators=[
            DataRequired(message=_l("Choose a kind.")),
            known_kind,
        ],
    )
    region_id = SelectField(
        _l("Region"),
        coerce=parse_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_REGION)],
    )
    branch_id = SelectField(
        _l("Branch"),
        coerce=parse_id,
        validate_choice=False,
        validators=[DataRequired(message=CHOOSE_BRANCH)],
    )
    address = StringField(_l("Address"), filters=[clean_line], validators=[Length(max=200)])
    contact_name = StringField(
        _l("Contact person"), filters=[clean_line], validators=[Length(max=80)]
    )
    contact_phone = StringField(
        _l("Contact phone"),
        filters=[clean_phone],
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                PHONE_RE,
                message=_l("Use digits, spaces, dashes, + and parentheses only."),
            ),
        ],
    )
    notes = TextAreaField(
        _l("Notes"), filters=[clean_block], validators=[Length(max=2000)], render_kw={"rows": 4}
    )
    submit = SubmitField(_l("Save"))


class PartnerFilterForm(FlaskForm):
    """The list's filter bar, read from the query string; the view checks every value."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[clean_line])
    kind = SelectField(_l("Kind"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    archived = BooleanField(_l("Show archived"), render_kw={"value": "1"})


class ConfirmForm(FlaskForm):
    """A confirmation step: only the CSRF token and a button."""

    submit = SubmitField(_l("Confirm"))
