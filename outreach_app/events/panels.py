"""The sections other areas add to an event's page: the post-event report, the print runs.

Those areas sit above events (they import events, not the other way round), so the event page
cannot ask for them itself. Each provides a function of the event and the user that returns
its template's variables, and the app factory registers it here, in the order of the page.
A panel is rendered from its own template, with ``event`` and those variables only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template
from markupsafe import Markup

from outreach_app.auth.models import User
from outreach_app.events.models import Event

# The variables of a panel's template for ``event`` as ``user`` sees it.
PanelContext = Callable[[Event, User], Mapping[str, Any]]

_PANELS = "events.page_panels"


@dataclass(frozen=True)
class EventPanel:
    """One section of the event page: its template and what fills it."""

    template: str
    context: PanelContext


def register_event_panel(app: Flask, template: str, context: PanelContext) -> None:
    """Show ``template`` on ``app``'s event pages, below the panels registered before it."""
    app.extensions.setdefault(_PANELS, []).append(EventPanel(template, context))


def render_event_panels(event: Event, user: User) -> list[Markup]:
    """The registered panels of ``event``'s page for ``user``, rendered, in page order."""
    panels: list[EventPanel] = current_app.extensions.get(_PANELS, [])
    rendered = []
    for panel in panels:
        html = render_template(panel.template, event=event, **panel.context(event, user))
        # Jinja escaped every value as it rendered the panel; the page must not do it again.
        rendered.append(Markup(html))  # noqa: S704
    return rendered
