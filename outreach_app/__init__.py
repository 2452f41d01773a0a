"""Outreach: financial-literacy and anti-fraud education outreach, end to end."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, CONFIGS, database_url, load_secret_key
from outreach_app.core.ids import IdConverter


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    name = config_name or os.environ.get("OUTREACH_CONFIG", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"OUTREACH_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}")
    app.config.from_object(CONFIGS[name])
    app.config["CONFIG_NAME"] = name
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    default_db = "sqlite:///" + str(Path(app.instance_path) / "outreach.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(default_db)
    if overrides:
        app.config.update(overrides)
    _configure_secret_key(app, name)
    _check_public_base_url(app, name)
    _check_rate_limit_deployment(app, name)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)  # type: ignore[method-assign]

    _init_extensions(app)
    _keep_rollups_current()
    app.url_map.converters["id"] = IdConverter
    _register_blueprints(app)

    from outreach_app.cli import register_cli
    from outreach_app.core.errors import register_error_handlers
    from outreach_app.core.security import register_security
    from outreach_app.core.templating import register_templating
    from outreach_app.core.transactions import register_transaction_retry

    register_error_handlers(app)
    register_transaction_retry(app)
    register_security(app)
    register_templating(app)
    register_cli(app)
    _register_area_hooks(app)
    return app


def _configure_secret_key(app: Flask, name: str) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if name == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment for production")
    app.config["SECRET_KEY"] = load_secret_key(Path(app.instance_path))


def _check_public_base_url(app: Flask, name: str) -> None:
    """Production prints PUBLIC_BASE_URL into every QR code, and paper cannot be recalled: it
    must be an https address of a real host, not the development default."""
    if name != "production":
        return
    url = urlsplit(app.config["PUBLIC_BASE_URL"])
    host = (url.hostname or "").lower()
    if url.scheme != "https" or not host or host == "localhost" or _is_loopback(host):
        raise RuntimeError(
            "PUBLIC_BASE_URL must be set to the site's https address for production "
            "(it is printed in every handout's QR code)"
        )


def _check_rate_limit_deployment(app: Flask, name: str) -> None:
    """Production warns at start when no proxy is trusted: behind a reverse proxy every client
    then has the proxy's address and shares its rate limits. (The worker count, which decides
    whether ``memory://`` limits hold, is checked by ``gunicorn.conf.py`` before any starts.)"""
    if name == "production" and not app.config["TRUSTED_PROXIES"]:
        app.logger.warning(
            "TRUSTED_PROXIES is 0: X-Forwarded-For is ignored and every request counts against "
            "the address it comes from. Behind a reverse proxy that is the proxy's, so all "
            "clients share one set of rate limits: set TRUSTED_PROXIES to the number of "
            "proxies in front of the app (1 for one nginx)."
        )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _init_extensions(app: Flask) -> None:
    from outreach_app.auth.sessions import init_login
    from outreach_app.core.locale import select_locale, select_timezone
    from outreach_app.extensions import babel, csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    limiter.init_app(app)
    init_login(app)
    _import_models()


def _import_models() -> None:
    """Import every model module so the metadata is complete for Alembic and queries."""
    import outreach_app.attendee.models
    import outreach_app.audit.models
    import outreach_app.auth.models
    import outreach_app.coverage.models
    import outreach_app.events.models
    import outreach_app.handouts.models
    import outreach_app.partners.models
    import outreach_app.problems.models
    import outreach_app.reach.models
    import outreach_app.reference.models
    import outreach_app.regions.models  # noqa: F401


def _keep_rollups_current() -> None:
    """The coverage rollups follow every change from here on: structural changes are marked at
    each flush and recounted before the commit, and each attendee row is counted as it is
    written. The hooks are process-wide (on every session) and registered once."""
    from outreach_app.attendee.services import on_row_written
    from outreach_app.coverage.rollups import count_row, register_session_hooks

    register_session_hooks()
    on_row_written(count_row)


def _register_blueprints(app: Flask) -> None:
    from outreach_app.attendee.routes import bp as attendee_bp
    from outreach_app.attendee.staff_routes import bp as attendee_staff_bp
    from outreach_app.auth.routes import bp as auth_bp
    from outreach_app.core.routes import bp as core_bp
    from outreach_app.coverage.routes import bp as coverage_bp
    from outreach_app.event_reports.routes import bp as event_reports_bp
    from outreach_app.event_reports.sign_in_routes import bp as sign_in_bp
    from outreach_app.events.routes import bp as events_bp
    from outreach_app.handouts.routes import bp as handouts_bp
    from outreach_app.home.routes import bp as home_bp
    from outreach_app.partners.routes import bp as partners_bp
    from outreach_app.problems.routes import bp as problems_bp
    from outreach_app.reach.routes import bp as reach_bp
    from outreach_app.reference.routes import bp as reference_bp
    from outreach_app.regions.routes import bp as regions_bp
    from outreach_app.schedule.routes import bp as schedule_bp
    from outreach_app.users.routes import bp as users_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(coverage_bp, url_prefix="/coverage")
    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp, url_prefix="/admin/users")
    app.register_blueprint(regions_bp, url_prefix="/admin")
    app.register_blueprint(reference_bp, url_prefix="/admin")
    app.register_blueprint(partners_bp, url_prefix="/partners")
    app.register_blueprint(schedule_bp, url_prefix="/events")
    app.register_blueprint(events_bp, url_prefix="/events")
    app.register_blueprint(event_reports_bp, url_prefix="/events")
    app.register_blueprint(sign_in_bp, url_prefix="/events")
    app.register_blueprint(handouts_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(attendee_staff_bp, url_prefix="/events")
    app.register_blueprint(problems_bp)
    app.register_blueprint(reach_bp)


def _register_area_hooks(app: Flask) -> None:
    """What lower areas take from higher ones, given here rather than imported by them."""
    from outreach_app.attendee.retention import FEEDBACK_COMMENTS
    from outreach_app.attendee.stats import run_counts
    from outreach_app.audit.retention import LOGIN_FAILURES, register_retention_rule
    from outreach_app.event_reports.retention import SIGN_IN_SHEETS
    from outreach_app.event_reports.services import report_panel_context
    from outreach_app.events.panels import register_event_panel
    from outreach_app.events.partner_history import partner_history
    from outreach_app.handouts.services import print_runs_panel, register_run_counter
    from outreach_app.partners.history import register_history_source
    from outreach_app.problems.retention import CALLBACK_NUMBERS
    from outreach_app.problems.services import event_panel_context as problems_panel
    from outreach_app.reach.services import reach_panel

    # Retention rules purge in this order; ``flask purge`` reports them so.
    register_retention_rule(app, LOGIN_FAILURES)
    register_retention_rule(app, FEEDBACK_COMMENTS)
    register_retention_rule(app, CALLBACK_NUMBERS)
    register_retention_rule(app, SIGN_IN_SHEETS)
    register_history_source(app, partner_history)
    # The event page's print runs show their scans and check-ins.
    register_run_counter(app, run_counts)
    # The event page's sections below its details, in this order.
    register_event_panel(app, "event_reports/_panel.html", report_panel_context)
    register_event_panel(app, "handouts/_event_runs.html", print_runs_panel)
    register_event_panel(app, "problems/_event_panel.html", problems_panel)
    register_event_panel(app, "reach/_event_panel.html", reach_panel)


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys and use WAL on SQLite; other databases are left alone."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
