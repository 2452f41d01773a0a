"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

import threading
from typing import Any

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from outreach_app.handouts.tokens import read_token, token_secret

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """The client's address as seen after ProxyFix trusted the configured proxies."""
    return get_remote_address() or "unknown"


def address_and_copy_key() -> str:
    """The attendee limits' bucket: the client address and the handout copy the request names.

    A hall full of phones shares one address (the venue's Wi-Fi), but each phone reads its own
    copy, so counting per address *and* copy lets the whole hall in while one copy hammered is
    still stopped. The copy comes from the signed token alone (no query, and every spelling of
    a token names the same copy): the URL's ``token``, or the ``code`` typed into the lookup
    form. Tokens that name no copy share one bucket per address.
    """
    token = (request.view_args or {}).get("token") or request.args.get("code", "")
    data = read_token(token_secret(), token) if isinstance(token, str) and token else None
    copy = f"{data.run_id}:{data.serial}" if data is not None else "none"
    return f"{client_address()}|{copy}"


def rate_limit_key() -> str:
    """Logged-in staff are counted per account (a branch shares one address), others per address."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()


class ThreadSafeMemoryStorage(MemoryStorage):
    """The ``memory://`` rate limit storage, safe for threaded workers (``gunicorn -k gthread``).

    limits' MemoryStorage restarts its expiry timer from whichever request thread writes a
    count; two threads doing that at the same moment can start the same timer twice
    ("RuntimeError: threads can only be started once", a 500 for the request). Here every
    write holds one lock. It is registered for the ``memory`` scheme, so
    ``RATELIMIT_STORAGE_URI=memory://`` gets this class. The counts still live in one process:
    several worker processes need a shared storage such as Redis (see ``config.py``).
    """

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        self._write_lock = threading.RLock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_write_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._write_lock = threading.RLock()
        super().__setstate__(state)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the count of ``key``, under the storage's lock."""
        with self._write_lock:
            return super().incr(key, expiry, amount)

    def decr(self, key: str, amount: int = 1) -> int:
        """Take ``amount`` off the count of ``key``, under the storage's lock."""
        with self._write_lock:
            return super().decr(key, amount)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """A moving-window hit, under the storage's lock."""
        with self._write_lock:
            return super().acquire_entry(key, limit, expiry, amount)

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """A sliding-window hit, under the storage's lock."""
        with self._write_lock:
            return super().acquire_sliding_window_entry(key, limit, expiry, amount)


# Limits are read from the app's config on each request, so every app built by create_app
# (tests build many) gets its own figures.
limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[lambda: current_app.config["RATELIMIT_DEFAULT"]],
    default_limits_exempt_when=lambda: request.endpoint == "static",
)
