"""Writing many rows in one statement per table: ``COPY`` on PostgreSQL, one prepared ``executemany`` on SQLite.

SQLAlchemy's ``insert(table)`` with a list of dicts runs each row through its
compiler's parameter machinery (a dict per row, every type looked up again),
which cost more than the database's own work in a push of 1,000 rows. Here the
bind processors of the table's column types (the same ones SQLAlchemy would
use: JSON text, sealed cells, SQLite's date strings) are looked up once per
call and applied to plain tuples, which go to the driver directly, in the
caller's transaction.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Table

UPDATE_KEY = "b_id"  # the parameter that names the row an update changes


def _processors(conn: Connection, table: Table, names: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    dialect = conn.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in names]


def _tuples(rows: Iterable[Mapping[str, Any]], names: Sequence[str],
            processors: list[Callable[[Any], Any] | None]) -> list[tuple]:
    pairs = list(zip(names, processors, strict=True))
    if not any(processors):
        return [tuple(row[name] for name in names) for row in rows]
    return [tuple(row[name] if process is None else process(row[name]) for name, process in pairs) for row in rows]


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name}: no such column(s): {', '.join(unknown)}")
    values = _tuples(rows, names, _processors(conn, table, names))
    quote = conn.dialect.identifier_preparer.quote
    column_list = ", ".join(quote(name) for name in names)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection  # the psycopg connection, in this transaction
        with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({column_list}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({column_list}) VALUES ({marks})", values)


def update_rows(conn: Connection, table: Table, params: Sequence[Mapping[str, Any]]) -> None:
    """``UPDATE table SET <columns> WHERE id = <b_id>`` for each dict of ``params`` (the same keys in each)."""
    if not params:
        return
    names = [name for name in params[0] if name != UPDATE_KEY]
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name}: no such column(s): {', '.join(unknown)}")
    processors = _processors(conn, table, names)
    values = [(*row, key) for row, key in zip(_tuples(params, names, processors),
                                               [p[UPDATE_KEY] for p in params], strict=True)]
    quote = conn.dialect.identifier_preparer.quote
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in names)
    conn.exec_driver_sql(f"UPDATE {quote(table.name)} SET {assignments} WHERE id = {mark}", values)
