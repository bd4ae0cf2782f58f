"""Rows as the driver takes them: each value through its column type's bind processor, once per column looked up.

SQLAlchemy's ``insert(table)`` with a list of dicts runs each row through its
compiler's parameter machinery (a dict per row, every type looked up again);
in a push or a pulled page of 1,000 rows that cost more than the database's
own work. ``bound_tuples`` gives the same values (JSON text, sealed cells,
SQLite's date strings: the processors SQLAlchemy would apply) as plain tuples
for one ``executemany`` or ``COPY``; the server and the phone run the statement.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import Table


def bound_tuples(dialect: Any, table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[tuple]:
    """``rows`` (each holding every name in ``names``) as tuples of bound values, in ``names`` order."""
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name}: no such column(s): {', '.join(unknown)}")
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    if not any(processors):
        return [tuple(row[name] for name in names) for row in rows]
    pairs = list(zip(names, processors, strict=True))
    return [tuple(row[name] if process is None else process(row[name]) for name, process in pairs) for row in rows]
