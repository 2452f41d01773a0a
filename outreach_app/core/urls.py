"""Redirect targets that can only point back into this application."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path like ``/events?x=1``; None if it leaves the site."""
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
