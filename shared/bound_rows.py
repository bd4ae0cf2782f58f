"""Rows as the driver takes them: each value through its column type's bind processor, once per column looked up.

SQLAlchemy's ``insert(table)`` with a list of dicts runs each row through its
compiler's parameter machinery (a dict per row, every type looked up again);
in a push or a pulled page of 1,000 rows that cost more than the database's
own work. ``bound_tuples`` gives the same values (JSON text, sealed cells,
SQLite's date strings: the processors SQLAlchemy would apply) as plain tuples
for one ``executemany`` or ``COPY``; the server and the phone run the statement.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Mapping, Sequence

from sqlalchemy import Table


def bound_tuples(dialect: Any, table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[tuple]:
    """``rows`` (each holding every name in ``names``) as tuples of bound values, in ``names`` order.

    Built column by column (``map`` over ``itemgetter`` and each processor, then ``zip``): a row-by-row
    generator cost a function call per value, a quarter of a new resident's write."""
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name}: no such column(s): {', '.join(unknown)}")
    columns = []
    for name in names:
        process = table.c[name].type._cached_bind_processor(dialect)
        values = map(itemgetter(name), rows)
        columns.append(list(values if process is None else map(process, values)))
    return list(zip(*columns, strict=True)) if columns else [() for _row in rows]
