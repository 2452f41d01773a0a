"""Fast inserts for large demo tables: the driver's executemany with positional rows.

SQLAlchemy's own executemany builds and processes a dictionary per row; for millions of rows the
driver's executemany over plain tuples is several times faster, and on PostgreSQL COPY is faster
still. Values must then already be what
the driver expects, which only matters for datetimes on SQLite (see ``datetime_encoder``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, insert, select

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

# SQLite's page cache while loading: indexes stay in memory instead of being re-read (256 MiB).
SQLITE_LOAD_CACHE_KIB = 256 * 1024


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` in one executemany."""
    if not rows:
        return
    if conn.dialect.driver == "psycopg":
        _copy_rows(conn, table, columns, rows)
        return
    placeholder = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if placeholder is None:  # a driver without positional parameters: the slower, general way
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    values = ", ".join([placeholder] * len(columns))
    # Only identifiers from our own metadata, quoted by the dialect, go into the text.
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({values})"  # noqa: S608
    conn.exec_driver_sql(sql, list(rows))


def _copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL: COPY … FROM STDIN on the session's own connection, many times faster."""
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def datetime_encoder(conn: Connection) -> Callable[[datetime], Any]:
    """What a naive datetime becomes for this driver: SQLAlchemy's own text form on SQLite."""
    processor = DateTime().dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if processor is None:
        return lambda value: value
    return processor


def reset_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """After inserts with explicit ids, let PostgreSQL's id sequences continue past them."""
    if conn.dialect.name != "postgresql":
        return
    preparer = conn.dialect.identifier_preparer
    for table in tables:
        sequence = func.pg_get_serial_sequence(preparer.format_table(table), "id")
        next_id = func.coalesce(select(func.max(table.c.id)).scalar_subquery(), 0) + 1
        conn.execute(select(func.setval(sequence, next_id, False)))


@contextmanager
def bulk_load_settings(conn: Connection) -> Iterator[None]:
    """Give SQLite a large page cache while loading, and restore it afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")
