"""The area rule in one place: a record outside the caller's areas is 403 ``auth.outside_area``, a missing one 404.

Ids are random UUIDs, so the 403 tells a guesser nothing useful, and it tells
a real user why they see nothing. A deleted record (tombstone) is missing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlmodel import SQLModel

from server.errors import ApiError
from server.services.scope import Scope
from shared.sync_schema import SYNC_SPECS


def outside_area() -> ApiError:
    return ApiError(403, "auth.outside_area", "This record is outside your areas.")


def not_found(what: str = "Record") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def ensure_grid(scope: Scope, grid_id: str | None) -> None:
    """403 unless the caller may see this grid."""
    if not scope.allows_grid(grid_id):
        raise outside_area()


def ensure_area(scope: Scope, area_id: str | None) -> None:
    """403 unless the caller may see this area (district, street, community or grid)."""
    if not scope.allows_area(area_id):
        raise outside_area()


def _scope_check(table: Table) -> Callable[[Scope, Any], bool]:
    """How to tell whether a row of a synced table is in scope (its spec's ``scope`` column)."""
    if table.name == "area":
        return lambda scope, row: scope.allows_area(row["id"])
    kind = SYNC_SPECS[table.name].scope if table.name in SYNC_SPECS else "grid"
    return {
        "grid": lambda scope, row: scope.allows_grid(row["grid_id"]),
        "street": lambda scope, row: scope.allows_street(row["street_id"]),
        "district": lambda scope, row: scope.allows_district(row.get("district_id")),
    }[kind]


def load_in_scope(conn: Connection, scope: Scope, model: type[SQLModel], row_id: str, what: str = "Record"):
    """The row (a mapping) with this id if it exists and the caller may see it; 404 or 403 otherwise."""
    table = model.__table__
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if row is None or row.get("deleted"):
        raise not_found(what)
    if not _scope_check(table)(scope, row):
        raise outside_area()
    return row
