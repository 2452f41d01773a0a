"""Changing event kinds and target groups (admins only): add, edit, retire and restore.

A code is chosen once, when the row is added, and never changed: events, the coverage rollups
and the exports keep it. Rows are retired instead of deleted, so that events that have them
keep them and their figures still show. These functions flush and record the change in the
audit log; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from outreach_app.audit.services import record
from outreach_app.core.validation import (
    CONTROL_CHARACTERS_MESSAGE,
    ServiceError,
    has_control_characters,
)
from outreach_app.extensions import db
from outreach_app.reference.models import EventKind, TargetGroup

CODE_MIN, CODE_MAX = 2, 16
CODE_RE = re.compile(rf"[a-z0-9_]{{{CODE_MIN},{CODE_MAX}}}")
NAME_ZH_MAX, NAME_EN_MAX = 80, 120
SORT_ORDER_MAX = 10_000
STAFF_MAX = 10

CODE_RULE = _l("Use 2 to 16 lowercase letters, digits or underscores, for example home_visit.")
ENTER_CODE = _l("Enter a code.")
ENTER_NAME_ZH = _l("Enter the Chinese name.")
ENTER_NAME_EN = _l("Enter the English name.")
NAME_ZH_TOO_LONG = _l("Keep the Chinese name to 80 characters or fewer.")
NAME_EN_TOO_LONG = _l("Keep the English name to 120 characters or fewer.")
SORT_ORDER_RANGE = _l("Enter a number from 0 to 10,000.")
STAFF_RANGE = _l("Enter a number from 1 to 10.")

Row = EventKind | TargetGroup


@dataclass(frozen=True)
class ReferenceInput:
    """What an admin enters about a kind or a group; the rules are only a kind's."""

    name_zh: str
    name_en: str
    sort_order: int | None = None
    code: str = ""  # read when adding only
    min_staff: int | None = 1
    private_venue: bool = False


def _checked_names(data: ReferenceInput, problems: dict[str, str]) -> tuple[str, str]:
    names = []
    for key, value, missing, too_long, limit in (
        ("name_zh", data.name_zh, ENTER_NAME_ZH, NAME_ZH_TOO_LONG, NAME_ZH_MAX),
        ("name_en", data.name_en, ENTER_NAME_EN, NAME_EN_TOO_LONG, NAME_EN_MAX),
    ):
        text = (value or "").strip()
        if has_control_characters(text):
            problems[key] = str(CONTROL_CHARACTERS_MESSAGE)
        elif not text:
            problems[key] = str(missing)
        elif len(text) > limit:
            problems[key] = str(too_long)
        names.append(text)
    return names[0], names[1]


def _checked_code(model: type[Row], value: str, problems: dict[str, str]) -> str:
    code = value or ""
    if not code.strip():
        problems["code"] = str(ENTER_CODE)
    elif not CODE_RE.fullmatch(code):
        problems["code"] = str(CODE_RULE)
    elif db.session.scalar(select(model.id).where(model.code == code)) is not None:
        problems["code"] = _("The code %(code)s is taken; choose another.", code=code)
    return code


def _checked_order(model: type[Row], value: int | None, problems: dict[str, str]) -> int:
    """The sort order as given, or after the last row's when left empty."""
    if value is None:
        return (db.session.scalar(select(func.max(model.sort_order))) or 0) + 1
    if not 0 <= value <= SORT_ORDER_MAX:
        problems["sort_order"] = str(SORT_ORDER_RANGE)
    return value


def _checked(model: type[Row], data: ReferenceInput, adding: bool) -> tuple[str, dict[str, Any]]:
    """The code (when adding) and the values to write, or ServiceError naming every fault."""
    problems: dict[str, str] = {}
    code = _checked_code(model, data.code, problems) if adding else ""
    name_zh, name_en = _checked_names(data, problems)
    values: dict[str, Any] = {
        "name_zh": name_zh,
        "name_en": name_en,
        "sort_order": _checked_order(model, data.sort_order, problems),
    }
    if model is EventKind:
        if data.min_staff is None or not 1 <= data.min_staff <= STAFF_MAX:
            problems["min_staff"] = str(STAFF_RANGE)
        values["min_staff"] = data.min_staff
        values["private_venue"] = bool(data.private_venue)
    if problems:
        raise ServiceError(problems)
    return code, values


def add_row(user: Any, model: type[Row], data: ReferenceInput) -> Row:
    """Add an event kind or a target group (``model``), active, with a code never used."""
    code, values = _checked(model, data, adding=True)
    row = model(code=code, is_retired=False, **values)
    db.session.add(row)
    db.session.flush()
    # event_kind.create or target_group.create
    record(f"{model.__tablename__}.create", row, actor=user, code=code, **values)
    return row


def update_row(user: Any, row: Row, data: ReferenceInput) -> list[str]:
    """Change a kind's or a group's names, order (and a kind's rules); its code stays.
    Returns the names of the fields that changed."""
    _code, values = _checked(type(row), data, adding=False)
    changes = {
        name: [getattr(row, name), value]
        for name, value in values.items()
        if getattr(row, name) != value
    }
    if not changes:
        return []
    for name, (_old, value) in changes.items():
        setattr(row, name, value)
    db.session.flush()
    record(f"{row.__tablename__}.update", row, actor=user, code=row.code, changes=changes)
    return list(changes)


def set_retired(user: Any, row: Row, retired: bool) -> bool:
    """Retire a kind or group (no longer offered for new events) or bring it back; False
    when it was so already."""
    if row.is_retired == retired:
        return False
    row.is_retired = retired
    db.session.flush()
    table = row.__tablename__
    record(f"{table}.retire" if retired else f"{table}.restore", row, actor=user, code=row.code)
    return True
