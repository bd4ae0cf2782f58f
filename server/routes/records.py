"""Read areas, households and residents in the caller's areas (403 ``auth.outside_area`` elsewhere)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.deps import ConnDep, CurrentUser, ScopeDep
from server.errors import error_responses
from server.schemas import AreaRecord, HouseholdDetail, HouseholdPage, ResidentOut
from server.services import field_history, privacy, records

router = APIRouter(tags=["records"], responses=error_responses(401, 403, 404))


@router.get("/areas", response_model=list[AreaRecord])
def list_areas(scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """The caller's area tree, parents first (each area has ``parent_id``)."""
    return records.list_areas(conn, scope)


@router.get("/households", response_model=HouseholdPage, responses=error_responses(422))
def list_households(scope: ScopeDep, conn: ConnDep, grid_id: Annotated[str, Query(max_length=36)],
                    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict:
    return records.list_households(conn, scope, grid_id, offset, limit)


@router.get("/households/{household_id}", response_model=HouseholdDetail)
def get_household(household_id: str, scope: ScopeDep, caller: CurrentUser, conn: ConnDep) -> dict:
    """A household with its members (the read is in the audit log: who saw whose data)."""
    household = records.get_household(conn, scope, household_id)
    privacy.record_read(conn, caller, "household", household_id, [r["id"] for r in household["residents"]])
    return household


@router.get("/residents/{resident_id}", response_model=ResidentOut)
def get_resident(resident_id: str, scope: ScopeDep, caller: CurrentUser, conn: ConnDep) -> dict:
    """A resident's card (the read is in the audit log)."""
    resident = records.get_resident(conn, scope, resident_id)
    privacy.record_read(conn, caller, "resident", resident_id)
    return resident


@router.get("/residents/{resident_id}/changes")
def resident_changes(resident_id: str, scope: ScopeDep, caller: CurrentUser, conn: ConnDep) -> list[dict]:
    """What ledgers and corrections changed on the card: each field's old and new value and the day it held from."""
    records.get_resident(conn, scope, resident_id)  # 403 outside the caller's areas, 404 unknown
    privacy.record_read(conn, caller, "resident", resident_id)
    return field_history.field_changes(conn, resident_id)
