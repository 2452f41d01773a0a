"""The error services raise for bad input, tied to the form field it belongs to, and the rule
for control characters in text that users send."""

import unicodedata

from flask_babel import lazy_gettext as _l

# What text typed over several lines may hold besides printable characters.
LINE_BREAKS = "\n\r\t"

CONTROL_CHARACTERS_MESSAGE = _l(
    "This field contained invisible characters (control codes, often pasted from another "
    "program), which are not accepted. Check it and send it again."
)


class FieldError(ValueError):
    """Input that cannot be saved; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def has_control_characters(text: str, allowed: str = "") -> bool:
    """True when ``text`` holds a control character (Unicode category Cc, NUL included) other
    than those in ``allowed``."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def without_control_characters(text: str, allowed: str = "") -> str:
    """``text`` with its control characters, except those in ``allowed``, taken out."""
    return "".join(ch for ch in text if ch in allowed or unicodedata.category(ch) != "Cc")
