"""Cross-cutting pieces: database types, security headers, error pages, locale, home page."""
