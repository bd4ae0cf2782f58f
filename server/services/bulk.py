"""Writing many rows in one statement per table: ``COPY`` on PostgreSQL, one prepared ``executemany`` on SQLite.

The rows are bound by ``shared.bound_rows`` (the column types' own bind
processors, applied to plain tuples) and go to the driver directly, in the
caller's transaction.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import Connection, Table

from shared.bound_rows import bound_tuples

UPDATE_KEY = "b_id"  # the parameter that names the row an update changes


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    values = bound_tuples(conn.dialect, table, names, rows)
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
    values = [(*row, key) for row, key in zip(bound_tuples(conn.dialect, table, names, params),
                                               [p[UPDATE_KEY] for p in params], strict=True)]
    quote = conn.dialect.identifier_preparer.quote
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in names)
    conn.exec_driver_sql(f"UPDATE {quote(table.name)} SET {assignments} WHERE id = {mark}", values)
