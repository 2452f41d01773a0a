"""Coverage pages for regional heads, staff and administrators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coverage", __name__)
