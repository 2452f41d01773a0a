"""The post-event report and the event's photos."""

from flask import Blueprint

bp = Blueprint("event_reports", __name__)
