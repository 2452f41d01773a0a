"""Forms for user administration: list filters, create, edit, password reset, confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from outreach_app.core.forms import FlaskForm, Form
from outreach_app.core.ids import parse_id
from outreach_app.core.roles import ROLE_LABELS, Role

NONE_CHOICE = SelectChoice("", "—")


def strip_spaces(value: str | None) -> str | None:
    """Leading and trailing spaces never belong to a name."""
    return value.strip() if isinstance(value, str) else value


def selected_id(field: SelectField) -> int | None:
    """The id chosen in a select whose options are ids as strings; None for no choice."""
    return parse_id(field.data)


def role_choices() -> list[SelectChoice]:
    """Every role with its translated name."""
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


def id_choices(options: list[tuple[int, str]]) -> list[SelectChoice]:
    """A "none" option and then ``(id, label)`` pairs, with ids as strings (as posted)."""
    return [NONE_CHOICE, *(SelectChoice(str(i), label) for i, label in options)]


class UserFilterForm(Form):
    """The search and filters of the user list, read from the query string (no CSRF on GET)."""

    q = StringField(_l("Search"), filters=[strip_spaces])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("All roles")), *role_choices()],
        validate_choice=False,
    )
    active = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("1", _l("Active")),
            SelectChoice("0", _l("Deactivated")),
        ],
        validate_choice=False,
    )


class _ScopeFields(FlaskForm):
    """Display name, role and the scope that goes with it."""

    display_name = StringField(
        _l("Display name"),
        filters=[strip_spaces],
        validators=[DataRequired(), Length(max=80)],
    )
    role = SelectField(
        _l("Role"),
        choices=role_choices(),
        default=Role.STAFF.value,
        validators=[InputRequired()],
        invalid_choice_message=_l("Choose one of the listed roles."),
    )
    region = SelectField(
        _l("Region"),
        choices=[NONE_CHOICE],
        default="",
        invalid_choice_message=_l("Choose a region from the list."),
    )
    branch = SelectField(
        _l("Branch"),
        choices=[NONE_CHOICE],
        default="",
        invalid_choice_message=_l("Choose a branch from the list."),
    )

    def set_scope_choices(
        self, regions: list[tuple[int, str]], branches: list[tuple[int, str]]
    ) -> None:
        """Fill the region and branch menus (ids become strings, as posted)."""
        self.region.choices = id_choices(regions)
        self.branch.choices = id_choices(branches)


class UserCreateForm(_ScopeFields):
    """A new account: name, role, scope and a first password typed twice.

    Only these fields are read; anything else posted (``is_active``, ``session_version``,
    ``password_hash``, ``id``) is ignored.
    """

    username = StringField(
        _l("User name"), filters=[strip_spaces], validators=[DataRequired(), Length(max=64)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Create user"))


class UserEditForm(_ScopeFields):
    """Display name, role and scope of an existing account."""

    submit = SubmitField(_l("Save changes"))


class ResetPasswordForm(FlaskForm):
    """A new password set by an administrator, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Set password"))


class ConfirmForm(FlaskForm):
    """An empty form whose only job is the CSRF check of a confirmation button."""
