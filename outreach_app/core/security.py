"""Security headers on every response, and caching rules for pages behind the login."""

import logging

from flask import Flask, abort, request
from flask_login import current_user

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


def register_security(app: Flask) -> None:
    """Limit form sizes, escape logs, and add the headers after every request."""
    app.logger.addFilter(EscapeControlCharacters())

    @app.before_request
    def limit_forms():
        limit_urlencoded_forms(app.config["MAX_FORM_MEMORY_SIZE"], app.config["MAX_FORM_PARTS"])

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
