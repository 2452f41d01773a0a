"""Forms of the handout library (filters, new handout, new version, retire) and of print runs."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from outreach_app.core.forms import FlaskForm, Form
from outreach_app.handouts.library import (
    CHOOSE_LANGUAGE,
    CHOOSE_TOPIC,
    CODE_MAX,
    ENTER_TITLE,
    EVERYONE,
    HIDDEN_CHARACTERS,
    LEAD_MAX,
    NEVER_ASK_MAX,
    NOTE_MAX,
    SAY_NEVER_ASK,
    SEARCH_MAX,
    TIP_MAX,
    TITLE_MAX,
    WRITE_TIPS,
    has_hidden_characters,
)
from outreach_app.handouts.models import (
    LANGUAGE_LABELS,
    LAYOUT_LABELS,
    MAX_COPIES,
    MAX_TIPS,
    MIN_COPIES,
    MIN_TIPS,
    HandoutLanguage,
    PrintLayout,
)
from outreach_app.handouts.services import (
    CHOOSE_LAYOUT,
    COPIES_RANGE,
    ENTER_COPIES,
    GIVE_REVOKE_REASON,
    REVOKE_REASON_MAX,
)
from outreach_app.handouts.text import HandoutText
from outreach_app.reference.models import TargetGroup, Topic

TIP_FIELDS = tuple(f"tip{n}" for n in range(1, MAX_TIPS + 1))


def strip_line(value: Any) -> Any:
    """Leading and trailing spaces never belong to a line of text."""
    return value.strip() if isinstance(value, str) else value


def strip_block(value: Any) -> Any:
    """Several lines: line ends made ``\\n``, outer spaces removed."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def no_hidden_characters(form: Any, field: Any) -> None:
    """Refuse control characters and invisible direction or zero-width marks."""
    allow_newlines = isinstance(field, TextAreaField)
    if isinstance(field.data, str) and has_hidden_characters(field.data, allow_newlines):
        raise ValidationError(str(HIDDEN_CHARACTERS))


def language_choices() -> list[SelectChoice]:
    """The handout languages with their names."""
    return [SelectChoice(lang.value, LANGUAGE_LABELS[lang]) for lang in HandoutLanguage]


def layout_choices() -> list[SelectChoice]:
    """The print layouts with their descriptions."""
    return [SelectChoice(layout.value, LAYOUT_LABELS[layout]) for layout in PrintLayout]


def topic_choices(topics: list[Topic], blank: Any) -> list[SelectChoice]:
    """A blank choice, then every topic (ids as text, as posted)."""
    return [SelectChoice("", blank), *(SelectChoice(str(t.id), t.name) for t in topics)]


def group_choices(groups: list[TargetGroup], blank: Any | None) -> list[SelectChoice]:
    """Optionally a blank choice, "everyone", then every target group."""
    first = [SelectChoice("", blank)] if blank is not None else []
    return [
        *first,
        SelectChoice(EVERYONE, _l("Everyone")),
        *(SelectChoice(str(g.id), g.name) for g in groups),
    ]


class LibraryFilterForm(Form):
    """The search and filters of the library list, read from the query string (no CSRF)."""

    q = StringField(_l("Search"), filters=[strip_line])
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    group = SelectField(_l("For"), choices=[], validate_choice=False)
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("All languages")), *language_choices()],
        validate_choice=False,
    )

    def search_text(self) -> str:
        """The search words without control characters (PostgreSQL refuses NUL), cut short."""
        words = "".join(ch for ch in self.q.data or "" if unicodedata.category(ch) != "Cc")
        return words.strip()[:SEARCH_MAX]


def _tip_field(number: int) -> StringField:
    return StringField(
        _l("Tip %(n)d", n=number),
        filters=[strip_line],
        validators=[
            no_hidden_characters,
            Length(max=TIP_MAX, message=_l("Keep each tip to %(max)d characters or fewer.")),
        ],
    )


class HandoutTextForm(FlaskForm):
    """The text of a handout version: title, introduction, 4 to 8 tips, "never asks" line."""

    title = StringField(
        _l("Title"),
        filters=[strip_line],
        validators=[
            DataRequired(message=ENTER_TITLE),
            no_hidden_characters,
            Length(max=TITLE_MAX, message=_l("Keep the title to %(max)d characters or fewer.")),
        ],
    )
    lead = TextAreaField(
        _l("Introduction"),
        filters=[strip_block],
        render_kw={"rows": 4},
        validators=[
            no_hidden_characters,
            Length(
                max=LEAD_MAX, message=_l("Keep the introduction to %(max)d characters or fewer.")
            ),
        ],
    )
    tip1 = _tip_field(1)
    tip2 = _tip_field(2)
    tip3 = _tip_field(3)
    tip4 = _tip_field(4)
    tip5 = _tip_field(5)
    tip6 = _tip_field(6)
    tip7 = _tip_field(7)
    tip8 = _tip_field(8)
    never_ask = StringField(
        _l("We will never ask you for"),
        filters=[strip_line],
        validators=[
            DataRequired(message=SAY_NEVER_ASK),
            no_hidden_characters,
            Length(max=NEVER_ASK_MAX, message=_l("Keep this line to %(max)d characters or fewer.")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tips_errors: list[str] = []

    @property
    def tip_fields(self) -> list[StringField]:
        """The eight tip inputs in order."""
        return [self[name] for name in TIP_FIELDS]

    def tips(self) -> tuple[str, ...]:
        """The filled-in tips in order; blank inputs are dropped."""
        return tuple(field.data for field in self.tip_fields if field.data)

    def text(self) -> HandoutText:
        """The text as typed (after the filters)."""
        return HandoutText(
            title=self.title.data or "",
            lead=self.lead.data or "",
            tips=self.tips(),
            never_ask=self.never_ask.data or "",
        )

    def fill(self, text: HandoutText) -> None:
        """Show a stored text in the inputs."""
        self.title.data = text.title
        self.lead.data = text.lead
        for field, tip in zip(self.tip_fields, [*text.tips, *[""] * MAX_TIPS], strict=False):
            field.data = tip
        self.never_ask.data = text.never_ask

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, and then the number of tips."""
        is_valid = super().validate(extra_validators)
        if not MIN_TIPS <= len(self.tips()) <= MAX_TIPS:
            self.tips_errors.append(str(WRITE_TIPS))
            is_valid = False
        return is_valid

    @property
    def has_errors(self) -> bool:
        """True when any field or the tip count has a message to show."""
        return bool(self.errors or self.tips_errors)


class HandoutCreateForm(HandoutTextForm):
    """A new handout: its code, language, topic and group, and the text of version 1."""

    code = StringField(
        _l("Code"),
        filters=[strip_line],
        validators=[
            DataRequired(message=_l("Enter a code.")),
            Length(max=CODE_MAX, message=_l("Keep the code to %(max)d characters or fewer.")),
        ],
    )
    language = SelectField(
        _l("Language"),
        choices=language_choices(),
        default=HandoutLanguage.ZH_CN.value,
        validators=[InputRequired()],
        invalid_choice_message=CHOOSE_LANGUAGE,
    )
    topic = SelectField(
        _l("Topic"),
        choices=[],
        validators=[DataRequired(message=_l("Choose a topic."))],
        invalid_choice_message=CHOOSE_TOPIC,
    )
    target_group = SelectField(
        _l("For"),
        choices=[],
        default=EVERYONE,
        validators=[InputRequired()],
        invalid_choice_message=_l("Choose a group from the list."),
    )
    submit = SubmitField(_l("Create handout"))


class HandoutEditForm(HandoutTextForm):
    """A new version of a handout's text, with a note saying what changed."""

    note = StringField(
        _l("What changed"),
        filters=[strip_line],
        validators=[
            no_hidden_characters,
            Length(max=NOTE_MAX, message=_l("Keep the note to %(max)d characters or fewer.")),
        ],
    )
    submit = SubmitField(_l("Save as a new version"))


class ConfirmForm(FlaskForm):
    """An empty form whose only job is the CSRF check of a confirmation button."""


class CopiesField(IntegerField):
    """A whole number of copies; anything else gets a plain message (and no second one)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None  # copies_in_range says what is missing
            return
        try:
            self.data = int(str(valuelist[0]).strip(), 10)
        except ValueError:
            self.data = None
            raise ValueError(ENTER_COPIES) from None


def copies_in_range(form: Any, field: Any) -> None:
    """Between MIN_COPIES and MAX_COPIES (a number that did not parse has its message already)."""
    if field.data is None and not field.process_errors:
        raise ValidationError(str(ENTER_COPIES))
    if field.data is not None and not MIN_COPIES <= field.data <= MAX_COPIES:
        raise ValidationError(str(COPIES_RANGE))


class PrintRunForm(FlaskForm):
    """A print run: which handout, how many copies, which layout; preview or print."""

    handout = SelectField(
        _l("Handout"),
        choices=[],
        validators=[DataRequired(message=_l("Choose a handout."))],
        invalid_choice_message=_l("Choose a handout from the list."),
    )
    copies = CopiesField(
        _l("Copies"),
        validators=[copies_in_range],
    )
    layout = SelectField(
        _l("Layout"),
        choices=layout_choices(),
        validators=[InputRequired()],
        invalid_choice_message=CHOOSE_LAYOUT,
    )
    # Asked only when a head or an administrator prints for a completed event (the view removes
    # it otherwise); the print run service requires it then and keeps it in the event's history.
    change_reason = TextAreaField(
        _l("Why are handouts printed for this completed event?"),
        render_kw={"rows": 2, "maxlength": 500},
        filters=[strip_block],
        validators=[no_hidden_characters],
    )
    preview = SubmitField(_l("Preview"))
    print_run = SubmitField(_l("Print"))


class RevokeForm(FlaskForm):
    """Why a print run is withdrawn (required)."""

    reason = TextAreaField(
        _l("Reason"),
        render_kw={"rows": 3},
        filters=[strip_block],
        validators=[
            DataRequired(message=GIVE_REVOKE_REASON),
            no_hidden_characters,
            Length(
                max=REVOKE_REASON_MAX,
                message=_l("Keep the reason to %(max)d characters or fewer."),
            ),
        ],
    )
    submit = SubmitField(_l("Withdraw the run"))
