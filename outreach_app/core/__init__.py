"""Cross-cutting pieces that every area builds on and that import no area: roles and scope
with the access decorators, ids, the form base classes with their text cleaners and
``show_errors``, the one ``ServiceError``, months, database types, pagination, downloads,
security headers, error pages, locale and the language switch, request retries."""
