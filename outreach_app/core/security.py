"""Security headers on every response, and caching rules for pages behind the login."""

import logging

from flask import Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from outreach_app.core.errors import render_error

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NUL_BYTE_TEXT = _l(
    "What you sent contains a character that cannot be accepted (a NUL byte). "
    "Go back, remove it and try again."
)


class EscapeControlCharacters(logging.Filter):
    """Write CR, LF and other control characters in log messages as escapes (no forged lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(ord(ch) < 32 for ch in message):
            record.msg = message.encode("unicode_escape").decode("ascii")
            record.args = None
        return True


def limit_urlencoded_forms(max_bytes: int, max_fields: int) -> None:
    """Answer 413 for an url-encoded form larger or with more fields than a real form has."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    if (request.content_length or 0) > max_bytes:
        abort(413)
    if request.get_data(cache=True).count(b"&") >= max_fields:
        abort(413)


def refuse_nul_bytes() -> ResponseReturnValue | None:
    """The 400 page for a query string or form holding a NUL byte, before any view runs.

    Forms refuse control characters with a message beside the field; this is the net for
    everything read without a form, since PostgreSQL cannot store or compare text with NUL.
    """
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            current_app.logger.warning("Refused a request with a NUL byte: %s", request.path)
            return render_error(400, str(NUL_BYTE_TEXT))
    return None


def register_security(app: Flask) -> None:
    """Limit form sizes, refuse NUL bytes, escape logs, and add the headers after every
    request."""
    app.logger.addFilter(EscapeControlCharacters())

    @app.before_request
    def limit_forms():
        limit_urlencoded_forms(app.config["MAX_FORM_MEMORY_SIZE"], app.config["MAX_FORM_PARTS"])

    app.before_request(refuse_nul_bytes)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SECURITY_HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages behind the login are never stored, unless a view chose private caching for
        # something that cannot change (a stored photo, say).
        logged_in = current_user and current_user.is_authenticated
        if request.endpoint != "static" and logged_in and not response.cache_control.private:
            headers["Cache-Control"] = "no-store"
        return response
