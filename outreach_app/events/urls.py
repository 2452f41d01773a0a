"""The address of an event's page, for the views of other areas that link back to it (they may
import events, never its routes)."""

from __future__ import annotations

from flask import url_for

from outreach_app.events.models import Event


def event_page_url(event: Event) -> str:
    """Where to go back to after a change: the event's page."""
    return url_for("events.event_detail", event_id=event.id)
