"""Administration: create and list accounts, list devices, revoke a lost phone (a street's administrator: its own)."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Query

from server.deps import AdminUser, ConnDep, ScopeDep
from server.errors import error_responses
from server.schemas import DeviceOut, ManagedUserOut, UserCreate, UserOut
from server.services import accounts

router = APIRouter(prefix="/admin", tags=["admin"], responses=error_responses(401, 403))


@router.post("/users", response_model=UserOut, status_code=201, responses=error_responses(409, 422))
def create_user(body: UserCreate, admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> dict:
    return accounts.create_user(conn, admin, scope, username=body.username, display_name=body.display_name,
                                password=body.password, role=body.role, area_ids=body.area_ids)


@router.get("/users", response_model=list[ManagedUserOut])
def list_users(_admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """The accounts whose areas all lie inside the administrator's (every account for one without areas)."""
    return accounts.list_users(conn, scope)


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(_admin: AdminUser, scope: ScopeDep, conn: ConnDep,
                 user_id: Annotated[Optional[str], Query(max_length=36)] = None) -> list[dict]:
    """The devices of the accounts the administrator manages."""
    return accounts.list_devices(conn, scope, user_id)


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut, responses=error_responses(404))
def revoke_device(device_id: str, admin: AdminUser, scope: ScopeDep, conn: ConnDep, lost: bool = False) -> dict:
    """The device's token is refused from its next request on, by every server process.

    ``?lost=true``: a lost or stolen phone; its next contact tells it to delete its key and data."""
    return accounts.revoke_device(conn, admin, scope, device_id, lost=lost)
