"""The event list, the calendar, exports and the private calendar feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.downloads import content_disposition
from outreach_app.core.pagination import parse_page
from outreach_app.core.roles import Role
from outreach_app.events.models import EVENT_STATUS_LABELS
from outreach_app.extensions import db, limiter
from outreach_app.schedule.calendar import (
    CalendarPeriod,
    month_period,
    parse_month,
    week_period,
)
from outreach_app.schedule.exports import (
    XLSX_MAX_ROWS,
    csv_chunks,
    export_rows,
    header,
    xlsx_workbook,
)
from outreach_app.schedule.feed import (
    feed_calendar,
    feed_events,
    feed_token,
    renew_feed,
    turn_off_feed,
    user_for_token,
)
from outreach_app.schedule.services import (
    COUNT_CAP,
    MAX_PAGE,
    EventFilters,
    event_page,
    filter_choices,
    parse_date,
    parse_filters,
)

bp = Blueprint("schedule", __name__)

# Calendar apps poll a few times an hour; more than this from one address is not a calendar.
FEED_LIMIT = "60 per hour"
INDENT = "\u00a0\u00a0\u00a0"


def _user() -> User:
    return current_user._get_current_object()


def _today() -> date:
    """Today in the bank's time zone, the zone event times are written in."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _filter_options(user: User, filters: EventFilters) -> dict[str, list[tuple[str, str]]]:
    """The choices of each select in the filter bar as (value, label) pairs."""
    choices = filter_choices(user, filters)
    return {
        "kind": [(kind.code, kind.name) for kind in choices.kinds],
        "status": [(status.value, str(label)) for status, label in EVENT_STATUS_LABELS.items()],
        "group": [(str(g.id), g.name) for g in choices.groups],
        "topic": [(str(t.id), t.name) for t in choices.topics],
        "region": [(str(r.id), INDENT * depth + r.name) for r, depth in choices.regions],
        "partner": [(str(p.id), p.name) for p in choices.partners],
    }


@bp.app_template_filter("date_skeleton")
def date_skeleton(day: date, skeleton: str) -> str:
    """``day`` in the current language's form of a CLDR skeleton ("MMMd": 11月27日 or Nov 27)."""
    return format_skeleton(skeleton, day, locale=get_locale())


def _period_title(period: CalendarPeriod) -> str:
    """The period's heading: 2026年11月 or November 2026; a week's first and last day."""
    locale = get_locale()
    if period.view == "week":
        last = period.first + timedelta(days=6)
        return format_interval(period.first, last, "yMMMd", locale=locale)
    return format_skeleton("yMMMM", period.first, locale=locale)


@bp.route("/")
@login_required
def list_events():
    """Events in the user's scope: filters, sorting and pages of 25."""
    user = _user()
    filters = parse_filters(user, request.args)
    page = event_page(
        user,
        filters,
        parse_page(request.args.get("page"), MAX_PAGE),
        current_app.config["PER_PAGE"],
        count_cap=current_app.config.get("EVENT_COUNT_CAP", COUNT_CAP),
    )
    return render_template(
        "schedule/list.html",
        filters=filters,
        options=_filter_options(user, filters),
        page=page,
        show_branch=user.role is not Role.STAFF,
    )


@bp.route("/calendar")
@login_required
def calendar():
    """The month calendar (``?month=YYYY-MM``) or a week (``?view=week&date=YYYY-MM-DD``)."""
    user = _user()
    today = _today()
    filters = parse_filters(user, request.args)
    if request.args.get("view") == "week":
        day = parse_date(request.args.get("date")) or today
        period = week_period(user, filters, day, today)
    else:
        period = month_period(user, filters, parse_month(request.args.get("month"), today), today)
    return render_template(
        "schedule/calendar.html",
        period=period,
        filters=filters,
        options=_filter_options(user, filters),
        status_labels=EVENT_STATUS_LABELS,
        title=_period_title(period),
    )


def _export_name(extension: str) -> str:
    return f"events-{_today():%Y%m%d}.{extension}"


@bp.route("/export.csv")
@login_required
def export_csv():
    """Every matching event as CSV (UTF-8 with BOM), streamed as it is read."""
    filters = parse_filters(_user(), request.args)
    user_id = current_user.id

    def chunks() -> Iterator[str]:
        # The request's session has closed when streaming starts: load the user afresh.
        user = db.session.get(User, user_id)
        yield from csv_chunks(header(), export_rows(user, filters))

    return Response(
        stream_with_context(chunks()),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(_export_name("csv"))},
    )


@bp.route("/export.xlsx")
@login_required
def export_xlsx():
    """Matching events as an Excel workbook, at most XLSX_MAX_ROWS of them."""
    user = _user()
    filters = parse_filters(user, request.args)
    max_rows = current_app.config.get("EVENT_XLSX_MAX_ROWS", XLSX_MAX_ROWS)
    workbook = xlsx_workbook(header(), export_rows(user, filters), max_rows=max_rows)
    return Response(
        workbook.content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition(_export_name("xlsx"))},
    )


def _feed_url(user: User) -> str | None:
    token = feed_token(user, current_app.secret_key)
    if token is None:
        return None
    path = url_for("schedule.calendar_feed_ics", token=token)
    return current_app.config["PUBLIC_BASE_URL"] + path


@bp.route("/feed")
@login_required
def calendar_feed():
    """The user's private calendar address, and buttons to renew or turn it off."""
    feed_url = _feed_url(_user())
    webcal_url = None
    if feed_url is not None:
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render_template("schedule/feed.html", feed_url=feed_url, webcal_url=webcal_url)


@bp.route("/feed/renew", methods=["POST"])
@login_required
def renew_calendar_feed():
    """Create the feed address, or replace it: the old address stops working at once."""
    user = _user()
    had_feed = user.calendar_feed_version > 0
    renew_feed(user)
    db.session.commit()
    if had_feed:
        flash(_("You have a new calendar address. The old one no longer works."), "success")
    else:
        flash(_("Your calendar address is ready. Add it to your calendar app."), "success")
    return redirect(url_for(".calendar_feed"))


@bp.route("/feed/off", methods=["POST"])
@login_required
def turn_off_calendar_feed():
    """Turn the feed off: its address stops working."""
    if turn_off_feed(_user()):
        db.session.commit()
        flash(_("Your calendar feed is off. Its address no longer works."), "success")
    else:
        flash(_("Your calendar feed is off already."), "info")
    return redirect(url_for(".calendar_feed"))


@bp.route("/feed/<token>.ics")
@limiter.limit(
    lambda: current_app.config.get("CALENDAR_FEED_LIMIT", FEED_LIMIT), override_defaults=False
)
def calendar_feed_ics(token: str):
    """The ICS file behind a feed address; no login, the signed token is the key."""
    user = user_for_token(token, current_app.secret_key)
    if user is None:
        abort(404)
    config = current_app.config
    content = feed_calendar(
        feed_events(user, _today()),
        base_url=config["PUBLIC_BASE_URL"],
        timezone=config["TIMEZONE"],
        name=_("Outreach: my events"),
    )
    return Response(
        content,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": content_disposition("outreach.ics", "inline"),
            "Cache-Control": "private, no-store",
        },
    )
