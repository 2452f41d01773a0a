"""Template globals and filters shared by every page."""

from datetime import datetime

from flask import Flask, current_app
from flask_babel import format_datetime

from outreach_app.auth.models import ROLE_LABELS, Role
from outreach_app.core.locale import current_language, html_lang


def register_templating(app: Flask) -> None:
    """Expose the current language, the configured names and date formatting to templates."""

    @app.context_processor
    def inject_globals():
        locale = current_language()
        return {
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "languages": current_app.config["LANGUAGES"],
            "bank_name": current_app.config["BANK_NAME"],
            "role_label": lambda role: str(ROLE_LABELS[Role(role)]),
        }

    @app.template_filter("dt")
    def format_dt(value: datetime | None, fmt: str = "medium") -> str:
        """An aware timestamp in the bank's time zone, or a local wall-clock time as is."""
        if value is None:
            return ""
        if value.tzinfo is None:
            return format_datetime(value, fmt, rebase=False)
        return format_datetime(value, fmt)
