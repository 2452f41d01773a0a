"""Keeping ``coverage_rollup`` equal to a full recount of the raw rows.

Two paths keep it current, inside the transaction that makes the change:

* Rare, structural changes (an event created, moved, re-dated, cancelled or completed; its
  groups, topics or attendance counts; a print run added or withdrawn; a change to any other
  source of ``coverage.figures`` that is not ``additive``) mark the event's
  (region, month) keys, old and new; before the commit those keys are recounted from the raw
  rows. Session listeners do the marking, so no service has to remember it. Rows of a source
  that belong to no event (``figures.Alone``: reach items of a branch) count under their own
  region and month as kind ``EVENTLESS_KIND``, and a change to one marks that key itself.
* Frequent, additive attendee actions (a scan, a check-in, a quiz, a feedback) add their delta
  to the event's rows with one upsert each (``count_row`` and ``bump``), right after the row is
  inserted.

What is counted, and how, is ``coverage.figures``: ``recount`` runs each source's part of the
SQL, ``count_row`` adds what one row adds. The app factory registers both paths
(``register_session_hooks``, and ``count_row`` with the attendee services), so they are on
wherever the app is. ``rebuild_all`` recounts everything (after bulk loads such as the demo
data), and ``recount`` computes the same figures from scratch for tests to compare with.

Lock order. Sibling events (same branch, kind and month, regions under one parent) share the
subtree rows of every region above them, so two transactions that write those rows in
different orders can deadlock on PostgreSQL. Every transaction therefore locks in one order:

1. (region, month) keys, in order, as PostgreSQL advisory locks (``lock_events``, for a
   recount: events another transaction is adding to a key are not there to lock yet, and
   event-less rows have no event to lock);
2. events, by id (``lock_events``: a recount locks every event of its keys in one statement
   first; an attendee write share-locks its one event in ``target_of``);
3. rollup rows, by primary key (region, subtree, dim, month, kind, branch, dim id): ``bump``
   sorts its rows, ``refresh`` collects every subtree delta and adds them in one sorted
   executemany, and every insert or delete of rows locks and writes them in that order.

A key's own rows are written only by transactions that hold its events' locks (a recount
exclusively, attendee writes shared), so recounts of different keys never wait for each
other's own rows; the subtree rows are where the order matters. A transaction that wrote an
event before locking the others of its key (an edit flushes the event, then the commit
recounts) can still lose a deadlock to another such edit of the same key; the request then
runs again (``outreach_app.core.transactions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    event,
    false,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from outreach_app.core.months import Month, month_number_sql
from outreach_app.coverage.figures import (
    DIM_ALL,
    EVENTLESS_KIND,
    METRICS,
    SOURCES,
    Alone,
    Breakdown,
    Source,
    blank,
    counts_of,
    source_of,
)
from outreach_app.coverage.models import CoverageRollup
from outreach_app.events.models import Event, EventStatus
from outreach_app.regions.models import Region

Key = tuple[int, int]  # (region_id, YYYYMM)
RowKey = tuple[int, int, int, str, str, int]  # (region, branch, month, kind, dim, dim_id)

_PENDING = "coverage_pending_keys"
_PENDING_EVENTS = "coverage_pending_events"
_PENDING_TREE = "coverage_pending_tree"


def _in_keys(keys: Iterable[Key]) -> Any:
    """The SQL condition selecting the events (cancelled ones too) of these (region, month)
    keys."""
    parts = []
    for region_id, month in keys:
        span = Month.from_number(month)
        parts.append(
            and_(
                Event.region_id == region_id,
                Event.starts_at >= span.start,
                Event.starts_at < span.end,
            )
        )
    return or_(*parts) if parts else false()


def _key_filter(keys: Iterable[Key] | None) -> Any:
    """The SQL condition selecting the events that count in these (region, month) keys; None:
    all."""
    if keys is None:
        return Event.status != EventStatus.CANCELLED
    return and_(Event.status != EventStatus.CANCELLED, _in_keys(keys))


def _alone_filter(alone: Alone, keys: list[Key] | None) -> Any:
    """The SQL condition selecting a source's event-less rows that count in these (region,
    month) keys (None: all of them)."""
    if keys is None:
        return true()
    parts = []
    for region_id, month in keys:
        span = Month.from_number(month)
        parts.append(
            and_(
                alone.region == region_id,
                alone.day >= span.first_day,
                alone.day < (span + 1).first_day,
            )
        )
    return or_(*parts) if parts else false()


def recount(session: Session, keys: Iterable[Key] | None = None) -> dict[RowKey, dict[str, int]]:
    """Compute the rollup rows for ``keys`` (or everything) from the raw rows: for each source
    of ``coverage.figures``, one statement summing its counts per key, and one per breakdown;
    for a source with rows outside events, the same again for those rows."""
    key_list = None if keys is None else list(keys)
    where = _key_filter(key_list)
    rows: dict[RowKey, dict[str, int]] = defaultdict(blank)
    for source in SOURCES:
        counts = counts_of(source)
        if not counts:
            continue
        names = tuple(count.name for count in counts)
        statements = [
            (breakdown, _recount_statement(source, breakdown, counts).where(where))
            for breakdown in (None, *source.breakdowns)
        ]
        if source.alone is not None:
            alone_where = _alone_filter(source.alone, key_list)
            statements += [
                (breakdown, _alone_statement(source, breakdown, counts).where(alone_where))
                for breakdown in (None, *source.breakdowns)
                if breakdown is None or breakdown.table is None
            ]
        for breakdown, stmt in statements:
            dim = DIM_ALL if breakdown is None else breakdown.dim
            for record in session.execute(stmt):
                region_id, branch_id, mon, kind, dim_id, *values = record
                target = rows[(region_id, branch_id, int(mon), str(kind), dim, int(dim_id))]
                for name, value in zip(names, values, strict=True):
                    target[name] += int(value or 0)
    return {key: values for key, values in rows.items() if any(values.values())}


def _recount_statement(source: Source, breakdown: Breakdown | None, counts: Iterable[Any]) -> Any:
    """The statement summing ``counts`` of ``source``'s rows per (region, branch, month, kind)
    and dim id (0 without a breakdown), for the events the caller's WHERE selects."""
    base = (Event.region_id, Event.branch_id, month_number_sql(Event.starts_at), Event.kind)
    dim_id = literal_column("0") if breakdown is None else breakdown.column
    stmt = select(*base, dim_id, *(count.sql() for count in counts)).select_from(Event)
    if source.model is not Event:
        stmt = stmt.join(source.model, source.model.event_id == Event.id)
    group_by = base
    if breakdown is not None:
        if breakdown.table is not None:
            stmt = stmt.join(breakdown.table, breakdown.table.c.event_id == Event.id)
        stmt = stmt.where(breakdown.column.is_not(None))
        group_by = (*base, breakdown.column)
    return stmt.where(*source.where).group_by(*group_by)


def _alone_statement(source: Source, breakdown: Breakdown | None, counts: Iterable[Any]) -> Any:
    """The statement summing ``counts`` of ``source``'s rows that belong to no event, per their
    own (region, branch, month), as kind ``EVENTLESS_KIND``, and dim id, for the rows the
    caller's WHERE selects."""
    alone = source.alone
    assert alone is not None
    base = (alone.region, alone.branch, month_number_sql(alone.day))
    dim_id = literal_column("0") if breakdown is None else breakdown.column
    kind = literal(EVENTLESS_KIND)
    stmt = select(*base, kind, dim_id, *(count.sql() for count in counts))
    stmt = stmt.where(source.model.event_id.is_(None), *source.where)
    group_by = base
    if breakdown is not None:
        stmt = stmt.where(breakdown.column.is_not(None))
        group_by = (*base, breakdown.column)
    return stmt.group_by(*group_by)


def _own_key_filter(keys: list[Key]) -> Any:
    return and_(
        CoverageRollup.subtree.is_(False),
        or_(*(and_(CoverageRollup.region_id == r, CoverageRollup.month == m) for r, m in keys)),
    )


def stored(
    session: Session, keys: Iterable[Key] | None = None, subtree: bool = False
) -> dict[RowKey, dict[str, int]]:
    """The stored own rows (or, with ``subtree``, the subtree rows) in ``recount``'s shape;
    all-zero rows are left out."""
    stmt = select(CoverageRollup).where(CoverageRollup.subtree.is_(subtree))
    if keys is not None:
        key_list = list(keys)
        if not key_list:
            return {}
        stmt = stmt.where(_own_key_filter(key_list))
    result = {}
    for row in session.scalars(stmt):
        values = {name: getattr(row, name) for name in METRICS}
        if any(values.values()):
            key = (row.region_id, row.branch_id, row.month, row.kind, row.dim, row.dim_id)
            result[key] = values
    return result


def _region_paths(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Region.id, Region.path)).all())


def ancestors_or_self(path: str) -> list[int]:
    """The region ids on a materialised path such as ``/1/2/5/``, the region itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def subtree_totals(
    own: dict[RowKey, dict[str, int]], paths: dict[int, str]
) -> dict[RowKey, dict[str, int]]:
    """Sum own rows into a row for every enclosing region (the region itself included)."""
    totals: dict[RowKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for (region_id, *rest), values in own.items():
        for ancestor in ancestors_or_self(paths[region_id]):
            target = totals[(ancestor, *rest)]  # type: ignore[index]
            for name, value in values.items():
                target[name] += value
    return {k: v for k, v in totals.items() if any(v.values())}


_TABLE = CoverageRollup.__table__
_PRIMARY_KEY = tuple(column.name for column in _TABLE.primary_key.columns)


def _primary_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's place in the lock order: its primary key, column by column."""
    return tuple(row[name] for name in _PRIMARY_KEY)


def _row_dicts(rows: dict[RowKey, dict[str, int]], subtree: bool) -> list[dict[str, Any]]:
    """``rows`` (own rows, or subtree rows with ``subtree``) as the table's column values."""
    return [
        {
            "region_id": r,
            "subtree": subtree,
            "branch_id": b,
            "month": m,
            "kind": k,
            "dim": d,
            "dim_id": i,
            **dict.fromkeys(METRICS, 0),
            **values,
        }
        for (r, b, m, k, d, i), values in rows.items()
    ]


def _insert(session: Session, batch: list[dict[str, Any]]) -> None:
    """Insert new rows in primary key order."""
    batch = sorted(batch, key=_primary_key)
    for start in range(0, len(batch), 5000):
        session.execute(_TABLE.insert(), batch[start : start + 5000])


def _write(session: Session, rows: dict[RowKey, dict[str, int]], subtree: bool) -> None:
    _insert(session, _row_dicts(rows, subtree))


def _lock_rows(session: Session, where: Any) -> None:
    """On PostgreSQL, lock the rows matching ``where`` in primary key order, before a DELETE
    (which would lock them in whatever order its plan reads them). SQLite has one writer."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = [_TABLE.c[name] for name in _PRIMARY_KEY]
    session.execute(select(*key).where(where).order_by(*key).with_for_update())


@lru_cache(maxsize=64)
def _upsert_statement(dialect: str, names: tuple[str, ...]) -> Any:
    """The upsert adding the metrics ``names`` to a row, built once per dialect and metrics
    (building the ``excluded`` columns each time costs more than running the statement)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CoverageRollup.__table__
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + stmt.excluded[name] for name in names},
    )


def _add(session: Session, rows: list[dict[str, Any]], names: tuple[str, ...]) -> None:
    """Add the metrics ``names`` of each row to the stored row with its key (creating it if
    needed), in primary key order, in one executemany."""
    if rows:
        stmt = _upsert_statement(session.get_bind().dialect.name, names)
        session.execute(stmt, sorted(rows, key=_primary_key))


def refresh(session: Session, keys: Iterable[Key], *, subtree: bool = True) -> None:
    """Recount the own rows of these (region, month) keys and move the subtree rows of every
    enclosing region by the difference, inside the current transaction; without ``subtree``
    only the own rows (for a caller that rebuilds the subtree rows next)."""
    key_list = sorted(set(keys))
    if not key_list:
        return
    paths = _region_paths(session)
    # Every event lock first, then the rows: an attendee transaction that holds one of these
    # events may be waiting to bump a subtree row this refresh is about to write.
    lock_events(session, key_list)
    moved: dict[RowKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for start in range(0, len(key_list), 200):
        chunk = key_list[start : start + 200]
        own = _own_key_filter(chunk)
        _lock_rows(session, own)
        before = stored(session, chunk)
        after = recount(session, chunk)
        session.execute(delete(CoverageRollup).where(own))
        _write(session, after, subtree=False)
        for key in before.keys() | after.keys():
            old, new = before.get(key, {}), after.get(key, {})
            region_id, *rest = key
            for ancestor in ancestors_or_self(paths[region_id]):
                target = moved[(ancestor, *rest)]  # type: ignore[index]
                for name in METRICS:
                    target[name] += new.get(name, 0) - old.get(name, 0)
    if subtree:
        changed = {key: values for key, values in moved.items() if any(values.values())}
        _add(session, _row_dicts(changed, subtree=True), METRICS)


def event_key(event: Event) -> Key:
    """The (region, month) key an event counts in."""
    return event.region_id, Month.of(event.starts_at).number


def lock_events(session: Session, keys: Iterable[Key] | None) -> None:
    """On PostgreSQL, lock every event of these keys (None: every event) in id order, in one
    statement, before their rollups are recounted, so that no attendee row of theirs commits
    between the recount and the rewrite (attendee writes share-lock their event in
    ``target_of``). A change that will recount its event's key calls this before its first
    write, so that it takes the locks in the same order as the recount at commit.

    FOR NO KEY UPDATE, like an UPDATE of the event: it leaves alone the key-share locks that
    inserting an attendee row takes through its foreign key. SQLite has one writer at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    stmt = select(Event.id).order_by(Event.id)
    if keys is not None:
        key_list = sorted(set(keys))
        if not key_list:
            return
        # A key's events that other transactions are adding cannot be seen, let alone locked:
        # a lock on the key itself (in key order, before any event) makes two recounts of one
        # key take turns, where both would otherwise insert the same own rows.
        session.execute(_LOCK_KEY, [{"region_id": r, "month": m} for r, m in key_list])
        stmt = stmt.where(_in_keys(key_list))
    session.execute(stmt.with_for_update(key_share=True))


# Held until the transaction ends; the two numbers are the key's region id and YYYYMM month.
_LOCK_KEY = text("SELECT pg_advisory_xact_lock(:region_id, :month)")


def rebuild_tree(session: Session) -> int:
    """Recompute every subtree row from the own rows (after regions moved); return the count."""
    subtree_rows = CoverageRollup.subtree.is_(True)
    _lock_rows(session, subtree_rows)
    session.execute(delete(CoverageRollup).where(subtree_rows))
    rows = subtree_totals(stored(session), _region_paths(session))
    _write(session, rows, subtree=True)
    return len(rows)


def rebuild_all(session: Session) -> int:
    """Throw the rollups away and recount everything; return the number of own rows written."""
    lock_events(session, None)
    _lock_rows(session, true())
    session.execute(delete(CoverageRollup))
    rows = recount(session)
    subtree = subtree_totals(rows, _region_paths(session))
    _insert(session, _row_dicts(rows, subtree=False) + _row_dicts(subtree, subtree=True))
    return len(rows)


@dataclass(frozen=True)
class Target:
    """Where an event's figures are counted: its region (and path), branch, month and kind."""

    region_id: int
    region_path: str
    branch_id: int
    month: int
    kind: str
    counts: bool  # False for a cancelled event, which never counts


_EVENT_T = Event.__table__
_REGION_T = Region.__table__
_TARGET_OF = (
    select(
        _EVENT_T.c.region_id,
        _REGION_T.c.path,
        _EVENT_T.c.branch_id,
        _EVENT_T.c.starts_at,
        _EVENT_T.c.kind,
        _EVENT_T.c.status,
    )
    .join_from(_EVENT_T, _REGION_T, _REGION_T.c.id == _EVENT_T.c.region_id)
    .where(_EVENT_T.c.id == bindparam("event_id"))
)
_TARGET_OF_SHARED = _TARGET_OF.with_for_update(read=True, of=_EVENT_T)


def target_of(session: Session, event_id: int) -> Target | None:
    """The rollup target of an event, read fresh (one small query), or None if it is gone.

    Call it after the attendee row is written, in the same transaction, and bump this target
    rather than one read earlier: on SQLite the write already holds the database's write lock;
    on PostgreSQL the event row is share-locked, so a change to the event (which recounts its
    rollups under a row lock, see ``lock_events``) either waits for this transaction or has
    committed before this read.
    """
    shared = session.get_bind().dialect.name == "postgresql"
    row = session.execute(_TARGET_OF_SHARED if shared else _TARGET_OF, {"event_id": event_id})
    row = row.first()
    if row is None:
        return None
    return Target(
        region_id=row.region_id,
        region_path=row.path,
        branch_id=row.branch_id,
        month=Month.of(row.starts_at).number,
        kind=str(row.kind),
        counts=row.status != EventStatus.CANCELLED,
    )


def bump(
    session: Session,
    event_row: Event | Target,
    dim: str = DIM_ALL,
    dim_id: int = 0,
    *,
    also: Iterable[tuple[str, int]] = (),
    **deltas: int,
) -> None:
    """Add ``deltas`` to the event's own row and the subtree rows of every enclosing region,
    for ``dim``/``dim_id`` and for every further (dim, dim id) pair in ``also``, in one
    executemany."""
    if isinstance(event_row, Event):
        target = Target(
            region_id=event_row.region_id,
            region_path=event_row.region.path,
            branch_id=event_row.branch_id,
            month=Month.of(event_row.starts_at).number,
            kind=str(event_row.kind),
            counts=event_row.status is not EventStatus.CANCELLED,
        )
    else:
        target = event_row
    deltas = {name: value for name, value in deltas.items() if value}
    if not target.counts or not deltas:
        return
    zero = dict.fromkeys(METRICS, 0)
    ancestors = ancestors_or_self(target.region_path)
    rows = []
    for row_dim, row_dim_id in ((dim, dim_id), *also):
        key = {
            "branch_id": target.branch_id,
            "month": target.month,
            "kind": target.kind,
            "dim": row_dim,
            "dim_id": row_dim_id,
        }
        rows.append({**zero, "region_id": target.region_id, "subtree": False, **key, **deltas})
        rows += [
            {**zero, "region_id": ancestor, "subtree": True, **key, **deltas}
            for ancestor in ancestors
        ]
    # One prepared statement for the own row and every enclosing region's row (executemany),
    # in primary key order like every other write of these rows.
    _add(session, rows, tuple(sorted(deltas)))


def count_row(session: Session, model: type, values: Mapping[str, Any]) -> None:
    """Count one raw row just written (an attendee's scan, check-in, quiz or feedback) into its
    event's rollups: every count of its source in ``coverage.figures`` by what the row adds,
    for everything and for each breakdown the row has, in one ``bump``.

    Call it after the row is written, in the same transaction: the event's target is read
    then (``target_of``), so it counts where the event is now."""
    source = source_of(model)
    if source is None:
        return
    row = SimpleNamespace(**values)
    if not source.keeps(row):
        return
    deltas = {count.name: count.per_row(row) for count in counts_of(source)}
    also = [(b.dim, dim_id) for b in source.breakdowns for dim_id in b.ids_of(row)]
    target = target_of(session, values["event_id"])
    if target is not None:
        bump(session, target, also=also, **deltas)


# Marking structural changes ----------------------------------------------------------------------


def _event_keys(obj: Event) -> set[Key]:
    """The (region, month) keys an event counts in now and counted in before this flush."""
    keys: set[Key] = set()
    regions = attributes.get_history(obj, "region_id")
    starts = attributes.get_history(obj, "starts_at")
    for region_id in (*regions.deleted, *regions.unchanged, *regions.added):
        for starts_at in (*starts.deleted, *starts.unchanged, *starts.added):
            if region_id is not None and starts_at is not None:
                keys.add((region_id, Month.of(starts_at).number))
    return keys


def _source_row_events(obj: Any) -> list[Any]:
    """The events a raw row of a source counts for now and counted for before this flush: its
    event (the object, while a new row's ``event_id`` is not set yet) and any event it moved
    from."""
    event_obj = getattr(obj, "event", None)
    found: list[Any] = [event_obj if event_obj is not None else obj.event_id]
    found += attributes.get_history(obj, "event_id").deleted
    return [item for item in found if item is not None]


def _alone_keys(obj: Any, alone: Alone) -> set[Key]:
    """The (region, month) keys a row of an ``Alone`` source counts in as an event-less row,
    now and before this flush: none if it belongs, and belonged, to an event throughout."""
    events = attributes.get_history(obj, "event_id")
    was_alone = None in (*events.deleted, *events.unchanged)
    # Until the flush, a row unlinked through its ``event`` relationship keeps its old
    # event_id; a spare key (a pending row whose event is not loaded) costs one recount.
    is_alone = None in events.added or getattr(obj, "event", obj.event_id) is None
    if not (was_alone or is_alone):
        return set()
    keys: set[Key] = set()
    regions = attributes.get_history(obj, alone.region.key)
    days = attributes.get_history(obj, alone.day.key)
    for region_id in (*regions.deleted, *regions.unchanged, *regions.added):
        for day in (*days.deleted, *days.unchanged, *days.added):
            if region_id is not None and day is not None:
                keys.add((region_id, Month.of(day).number))
    return keys


def _mark_changes(session: Session, flush_context: Any, instances: Any) -> None:
    keys: set[Key] = session.info.setdefault(_PENDING, set())
    pending_events: set[Any] = session.info.setdefault(_PENDING_EVENTS, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Event):
            keys |= _event_keys(obj)
            pending_events.add(obj)
        elif isinstance(obj, Region) and attributes.get_history(obj, "path").deleted:
            session.info[_PENDING_TREE] = True
        elif (source := source_of(type(obj))) is not None and not source.additive:
            pending_events.update(_source_row_events(obj))
            if source.alone is not None:
                keys |= _alone_keys(obj, source.alone)


def _resolve(session: Session) -> set[Key]:
    keys: set[Key] = set(session.info.pop(_PENDING, set()))
    ids = set()
    for item in session.info.pop(_PENDING_EVENTS, set()):
        if isinstance(item, Event):
            if item.region_id is not None and item.starts_at is not None:
                keys.add((item.region_id, Month.of(item.starts_at).number))
        elif item is not None:
            ids.add(item)
    if ids:
        stmt = select(Event.region_id, Event.starts_at).where(Event.id.in_(ids))
        keys |= {(r, Month.of(s).number) for r, s in session.execute(stmt)}
    return keys


def _refresh_marked(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes only after this hook; marking happens in the flush
    if not any(session.info.get(k) for k in (_PENDING, _PENDING_EVENTS, _PENDING_TREE)):
        return
    rebuild = session.info.pop(_PENDING_TREE, False)
    keys = _resolve(session)
    if keys:
        # A tree rebuild rewrites every subtree row (locking them in order) right after.
        refresh(session, keys, subtree=not rebuild)
    if rebuild:
        rebuild_tree(session)


def _forget_marked(session: Session, previous_transaction: Any) -> None:
    for name in (_PENDING, _PENDING_EVENTS, _PENDING_TREE):
        session.info.pop(name, None)


_SESSION_HOOKS = (
    ("before_flush", _mark_changes),
    ("before_commit", _refresh_marked),
    ("after_soft_rollback", _forget_marked),
)


def register_session_hooks() -> None:
    """Mark structural changes at every flush and recount them before every commit, from now
    on, for every session (the app factory calls this once; calling it again changes nothing).
    """
    for name, hook in _SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
