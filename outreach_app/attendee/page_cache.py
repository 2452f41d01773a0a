"""The attendee page's render caches: each page is rendered once per process, not per opening.

Everything on a copy's page but the copy's token and the CSRF token is the same for every copy
of a print run (its ``page`` and handout versions never change), so the page is rendered once
per run, version, language, mode and outcome with markers in place of those two, and each
answer fills them in. The templates' ``_`` is kept per language too. The busy moment is a hall
of people scanning at once, and rendering the template costs far more than two replacements.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from flask_babel import force_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

# Pages kept per process; when full the cache starts again (a few KB each).
PAGE_CACHE_SIZE = 512
# Stand-ins for the per-copy values while a page is rendered for the cache: random per process,
# in characters that URLs and HTML leave as they are, so no text can contain them by chance.
_TOKEN_MARK = "m" + secrets.token_hex(16)
_CSRF_MARK = "m" + secrets.token_hex(16)
_CACHE_KEY = "attendee_pages"


def copy_page_html(
    key: Hashable | None,
    render: Callable[[str, str], str],
    token: str,
    csrf_token: Callable[[], str],
) -> str:
    """The page ``render(token_mark, csrf_mark)`` makes, with the marks replaced by the copy's
    ``token`` and a fresh ``csrf_token()``; rendered once per ``key`` (None: not kept, as for
    a page that echoes what the attendee typed)."""
    cache: dict[Hashable, str] = current_app.extensions.setdefault(_CACHE_KEY, {})
    html = cache.get(key) if key is not None else None
    if html is None:
        html = render(_TOKEN_MARK, _CSRF_MARK)
        if key is not None:
            if len(cache) >= PAGE_CACHE_SIZE:
                cache.clear()
            cache[key] = html
    return html.replace(_TOKEN_MARK, token).replace(_CSRF_MARK, csrf_token())


def catalog_gettext(lang: str) -> Callable[..., str]:
    """The templates' ``_`` for ``lang``: the catalog is looked up once per process, so each
    string costs a dictionary lookup on this busy page (Jinja's new-style gettext otherwise)."""
    cache = current_app.extensions.setdefault("attendee_gettext", {})
    if lang not in cache:
        with force_locale(lang):
            translations = get_translations()

        @pass_context
        def gettext(context, message: str, **variables: Any) -> str:
            text = translations.gettext(message)
            if context.eval_ctx.autoescape:
                # Catalog text is trusted markup, as in Jinja's own gettext; variables
                # formatted into it below are escaped.
                text = Markup(text)  # noqa: S704
            return text % variables if variables else text

        cache[lang] = gettext
    return cache[lang]
