"""Template globals and filters shared by every page."""

from datetime import datetime

from flask import Flask, current_app, request
from flask_babel import format_datetime

from outreach_app.core.locale import current_language, html_lang
from outreach_app.core.roles import ROLE_LABELS, Role

# Pages of these blueprints belong under another blueprint's menu entry.
NAV_PARENTS = {
    "events": "schedule.list_events",
    "event_reports": "schedule.list_events",
    "attendee_staff": "schedule.list_events",
}
# Pages that belong to an event although their blueprint has its own menu entry.
NAV_ENDPOINT_PARENTS = {
    "handouts.new_print_run": "schedule.list_events",
    "handouts.preview_print_run": "schedule.list_events",
    "handouts.download_print_run": "schedule.list_events",
    "handouts.revoke_run": "schedule.list_events",
}


def nav_section(nav_endpoints: list[str]) -> str | None:
    """The menu entry the current page belongs to: itself, or its blueprint's main entry."""
    endpoint = request.endpoint or ""
    if endpoint in nav_endpoints:
        return endpoint
    if endpoint in NAV_ENDPOINT_PARENTS:
        return NAV_ENDPOINT_PARENTS[endpoint]
    blueprint = request.blueprint or ""
    if blueprint in NAV_PARENTS:
        return NAV_PARENTS[blueprint]
    return next((e for e in nav_endpoints if e.split(".")[0] == blueprint), None)


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
            "nav_section": nav_section,
        }

    @app.template_filter("dt")
    def format_dt(value: datetime | None, fmt: str = "medium") -> str:
        """An aware timestamp in the bank's time zone, or a local wall-clock time as is."""
        if value is None:
            return ""
        if value.tzinfo is None:
            return format_datetime(value, fmt, rebase=False)
        return format_datetime(value, fmt)
