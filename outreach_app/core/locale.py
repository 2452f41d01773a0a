"""Which language and time zone a request is shown in: zh_CN unless the user chose English."""

from flask import current_app, has_request_context, request
from flask_babel import get_locale

LANG_COOKIE = "outreach_lang"


def select_locale() -> str:
    """``?lang=`` first, then the language cookie, then the default (zh_CN)."""
    if not has_request_context():  # flask commands speak English, like their --help
        return "en"
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every user works in the bank's time zone."""
    return current_app.config["TIMEZONE"]


def html_lang(locale: str) -> str:
    """The BCP 47 tag for ``<html lang>``: zh-CN or en."""
    return locale.replace("_", "-")


def current_language() -> str:
    """The configured language code in use: ``zh_CN`` or ``en`` (Babel says zh_Hans_CN)."""
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]
