"""Recording online and media reach in a user's scope; these flush, the caller commits.

An item belongs to a branch and, optionally, to one of that branch's events. Its reads, views
and forwards are counts the outlet reports (never required: a newspaper has none); coverage
counts them through ``coverage.figures`` (its ``REACH`` source), so nothing here touches the
rollups: the session hooks recount an item's event, or its branch's region and month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.ids import parse_id
from outreach_app.core.months import Month
from outreach_app.core.roles import Role
from outreach_app.core.scope import scoped_select
from outreach_app.core.validation import ServiceError
from outreach_app.events.models import Event, EventStatus
from outreach_app.extensions import db
from outreach_app.reach.models import (
    OUTLET_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    ReachItem,
    ReachKind,
)
from outreach_app.regions.models import Branch
from outreach_app.regions.queries import branch_in_scope

# The most one item can report: more than any outlet's single article, far below what the
# rollups' integer columns can sum.
MAX_COUNT = 10_000_000
# Items older than this are not outreach records any more but typing mistakes.
EARLIEST_DAY = date(2000, 1, 1)
# How many of a branch's events the event choice offers (the latest first).
EVENT_CHOICES = 200

# The form shows these too, so each rule says the same words wherever it is checked.
CHOOSE_KIND = _l("Choose a kind from the list.")
ENTER_OUTLET = _l("Enter the account, site, paper or station.")
OUTLET_TOO_LONG = _l("Use at most %(num)d characters.", num=OUTLET_MAX_LENGTH)
TITLE_TOO_LONG = _l("Use at most %(num)d characters.", num=TITLE_MAX_LENGTH)
ENTER_DATE = _l("Enter the date it was published.")
DATE_IN_FUTURE = _l("The date cannot be in the future.")
DATE_TOO_EARLY = _l("Enter a date from 2000 on.")
COUNT_MESSAGE = _l("Enter a whole number from 0 to 10,000,000, or leave it blank.")
URL_TOO_LONG = _l(
    "The web address is too long: use at most %(num)d characters.", num=URL_MAX_LENGTH
)
URL_SCHEME = _l("Enter a web address starting with http:// or https://.")
URL_SPACES = _l("A web address has no spaces or line breaks.")
URL_CHARACTERS = _l("A web address cannot contain < > \" ' ` \\ or { }.")
URL_HOST = _l("Enter the whole web address, with the site's name after http:// or https://.")
URL_CREDENTIALS = _l("Leave out any user name or password from the web address.")
CHOOSE_EVENT = _l("Choose an event of this branch that was not cancelled, or none.")
CHOOSE_BRANCH = _l("Choose a branch in your area.")

_URL_REFUSED = set("<>\"'`\\{}")


@dataclass(frozen=True)
class ReachDetails:
    """What a user enters about an item; the event and branch ids are checked on saving."""

    kind: str
    outlet: str
    published_on: date | None
    title: str = ""
    url: str = ""
    reads: int | None = None
    forwards: int | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class ReachFilters:
    """The branch list's filters, already checked: unknown values are None."""

    kind: ReachKind | None = None
    month: Month | None = None
    branch: Branch | None = None

    @property
    def is_active(self) -> bool:
        """True when anything narrows the list."""
        return bool(self.kind or self.month or self.branch)


def parse_kind(value: Any) -> ReachKind | None:
    """The reach kind named by ``value``, or None if there is no such kind."""
    try:
        return ReachKind(value)
    except ValueError:
        return None


def check_url(text: str) -> str:
    """The web address to store: blank, or an absolute http(s) address with a host name
    (international names such as 例子.中国 too); anything else raises ServiceError on ``url``.

    Only http and https are ever linked: ``javascript:`` or ``data:`` would run or show
    anything, and a user name before the host is a known way to disguise where a link goes.
    """
    url = text or ""
    if not url:
        return ""
    if len(url) > URL_MAX_LENGTH:
        raise ServiceError(str(URL_TOO_LONG), field="url")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ServiceError(str(URL_SPACES), field="url")
    if _URL_REFUSED & set(url):
        raise ServiceError(str(URL_CHARACTERS), field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ServiceError(str(URL_HOST), field="url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not url.lower().startswith(f"{scheme}://"):
        raise ServiceError(str(URL_SCHEME), field="url")
    if parts.username is not None or parts.password is not None:
        raise ServiceError(str(URL_CREDENTIALS), field="url")
    if not host or not _is_host_name(host):
        raise ServiceError(str(URL_HOST), field="url")
    return url


def _is_host_name(host: str) -> bool:
    """A host name with at least one dot whose labels IDNA can encode (or an IP address)."""
    if host.startswith("[") or host.replace(".", "").isdigit():
        return True
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return False
    try:
        encoded = [label.encode("idna") for label in labels]
    except UnicodeError:
        return False
    return all(
        0 < len(label) <= 63 and all(chr(b).isalnum() or chr(b) == "-" for b in label)
        for label in encoded
    )


def _checked(details: ReachDetails, today: date) -> dict[str, Any]:
    """The columns to store for ``details``, or ServiceError naming every field at fault."""
    problems: dict[str, str] = {}
    kind = parse_kind(details.kind)
    if kind is None:
        problems["kind"] = str(CHOOSE_KIND)
    outlet = (details.outlet or "").strip()
    if not outlet:
        problems["outlet"] = str(ENTER_OUTLET)
    elif len(outlet) > OUTLET_MAX_LENGTH:
        problems["outlet"] = str(OUTLET_TOO_LONG)
    title = (details.title or "").strip()
    if len(title) > TITLE_MAX_LENGTH:
        problems["title"] = str(TITLE_TOO_LONG)
    day = details.published_on
    if day is None:
        problems["published_on"] = str(ENTER_DATE)
    elif day > today:
        problems["published_on"] = str(DATE_IN_FUTURE)
    elif day < EARLIEST_DAY:
        problems["published_on"] = str(DATE_TOO_EARLY)
    for name in ("reads", "forwards"):
        value = getattr(details, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT
        ):
            problems[name] = str(COUNT_MESSAGE)
    try:
        url = check_url(details.url)
    except ServiceError as error:
        problems.update(error.problems)
        url = ""
    if problems:
        raise ServiceError(problems)
    return {
        "kind": kind,
        "outlet": outlet,
        "title": title,
        "published_on": day,
        "url": url,
        "reads": details.reads,
        "forwards": details.forwards,
    }


def event_choices(user: User, branch: Branch) -> list[Event]:
    """The events of ``branch`` an item may belong to: in ``user``'s scope, not cancelled,
    the latest first."""
    stmt = (
        scoped_select(Event, user)
        .where(Event.branch_id == branch.id, Event.status != EventStatus.CANCELLED)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(EVENT_CHOICES)
    )
    return list(db.session.scalars(stmt))


def _checked_event(user: User, branch: Branch, event_id: Any) -> Event | None:
    """The event to link: None for none; an event of ``branch`` in scope, not cancelled."""
    if event_id in (None, "", 0):
        return None
    key = parse_id(event_id)
    event = None
    if key is not None:
        stmt = scoped_select(Event, user).where(Event.id == key)
        event = db.session.execute(stmt).scalar_one_or_none()
    if event is None or event.branch_id != branch.id or event.status is EventStatus.CANCELLED:
        raise ServiceError(str(CHOOSE_EVENT), field="event_id")
    return event


def branch_for_new_item(user: User, branch_id: Any) -> Branch:
    """The branch a new item belongs to: staff's own; for heads and administrators the one
    chosen, inside their scope."""
    if user.role is Role.STAFF:
        branch = branch_in_scope(user, user.branch_id)
    else:
        branch = branch_in_scope(user, branch_id)
    if branch is None:
        raise ServiceError(str(CHOOSE_BRANCH), field="branch_id")
    return branch


def create_item(user: User, branch: Branch, details: ReachDetails, today: date) -> ReachItem:
    """Record an item of ``branch`` (already checked to be in ``user``'s scope), or raise
    ServiceError naming the fields at fault."""
    values = _checked(details, today)
    event = _checked_event(user, branch, details.event_id)
    item = ReachItem(
        **values,
        branch=branch,
        region_id=branch.region_id,
        event_id=event.id if event is not None else None,
        created_by=user,
    )
    db.session.add(item)
    db.session.flush()
    record(
        "reach_item.create",
        item,
        actor=user,
        kind=item.kind.value,
        branch_id=branch.id,
        event_id=item.event_id,
        reads=item.reads,
        forwards=item.forwards,
    )
    return item


def update_item(user: User, item: ReachItem, details: ReachDetails, today: date) -> dict[str, Any]:
    """Change ``item`` as ``details`` say (its branch stays); returns what changed."""
    values = _checked(details, today)
    event = _checked_event(user, item.branch, details.event_id)
    values["event_id"] = event.id if event is not None else None
    changes = {
        name: [_logged(getattr(item, name)), _logged(value)]
        for name, value in values.items()
        if getattr(item, name) != value
    }
    if not changes:
        return changes
    for name, value in values.items():
        setattr(item, name, value)
    # The relationship too, so that the flush does not put back the event it still holds; the
    # rollups read the column's history.
    item.event = event
    db.session.flush()
    record("reach_item.update", item, actor=user, changes=changes)
    return changes


def _logged(value: Any) -> Any:
    """A value as the audit log's JSON holds it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ReachKind):
        return value.value
    return value


def delete_item(user: User, item: ReachItem) -> None:
    """Remove ``item``; the audit log keeps what it was."""
    record(
        "reach_item.delete",
        item,
        actor=user,
        kind=item.kind.value,
        outlet=item.outlet,
        published_on=item.published_on.isoformat(),
        event_id=item.event_id,
        reads=item.reads,
        forwards=item.forwards,
    )
    db.session.delete(item)
    db.session.flush()


def reach_list_query(user: User, filters: ReachFilters) -> Select[tuple[ReachItem]]:
    """The items ``user`` may see that match ``filters``, newest first, for pagination."""
    stmt = scoped_select(ReachItem, user).options(
        selectinload(ReachItem.branch), selectinload(ReachItem.event)
    )
    if filters.kind is not None:
        stmt = stmt.where(ReachItem.kind == filters.kind)
    if filters.month is not None:
        stmt = stmt.where(
            ReachItem.published_on >= filters.month.first_day,
            ReachItem.published_on < (filters.month + 1).first_day,
        )
    if filters.branch is not None:
        stmt = stmt.where(ReachItem.branch_id == filters.branch.id)
    return stmt.order_by(ReachItem.published_on.desc(), ReachItem.id.desc())


def event_items(event: Event) -> list[ReachItem]:
    """The items of ``event`` (already checked to be in scope), newest first."""
    stmt = (
        select(ReachItem)
        .where(ReachItem.event_id == event.id)
        .order_by(ReachItem.published_on.desc(), ReachItem.id.desc())
    )
    return list(db.session.scalars(stmt))


def reach_panel(event: Event, user: User) -> dict[str, Any]:
    """The event page's "Online and media reach" section: its items and their totals."""
    items = event_items(event)
    return {
        "reach_items": items,
        "reach_reads": sum(item.reads or 0 for item in items),
        "reach_forwards": sum(item.forwards or 0 for item in items),
        "may_add_reach": event.status is not EventStatus.CANCELLED,
    }
