"""Creating, editing and following one event through its lifecycle."""

from flask import Blueprint

bp = Blueprint("events", __name__)
