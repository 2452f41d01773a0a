"""Configuration classes; secrets and addresses come from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def database_url(default: str) -> str:
    """``DATABASE_URL`` with the ``postgres://`` spelling normalised to psycopg 3."""
    url = os.environ.get("DATABASE_URL") or default
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url[len(old) :]
    return url


class Config:
    """Settings shared by every environment."""

    APP_NAME = "Outreach"
    BANK_NAME = os.environ.get("BANK_NAME", "示范银行")
    BANK_HOTLINE = os.environ.get("BANK_HOTLINE", "95588")
    ANTI_FRAUD_HOTLINE = "96110"
    TIMEZONE = os.environ.get("APP_TIMEZONE", "Asia/Shanghai")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # Signs the printed handouts' codes; SECRET_KEY when unset. Set it once, separately, to be
    # free to rotate SECRET_KEY without voiding every handout already printed.
    HANDOUT_TOKEN_SECRET: str | None = os.environ.get("HANDOUT_TOKEN_SECRET")
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Request size: uploads are capped, and so are form fields and their number.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024
    MAX_FORM_PARTS = 1000

    # Sessions: HttpOnly, SameSite=Lax, Secure outside development; idle and absolute limits.
    SESSION_COOKIE_NAME = "outreach_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "outreach_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=7)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    IDLE_TIMEOUT = timedelta(minutes=30)

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_CSRF_SSL_STRICT = True

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    # The interface languages, each named in its own script; handouts are written in the same
    # ones (handouts.kinds.HandoutLanguage) and the attendee page is shown in them.
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    # Rate limits: every route has the default; login also per account name. ``memory://``
    # keeps the counts in each worker process (threads share them): production with more than
    # one worker process refuses to start with it and needs Redis (``redis://host:6379``).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_DEFAULT = os.environ.get("RATELIMIT_DEFAULT", "300 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = "20 per minute; 200 per hour"
    LOGIN_LIMIT_PER_USERNAME = "5 per minute; 30 per hour"
    # The attendee page behind the QR codes, GETs and POSTs apart. A whole hall shares one client
    # address (the venue's Wi-Fi behind one NAT), so each limit counts per address *and* copy,
    # under a looser ceiling per address. The figures fit a hall of 300 told "scan now and
    # check in" at once: each phone sends its three forms (check-in, quiz, feedback) once, and
    # a second try after a refused form, so 10 POSTs a minute per copy; at most two of those
    # forms each in the same minute across the hall, so 600 POSTs a minute per address.
    # Pages: opening, reloading, switching language or senior mode, the quiz and help pages,
    # about five a minute per phone at the busiest, so 30 per copy and 1,500 per address.
    # A hall larger than 300 on one address needs higher ceilings (set them here or in the
    # environment); one copy hammered is stopped by its own limit whatever the ceiling.
    ATTENDEE_PAGE_LIMIT = os.environ.get("ATTENDEE_PAGE_LIMIT", "30 per minute")
    ATTENDEE_POST_LIMIT = os.environ.get("ATTENDEE_POST_LIMIT", "10 per minute")
    ATTENDEE_PAGE_LIMIT_PER_ADDRESS = os.environ.get(
        "ATTENDEE_PAGE_LIMIT_PER_ADDRESS", "1500 per minute"
    )
    ATTENDEE_POST_LIMIT_PER_ADDRESS = os.environ.get(
        "ATTENDEE_POST_LIMIT_PER_ADDRESS", "600 per minute"
    )
    # The attendee forms are small: a check-in, three answers, a rating and a short comment.
    ATTENDEE_MAX_BODY_BYTES = 16 * 1024
    ATTENDEE_MAX_FORM_PARTS = 40
    # Openings of one copy from one client address within this many seconds count as one scan.
    ATTENDEE_RELOAD_WINDOW_SECONDS = _env_int("ATTENDEE_RELOAD_WINDOW_SECONDS", 600)
    # How many reverse proxies in front of the app set X-Forwarded-For (0: trust none).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # argon2-cffi parameters: None means the library's own default profile.
    ARGON2_PROFILE: str | None = None
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 256

    # Privacy retention, in days: `flask purge` deletes failed-login audit rows (the typed user
    # name and the address) and blanks attendees' feedback comments (ratings stay) once older.
    LOGIN_FAILURE_RETENTION_DAYS = _env_int("LOGIN_FAILURE_RETENTION_DAYS", 180)
    FEEDBACK_COMMENT_RETENTION_DAYS = _env_int("FEEDBACK_COMMENT_RETENTION_DAYS", 730)
    # A callback number of a problem still open this many days after it was raised is cleared:
    # the promised call is long overdue by then, and the number must not outlive its use.
    PROBLEM_CALLBACK_RETENTION_DAYS = _env_int("PROBLEM_CALLBACK_RETENTION_DAYS", 30)
    # Paper sign-in sheets (photos and PDFs that carry attendees' names) are deleted this many
    # days after their event's date; the head counts read off them stay.
    SIGN_IN_SHEET_RETENTION_DAYS = _env_int("SIGN_IN_SHEET_RETENTION_DAYS", 3 * 365)

    # Problems raised at events are due this many days after they are raised (限时办结).
    PROBLEM_DAYS_TO_CLOSE = _env_int("PROBLEM_DAYS_TO_CLOSE", 5)

    PER_PAGE = 25
    SECURITY_HSTS = True


class DevelopmentConfig(Config):
    """Local development: SQLite in the instance folder, cookies over plain HTTP."""

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    SECURITY_HSTS = False


class TestingConfig(DevelopmentConfig):
    """The test suite: a cheap argon2 profile, a fixed key, and room for many logins."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-000000000000"
    ARGON2_PROFILE = "CHEAPEST"
    WTF_CSRF_ENABLED = False
    LOGIN_LIMIT_PER_IP = "10000 per minute"
    LOGIN_LIMIT_PER_USERNAME = "10000 per minute"
    RATELIMIT_DEFAULT = "100000 per minute"
    ATTENDEE_PAGE_LIMIT = "100000 per minute"
    ATTENDEE_POST_LIMIT = "100000 per minute"
    ATTENDEE_PAGE_LIMIT_PER_ADDRESS = "100000 per minute"
    ATTENDEE_POST_LIMIT_PER_ADDRESS = "100000 per minute"
    PUBLIC_BASE_URL = "https://outreach.example.cn"


class ProductionConfig(Config):
    """Production: PostgreSQL from ``DATABASE_URL`` and a ``SECRET_KEY`` that must be set."""

    # __Host- cookies are only accepted over HTTPS, for this host and path "/".
    SESSION_COOKIE_NAME = "__Host-outreach_session"
    REMEMBER_COOKIE_NAME = "__Host-outreach_remember"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def rate_limit_storage_problem(config_name: str, storage_uri: str, workers: int) -> str | None:
    """Why a deployment's rate limit storage cannot hold, or None when it can.

    ``memory://`` counts in each worker process, so with N processes every limit is N times
    looser and a request is refused or not by the luck of which process takes it. Production
    refuses that; threads within one process (``gunicorn -k gthread``) share the counts.
    """
    if config_name != "production" or workers <= 1:
        return None
    if not storage_uri.strip().lower().startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage_uri!r} but {workers} worker processes are "
        "configured: in-memory rate limits are counted apart in each process. Set "
        "RATELIMIT_STORAGE_URI to a shared storage (redis://HOST:6379), or run one worker "
        "process with threads (gunicorn -w 1 -k gthread --threads 8)."
    )


def load_secret_key(instance_path: Path) -> str:
    """A development key kept in the instance folder, made once with a CSPRNG."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
