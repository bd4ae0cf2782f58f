"""Sign in (a password gives a device token), see who is signed in, sign out."""
from __future__ import annotations

from fastapi import APIRouter, Request

from server.deps import ConnDep, CurrentUser, SettingsDep
from server.errors import error_responses
from server.schemas import LoginRequest, LoginResponse, PasswordChange, UserOut
from server.services import auth, staff

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=LoginResponse, responses=error_responses(401, 422, 429))
def login(body: LoginRequest, request: Request, conn: ConnDep, settings: SettingsDep) -> dict:
    """A new device token for this user; 401 ``auth.invalid_credentials`` for any wrong name or password,
    429 ``auth.too_many_attempts`` while the account or the address must wait after failures (``Retry-After``
    says how long; the delays grow, nothing locks)."""
    address = request.client.host if request.client else None
    result = auth.login(conn, body.username, body.password, body.device_name, settings=settings,
                        address=address, device_token=body.device_token, new_password=body.new_password)
    return {"token": result.token, "device_id": result.device_id, "user": result.user,
            "slip_base_url": settings.slip_base_url, "policy": {"offline_days": settings.device_offline_days}}


@router.get("/me", response_model=UserOut, responses=error_responses(401))
def me(caller: CurrentUser, conn: ConnDep) -> dict:
    return auth.current_profile(conn, caller)


@router.post("/logout", status_code=204, responses=error_responses(401))
def logout(caller: CurrentUser, conn: ConnDep) -> None:
    """Revoke this device's token."""
    auth.logout(conn, caller)


@router.post("/password", status_code=204, responses=error_responses(401, 422))
def change_password(body: PasswordChange, caller: CurrentUser, conn: ConnDep) -> None:
    """Change my own password (the current one is asked again)."""
    staff.change_password(conn, caller, body.current_password, body.new_password)
