"""The error services raise for bad input, tied to the form field it belongs to."""


class FieldError(ValueError):
    """Input that cannot be saved; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
