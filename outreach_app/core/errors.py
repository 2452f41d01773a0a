"""Friendly error pages in both languages; never a traceback."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from outreach_app.extensions import db

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (
        _l("Page not found"),
        _l("We could not find that page. It may have been moved or removed."),
    ),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    410: (_l("No longer available"), _l("This item has been withdrawn.")),
    413: (_l("Too large"), _l("What you sent is too large. Send less at a time.")),
    429: (
        _l("Too many requests"),
        _l("You have sent too many requests in a short time. Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened. Nothing was saved. Please try again later."),
    ),
}

CSRF_TEXT = _l(
    "This form has expired or did not come from this site. Reload the page and try again."
)


def render_error(code: int, message: str | None = None):
    """The error page for ``code`` with its standard or a given message."""
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    """Answer every HTTP error and every unhandled exception with the friendly page."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        code = error.code or 500
        message = CSRF_TEXT if isinstance(error, CSRFError) else None
        response, status = render_error(code if code in ERROR_TEXTS else 500, message)
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return response, status, {"Allow": ", ".join(error.valid_methods)}
        return response, status

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Flask has logged the exception already (through the escaping filter).
        db.session.rollback()
        return render_error(500)
