"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


def rate_limit_key() -> str:
    """Logged-in staff are counted per account (a branch shares one address), others per address."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()


# Limits are read from the app's config on each request, so every app built by create_app
# (tests build many) gets its own figures.
limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[lambda: current_app.config["RATELIMIT_DEFAULT"]],
    default_limits_exempt_when=lambda: request.endpoint == "static",
)
