"""Request and answer bodies of the auth, admin and record endpoints (requests refuse unknown fields)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlmodel import SQLModel

from shared.models import Area, Household, Resident
from shared.vocab import Role


class Strict(BaseModel):
    """Base of every request body: an unknown field is an error (422 ``request.invalid``)."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_name: str = Field(default="", max_length=100)
    device_token: str | None = Field(default=None, max_length=128, description=(
        "This phone's earlier token (even signed out or expired): the attempt is counted under the phone, "
        "so the right password from it works while someone else is guessing."))
    new_password: str | None = Field(default=None, max_length=256, description=(
        "The password chosen in place of a one-time password (needed when the answer was "
        "403 `auth.password_change_required`)."))


class AreaOut(BaseModel):
    id: str
    level: str
    name: str
    code: str
    parent_id: Optional[str] = None


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    areas: list[AreaOut]


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once.")
    device_id: str
    user: UserOut
    slip_base_url: str = Field(default="", description="The address a referral slip's QR code points to; "
                                                       "empty: the address the phone signed in to.")
    policy: dict = Field(default_factory=dict,
                         description="Rules for the phone: `offline_days`, after which it needs an online sign-in.")


class UserCreate(Strict):
    username: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,64}$")
    display_name: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=8, max_length=256,
                                 description="Leave out: the server makes a one-time password (in the answer, once).")
    role: Role
    area_ids: list[str] = Field(default_factory=list, max_length=200)


class ManagedUserOut(UserOut):
    active: bool
    must_change_password: bool = False


class CreatedUserOut(UserOut):
    one_time_password: Optional[str] = Field(default=None, description="Shown once; changed at the first sign-in.")


class UserUpdate(Strict):
    active: bool


class PasswordResetOut(BaseModel):
    user: ManagedUserOut
    one_time_password: str = Field(description="Shown once; the user chooses a new password at the next sign-in.")


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class AdminAreaOut(AreaOut):
    stat_code: str = ""
    coordinator_ids: list[str] = Field(default_factory=list, description="A grid's responsible coordinator(s).")


class GridAssign(Strict):
    user_id: str = Field(min_length=1, max_length=36)


class DeviceOut(BaseModel):
    id: str
    user_id: str
    username: str
    name: str
    created_at: datetime
    last_seen_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    wipe_requested_at: Optional[datetime] = None  # revoked as lost: the phone is told to wipe itself


def public_model(model: type[SQLModel], name: str, exclude: tuple[str, ...] = ("stamps",)) -> type[BaseModel]:
    """An answer model with the table's fields (minus ``exclude``), so the two never drift apart."""
    fields: dict[str, Any] = {
        field_name: (info.annotation, ...)
        for field_name, info in model.model_fields.items() if field_name not in exclude
    }
    return create_model(name, **fields)


AreaRecord = public_model(Area, "AreaRecord")
HouseholdOut = public_model(Household, "HouseholdOut")
ResidentOut = public_model(Resident, "ResidentOut")


class HouseholdDetail(HouseholdOut):  # type: ignore[misc, valid-type]
    residents: list[ResidentOut]  # type: ignore[valid-type]


class HouseholdPage(BaseModel):
    items: list[HouseholdOut]  # type: ignore[valid-type]
    total: int
    offset: int
    limit: int
