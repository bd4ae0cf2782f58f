"""Administration: accounts (create, disable, reset a password), the area tree, grid assignment, devices (revoke).

A street's administrator reaches only its own street's accounts, grids and devices."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Query

from server.deps import AdminUser, ConnDep, ScopeDep
from server.errors import error_responses
from server.schemas import (
    AdminAreaOut,
    CreatedUserOut,
    DeviceOut,
    GridAssign,
    ManagedUserOut,
    PasswordResetOut,
    UserCreate,
    UserUpdate,
)
from server.services import accounts, area_tree, grid_assignment, staff

router = APIRouter(prefix="/admin", tags=["admin"], responses=error_responses(401, 403))


@router.post("/users", response_model=CreatedUserOut, status_code=201, responses=error_responses(409, 422))
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


@router.patch("/users/{user_id}", response_model=ManagedUserOut, responses=error_responses(404, 409, 422))
def update_user(user_id: str, body: UserUpdate, admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """Disable an account (its phones are refused from their next request) or enable it again."""
    return staff.set_active(conn, admin, scope, user_id, body.active)


@router.post("/users/{user_id}/reset-password", response_model=PasswordResetOut, responses=error_responses(404))
def reset_password(user_id: str, admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """A one-time password, shown once here; the user chooses a new one at the next sign-in."""
    user, password = staff.reset_password(conn, admin, scope, user_id)
    return {"user": user, "one_time_password": password}


@router.get("/areas", response_model=list[AdminAreaOut])
def list_areas(_admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """The area tree of the administrator's areas, each grid with its responsible coordinator."""
    return area_tree.admin_areas(conn, scope)


@router.put("/grids/{grid_id}/coordinator", response_model=dict, responses=error_responses(404, 422))
def assign_grid(grid_id: str, body: GridAssign, admin: AdminUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """划片包干: this coordinator becomes the grid's one responsible coordinator (the previous one loses it)."""
    return grid_assignment.assign_grid(conn, admin, scope, grid_id, body.user_id)
