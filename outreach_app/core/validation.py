"""The one error services raise for bad input, tied to the form fields it belongs to, and the
rule for control characters in text that users send."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

# What text typed over several lines may hold besides printable characters.
LINE_BREAKS = "\n\r\t"

CONTROL_CHARACTERS_MESSAGE = _l(
    "This field contained invisible characters (control codes, often pasted from another "
    "program), which are not accepted. Check it and send it again."
)


class ServiceError(ValueError):
    """Input a service refuses; nothing was changed.

    ``problems`` maps form field names to messages; the key ``""`` holds a message about the
    whole form. ``ServiceError(message)`` is form-wide, ``ServiceError(message, field="title")``
    belongs to one field, ``ServiceError({"title": ..., "starts_at": ...})`` to several.
    ``core.forms.show_errors`` puts them on a WTForms form.
    """

    FORM = ""

    def __init__(self, problems: Mapping[str, str] | str, field: str | None = None) -> None:
        if isinstance(problems, Mapping):
            self.problems = {key: str(value) for key, value in problems.items()}
        else:
            self.problems = {field or self.FORM: str(problems)}
        super().__init__("; ".join(self.problems.values()))

    @property
    def field(self) -> str:
        """The field of the first message (``""`` when it is about the whole form)."""
        return next(iter(self.problems))

    @property
    def message(self) -> str:
        """The first message."""
        return next(iter(self.problems.values()))


def has_control_characters(text: str, allowed: str = "") -> bool:
    """True when ``text`` holds a control character (Unicode category Cc, NUL included) other
    than those in ``allowed``."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def without_control_characters(text: str, allowed: str = "") -> str:
    """``text`` with its control characters, except those in ``allowed``, taken out."""
    return "".join(ch for ch in text if ch in allowed or unicodedata.category(ch) != "Cc")
