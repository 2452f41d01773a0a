"""Which language and time zone a request is shown in: zh_CN unless the user chose English."""

from flask import current_app, request

LANG_COOKIE = "outreach_lang"


def select_locale() -> str:
    """``?lang=`` first, then the language cookie, then the default (zh_CN)."""
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
