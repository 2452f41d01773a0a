"""The private calendar feed: a signed, revocable address per user and the ICS file behind it.

The address carries ``[user id, calendar_feed_version]`` signed with the app's secret key.
Raising the version (a new address) or setting it to 0 (feed off) makes older addresses fail
the version check, so nothing needs to be stored besides the number. A password change, a
deactivation or a new role or scope turns the feed off (``auth.sessions.revoke_sessions``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from outreach_app.auth.models import User
from outreach_app.auth.user_tokens import CALENDAR_FEED
from outreach_app.core.scope import scope_clause, scope_of
from outreach_app.core.types import utcnow
from outreach_app.events.models import Event, EventStatus, event_staff
from outreach_app.extensions import db

PAST_DAYS = 60
FUTURE_DAYS = 365
# Calendar apps ask again after this long (they may ask less often).
REFRESH_INTERVAL = timedelta(hours=1)
FEED = CALENDAR_FEED

ICS_STATUS = {
    EventStatus.PLANNED: "TENTATIVE",
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.COMPLETED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
}


def feed_token(user: User, secret_key: str) -> str | None:
    """The token of ``user``'s current feed address, or None when the feed is off."""
    return FEED.token_for(user, secret_key)


def user_for_token(token: str, secret_key: str) -> User | None:
    """The active user whose current feed ``token`` is; None for anything else.

    Forged, tampered, revoked, old-version, inactive users' and closed branches' staff's tokens
    all end in the same None.
    """
    return FEED.user_for(token, secret_key)


def renew_feed(user: User) -> int:
    """Give ``user`` a new feed address (the old one stops working); returns the new version.

    A running feed's version goes up by one; a feed turned on (again) gets a random version,
    since versions it had before it was turned off are forgotten and must not come back.
    """
    return FEED.renew(user)


def turn_off_feed(user: User) -> bool:
    """Stop ``user``'s feed; False if it was off already."""
    return FEED.revoke(user)


def feed_events(user: User, today: date) -> list[Event]:
    """The events ``user`` is assigned to and may see, from PAST_DAYS ago to FUTURE_DAYS ahead.

    Cancelled events stay in the feed marked as cancelled, so calendar apps show the change.
    """
    start = datetime.combine(today - timedelta(days=PAST_DAYS), time())
    end = datetime.combine(today + timedelta(days=FUTURE_DAYS + 1), time())
    assigned = exists().where(event_staff.c.event_id == Event.id, event_staff.c.user_id == user.id)
    stmt = (
        select(Event)
        .where(
            assigned,
            scope_clause(Event, scope_of(user)),
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id)
        .options(
            selectinload(Event.partner),
            selectinload(Event.region),
            selectinload(Event.target_groups),
            selectinload(Event.topics),
        )
    )
    return list(db.session.execute(stmt).scalars())


def feed_calendar(events: list[Event], base_url: str, timezone: str, name: str) -> bytes:
    """An iCalendar file of ``events``; times carry the bank's time zone (with its VTIMEZONE)."""
    zone = ZoneInfo(timezone)
    host = urlsplit(base_url).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Outreach//Calendar feed//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    stamp = utcnow()
    separator = _(", ")
    for event in events:
        item = IcsEvent()
        item.add("uid", f"event-{event.id}@{host}")
        item.add("dtstamp", stamp)
        item.add("last-modified", event.updated_at)
        item.add("dtstart", event.starts_at.replace(tzinfo=zone))
        item.add("dtend", event.ends_at.replace(tzinfo=zone))
        item.add("summary", event.title)
        item.add("status", ICS_STATUS[event.status])
        # A private venue (someone's home) stays on the event page; the feed names the area.
        venue = "" if event.has_private_venue else event.venue
        location = separator.join(part for part in (venue, event.region.name) if part)
        if location:
            item.add("location", location)
        link = f"{base_url}/events/{event.id}"
        item.add("url", link)
        item.add("description", _description(event, separator, link))
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _description(event: Event, separator: str, link: str) -> str:
    lines = []
    if event.partner is not None:
        lines.append(_("Partner: %(name)s", name=event.partner.name))
    if event.target_groups:
        groups = separator.join(group.name for group in event.target_groups)
        lines.append(_("Target groups: %(names)s", names=groups))
    if event.topics:
        lines.append(_("Topics: %(names)s", names=separator.join(t.name for t in event.topics)))
    if event.status is EventStatus.CANCELLED and event.cancel_reason:
        lines.append(_("Cancelled: %(reason)s", reason=event.cancel_reason))
    lines.append(link)
    return "\n".join(lines)
