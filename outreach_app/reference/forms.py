"""Forms of the kinds-and-groups pages: a target group, an event kind (a group's fields and the
kind's rules), and the confirmation of retiring one. The rules and their messages are the
service's (``reference.services``); these check only what WTForms reads and required fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional

from outreach_app.core.forms import FlaskForm
from outreach_app.core.text import clean_line
from outreach_app.reference.services import (
    CODE_MAX,
    ENTER_CODE,
    ENTER_NAME_EN,
    ENTER_NAME_ZH,
    NAME_EN_MAX,
    NAME_ZH_MAX,
    SORT_ORDER_MAX,
    STAFF_MAX,
    STAFF_RANGE,
    ReferenceInput,
)


class GroupForm(FlaskForm):
    """A target group; the view removes the code when editing (a code never changes)."""

    code = StringField(
        _l("Code"),
        filters=[clean_line],
        validators=[DataRequired(message=ENTER_CODE)],
        render_kw={"maxlength": CODE_MAX, "autocomplete": "off", "spellcheck": "false"},
    )
    name_zh = StringField(
        _l("Chinese name"),
        filters=[clean_line],
        validators=[DataRequired(message=ENTER_NAME_ZH)],
        render_kw={"maxlength": NAME_ZH_MAX, "lang": "zh-CN"},
    )
    name_en = StringField(
        _l("English name"),
        filters=[clean_line],
        validators=[DataRequired(message=ENTER_NAME_EN)],
        render_kw={"maxlength": NAME_EN_MAX, "lang": "en"},
    )
    sort_order = IntegerField(
        _l("Sort order"),
        invalid_value_message=_l("Enter a whole number."),
        validators=[Optional()],
        render_kw={"min": 0, "max": SORT_ORDER_MAX, "inputmode": "numeric"},
    )

    def reference_input(self) -> ReferenceInput:
        """The values as the service takes them."""
        code = self._fields.get("code")
        return ReferenceInput(
            code=(code.data or "") if code is not None else "",
            name_zh=self.name_zh.data or "",
            name_en=self.name_en.data or "",
            sort_order=self.sort_order.data,
        )


class KindForm(GroupForm):
    """An event kind: a group's fields and the rules an event of the kind keeps."""

    min_staff = IntegerField(
        _l("Staff needed"),
        default=1,
        invalid_value_message=_l("Enter a whole number."),
        validators=[InputRequired(message=STAFF_RANGE)],
        render_kw={"min": 1, "max": STAFF_MAX, "inputmode": "numeric"},
    )
    private_venue = BooleanField(_l("The venue is private"))

    def reference_input(self) -> ReferenceInput:
        """The values as the service takes them."""
        base = super().reference_input()
        return ReferenceInput(
            code=base.code,
            name_zh=base.name_zh,
            name_en=base.name_en,
            sort_order=base.sort_order,
            min_staff=self.min_staff.data,
            private_venue=bool(self.private_venue.data),
        )


class ConfirmForm(FlaskForm):
    """An empty form whose only job is the CSRF check of a confirmation button."""
