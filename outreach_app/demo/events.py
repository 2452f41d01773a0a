"""Generating many events quickly: plain tuples, precomputed choices, chunked driver inserts.

Events are made day by day in date order, so ids follow start times and the ``starts_at``
indexes grow at their end. Everything a single event needs (title lists, group and topic
combinations, staff pairs, encoded timestamps) is prepared once per slot or memoised.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from outreach_app.demo.activities import (
    CANCEL_REASONS,
    MARCH_PREFIX,
    SEPTEMBER_PREFIX,
    Activity,
)
from outreach_app.demo.bulk import datetime_encoder, insert_rows
from outreach_app.events.models import Event, EventStatus, event_staff, event_target_group
from outreach_app.events.models import event_topic as event_topic_table

PAST_DAYS = 365
FUTURE_DAYS = 61
CHUNK_SIZE = 20_000

EVENT_COLUMNS = (
    "id",
    "title",
    "kind",
    "status",
    "branch_id",
    "region_id",
    "partner_id",
    "venue",
    "starts_at",
    "ends_at",
    "expected_attendance",
    "notes",
    "cancel_reason",
    "created_by_id",
    "created_at",
    "updated_at",
)

# Spring Festival (the first day of the lunar year): schools are closed and outreach pauses.
SPRING_FESTIVAL = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
}

# Share of events by number of target groups and of topics (1, 2, 3).
GROUP_COUNT_WEIGHTS = (0.45, 0.4, 0.15)
TOPIC_COUNT_WEIGHTS = (0.3, 0.45, 0.25)
PAST_CANCELLED = 0.06
FUTURE_CANCELLED = 0.03


@dataclass(frozen=True)
class EventSlot:
    """A place events happen at: a partner (or a branch's own hall) and how often it is used."""

    branch_id: int
    region_id: int
    partner_id: int | None
    activity: Activity
    place: str  # what ``{p}`` stands for in the activity's templates
    place_short: str  # what ``{r}`` stands for
    weight: float


class CompletedEvent(NamedTuple):
    """What the attendee activity needs of a completed event (``start``: minutes from today)."""

    id: int
    start: int
    kind: str
    expected: int
    groups: tuple[int, ...]
    topics: tuple[int, ...]
    title: str = ""
    branch_id: int = 0
    partner_id: int | None = None


@dataclass
class EventCounts:
    """How many events and links were written."""

    events: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    group_links: int = 0
    topic_links: int = 0
    staff_links: int = 0


@dataclass(frozen=True)
class _Prepared:
    kind: str
    branch_id: int
    region_id: int
    partner_id: int | None
    titles: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # usual, March, September
    venues: tuple[str, ...]
    group_combos: tuple[tuple[int, ...], ...]
    group_cum: tuple[float, ...]
    topic_combos: tuple[tuple[int, ...], ...]
    topic_cum: tuple[float, ...]
    attendance_low: int
    attendance_span: int
    start_minutes: tuple[int, ...]
    durations: tuple[int, ...]
    staff: tuple[tuple[int, ...], ...]


def _weighted_combos(
    sizes: Sequence[tuple[tuple[int, ...], ...]], weights: Sequence[float]
) -> tuple[tuple[tuple[int, ...], ...], tuple[float, ...]]:
    """Flatten combinations grouped by size into one list with cumulative weights ending at 1."""
    combos: list[tuple[int, ...]] = []
    shares: list[float] = []
    for group, weight in zip(sizes, weights, strict=False):
        for combo in group:
            combos.append(combo)
            shares.append(weight / len(group))
    total = sum(shares)
    cumulative = list(itertools.accumulate(share / total for share in shares))
    cumulative[-1] = 1.0
    return tuple(combos), tuple(cumulative)


def _prepare(
    slot: EventSlot,
    group_ids: dict[str, int],
    topic_ids: dict[str, int],
    staff_by_branch: dict[int, list[int]],
) -> _Prepared:
    """Everything about ``slot`` that does not change from one of its events to the next."""
    activity = slot.activity
    usual = tuple(t.format(p=slot.place, r=slot.place_short) for t in activity.titles)
    main, *rest = (group_ids[code] for code in activity.groups)
    group_sizes = [((main,),), tuple((main, g) for g in rest)]
    group_sizes.append(tuple((main, *pair) for pair in itertools.combinations(rest, 2)))
    topics = [topic_ids[code] for code in activity.topics]
    topic_sizes = [tuple(itertools.combinations(topics, k)) for k in (1, 2, 3)]
    group_sizes = [sizes for sizes in group_sizes if sizes]
    staff = staff_by_branch[slot.branch_id]
    # About half the events have one member of staff, the others two; the first one created it.
    # A kind done by two (a home visit) always has two.
    singles = [(s,) for s in staff] * max(1, len(staff) - 1)
    staff_combos = list(itertools.permutations(staff, 2))
    if activity.min_staff < 2 or not staff_combos:
        staff_combos = singles + staff_combos
    group_combos, group_cum = _weighted_combos(group_sizes, GROUP_COUNT_WEIGHTS)
    topic_combos, topic_cum = _weighted_combos(topic_sizes, TOPIC_COUNT_WEIGHTS)
    return _Prepared(
        kind=activity.kind,
        branch_id=slot.branch_id,
        region_id=slot.region_id,
        partner_id=slot.partner_id,
        titles=(
            usual,
            usual + tuple(MARCH_PREFIX + t for t in usual),
            usual + tuple(SEPTEMBER_PREFIX + t for t in usual),
        ),
        venues=tuple(v.format(p=slot.place, r=slot.place_short) for v in activity.venues),
        group_combos=group_combos,
        group_cum=group_cum,
        topic_combos=topic_combos,
        topic_cum=topic_cum,
        attendance_low=activity.attendance[0],
        attendance_span=activity.attendance[1] - activity.attendance[0] + 1,
        start_minutes=activity.start_minutes,
        durations=activity.durations,
        staff=tuple(staff_combos),
    )


def is_school_holiday(day: date) -> bool:
    """Winter and summer school holidays, roughly as Qingdao's schools keep them."""
    md = (day.month, day.day)
    return (1, 15) <= md <= (2, 20) or (7, 10) <= md <= (8, 31)


def season_factor(day: date, days_ahead: int) -> float:
    """How busy outreach is on ``day``: 3·15 month, September, holidays, and planning horizon."""
    factor = {3: 1.5, 6: 1.15, 9: 1.4}.get(day.month, 1.0)
    if day.month == 10 and day.day <= 7:
        factor *= 0.15  # National Day week
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None and -3 <= (day - festival).days <= 6:
        factor *= 0.1
    if days_ahead >= 0:  # the further ahead, the less has been planned yet
        factor *= max(0.25, 1.0 - days_ahead / 80)
    return factor


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` over ``weights`` in whole numbers (largest remainders), exactly."""
    weight_sum = sum(weights)
    shares = [total * w / weight_sum for w in weights]
    counts = [int(share) for share in shares]
    missing = total - sum(counts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[:missing]:
        counts[i] += 1
    return counts


class _Clock:
    """Encoded timestamps for minutes counted from ``today`` 00:00 local time, memoised."""

    def __init__(self, conn: Connection, today: date, timezone: ZoneInfo) -> None:
        self._midnight = datetime.combine(today, time())
        self._timezone = timezone
        self._encode = datetime_encoder(conn)
        self._local: dict[int, Any] = {}
        self._utc: dict[int, Any] = {}

    def local(self, minute: int) -> Any:
        """The local wall-clock time (naive), as the driver wants it."""
        value = self._local.get(minute)
        if value is None:
            value = self._local[minute] = self._encode(self._midnight + timedelta(minutes=minute))
        return value

    def utc(self, minute: int) -> Any:
        """The same instant in UTC (naive, as UTCDateTime stores it), as the driver wants it."""
        value = self._utc.get(minute)
        if value is None:
            moment = (self._midnight + timedelta(minutes=minute)).replace(tzinfo=self._timezone)
            naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
            value = self._utc[minute] = self._encode(naive_utc)
        return value


def generate_events(
    conn: Connection,
    rng: Random,
    *,
    n_events: int,
    first_id: int,
    today: date,
    timezone: ZoneInfo,
    slots: Sequence[EventSlot],
    staff_by_branch: dict[int, list[int]],
    group_ids: dict[str, int],
    topic_ids: dict[str, int],
    progress: Callable[[int, int], None] | None = None,
    completed: list[CompletedEvent] | None = None,
) -> EventCounts:
    """Write ``n_events`` events and their links, dated from a year ago to two months ahead.

    With ``completed``, each completed event is also appended to it, for the attendee activity
    that follows (see ``demo.activity``).
    """
    prepared = [_prepare(slot, group_ids, topic_ids, staff_by_branch) for slot in slots]
    # Slot weights for the four kinds of day: (weekend, school holiday).
    cum_weights: dict[tuple[bool, bool], list[float]] = {}
    day_capacity: dict[tuple[bool, bool], float] = {}
    for weekend, holiday in itertools.product((False, True), repeat=2):
        weights = [
            slot.weight
            * (slot.activity.weekend_weight if weekend else 1.0)
            * (0.0 if holiday and not slot.activity.in_school_holidays else 1.0)
            for slot in slots
        ]
        cum_weights[weekend, holiday] = list(itertools.accumulate(weights))
        day_capacity[weekend, holiday] = sum(weights)
    offsets = range(-PAST_DAYS, FUTURE_DAYS)
    day_kinds = []
    day_weights = []
    for offset in offsets:
        day = today + timedelta(days=offset)
        kind = (day.weekday() >= 5, is_school_holiday(day))
        day_kinds.append(kind)
        day_weights.append(season_factor(day, offset) * day_capacity[kind])
    per_day = _allocate(n_events, day_weights)

    clock = _Clock(conn, today, timezone)
    local, utc = clock.local, clock.utc
    random = rng.random
    completed_status, cancelled = EventStatus.COMPLETED.value, EventStatus.CANCELLED.value
    confirmed, planned = EventStatus.CONFIRMED.value, EventStatus.PLANNED.value
    n_reasons = len(CANCEL_REASONS)
    counts = EventCounts()
    events: list[tuple[Any, ...]] = []
    group_links: list[tuple[int, int]] = []
    topic_links: list[tuple[int, int]] = []
    staff_links: list[tuple[int, int]] = []
    event_id = first_id

    def flush() -> None:
        insert_rows(conn, Event.__table__, EVENT_COLUMNS, events)
        insert_rows(conn, event_target_group, ("event_id", "target_group_id"), group_links)
        insert_rows(conn, event_topic_table, ("event_id", "topic_id"), topic_links)
        insert_rows(conn, event_staff, ("event_id", "user_id"), staff_links)
        counts.group_links += len(group_links)
        counts.topic_links += len(topic_links)
        counts.staff_links += len(staff_links)
        events.clear()
        group_links.clear()
        topic_links.clear()
        staff_links.clear()
        if progress is not None:
            progress(counts.events, n_events)

    for offset, kind, count in zip(offsets, day_kinds, per_day, strict=True):
        if not count:
            continue
        day = today + timedelta(days=offset)
        season = 1 if day.month == 3 else 2 if day.month == 9 else 0
        day_minute = offset * 1440
        chosen = rng.choices(prepared, cum_weights=cum_weights[kind], k=count)
        starts = [p.start_minutes[int(random() * len(p.start_minutes))] for p in chosen]
        for i in sorted(range(count), key=starts.__getitem__):
            p = chosen[i]
            start = day_minute + starts[i]
            end = start + p.durations[int(random() * len(p.durations))]
            titles = p.titles[season]
            attendance = p.attendance_low + int(random() * p.attendance_span)
            staff = p.staff[int(random() * len(p.staff))]
            # Created 3–45 days ahead, in office hours; always before today.
            lead = 3 + int(random() * 43)
            created_day = offset - lead if offset < 0 else min(offset - lead, -2 - lead % 3)
            created = created_day * 1440 + 510 + 30 * int(random() * 18)
            roll = random()
            notes = cancel_reason = ""
            if offset < 0:
                if roll < PAST_CANCELLED:
                    status = cancelled
                    cancel_reason = CANCEL_REASONS[int(random() * n_reasons)]
                    cancel_day = max(offset - int(random() * 3), created_day + 1)
                    updated = cancel_day * 1440 + 600
                else:
                    status = completed_status
                    # The record is written after the event, at the latest last night.
                    updated = min(end + 30 * (1 + int(random() * 60)), -60)
                    if random() < 0.25:
                        handouts = attendance + int(random() * attendance)
                        notes = f"现场发放宣传折页{handouts}份，解答群众咨询{attendance // 3}人次。"
            elif roll < FUTURE_CANCELLED:
                status = cancelled
                cancel_reason = CANCEL_REASONS[int(random() * n_reasons)]
                updated = -1440 + 600
            elif roll < (0.7 if offset <= 14 else 0.2):
                status = confirmed
                updated = max(created + 1440, -1440 + 540)
            else:
                status = planned
                updated = created
            title = titles[int(random() * len(titles))]
            events.append(
                (
                    event_id,
                    title,
                    p.kind,
                    status,
                    p.branch_id,
                    p.region_id,
                    p.partner_id,
                    p.venues[int(random() * len(p.venues))],
                    local(start),
                    local(end),
                    attendance,
                    notes,
                    cancel_reason,
                    staff[0],
                    utc(created),
                    utc(updated),
                )
            )
            groups = p.group_combos[bisect_right(p.group_cum, random())]
            topics = p.topic_combos[bisect_right(p.topic_cum, random())]
            for group_id in groups:
                group_links.append((event_id, group_id))
            for topic_id in topics:
                topic_links.append((event_id, topic_id))
            if completed is not None and status == completed_status:
                completed.append(
                    CompletedEvent(
                        event_id,
                        start,
                        p.kind,
                        attendance,
                        groups,
                        topics,
                        title,
                        p.branch_id,
                        p.partner_id,
                    )
                )
            for user_id in staff:
                staff_links.append((event_id, user_id))
            counts.by_status[status] += 1
            counts.by_kind[p.kind] += 1
            counts.events += 1
            event_id += 1
            if len(events) >= CHUNK_SIZE:
                flush()
    if events:
        flush()
    return counts
