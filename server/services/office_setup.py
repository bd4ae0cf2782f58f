"""An office's first start: the first administrator, how far the set-up has come, and what to do next."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.engine import Engine

from server.security import hash_password
from server.services.audit import record_event
from server.services.grid_assignment import grid_coordinators
from server.services.staff import check_new_password
from shared.models import Area, Device, UserAccount, new_id
from shared.vocab import Role

_AREA, _USER, _DEVICE = Area.__table__, UserAccount.__table__, Device.__table__


@dataclass(frozen=True)
class SetupStatus:
    admins: list[str]  # usernames
    areas: dict[str, int]  # level -> count
    users: dict[str, int]  # role -> count (active)
    grids_without_coordinator: int
    devices: int

    @property
    def done(self) -> bool:
        return bool(self.admins and self.areas.get("grid") and self.users.get("coordinator"))


def setup_status(conn: Connection) -> SetupStatus:
    admins = list(conn.execute(select(_USER.c.username).where(_USER.c.role == Role.admin.value)
                               .order_by(_USER.c.username)).scalars())
    areas = dict(conn.execute(select(_AREA.c.level, func.count()).where(_AREA.c.deleted.is_(False))
                              .group_by(_AREA.c.level)).all())
    users = dict(conn.execute(select(_USER.c.role, func.count()).where(_USER.c.active.is_(True))
                              .group_by(_USER.c.role)).all())
    grids = list(conn.execute(select(_AREA.c.id).where(_AREA.c.level == "grid", _AREA.c.deleted.is_(False)))
                 .scalars())
    held = grid_coordinators(conn, grids)
    devices = conn.execute(select(func.count()).select_from(_DEVICE).where(_DEVICE.c.revoked_at.is_(None))).scalar()
    conn.commit()
    return SetupStatus(admins, areas, users, sum(1 for g in grids if not held.get(g)), int(devices or 0))


def next_steps(status: SetupStatus) -> list[str]:
    """The commands still to run, in order, each with what it does (Chinese)."""
    steps = []
    if not status.admins:
        steps.append("doorstep admin init                      # 创建第一个系统管理员")
    if not status.areas.get("grid"):
        steps.append("doorstep admin import-areas 区域.xlsx     # 导入区县/街道/社区/网格（模板 docs/areas-template.xlsx）")
    if not status.users.get("coordinator"):
        steps.append("doorstep admin import-staff 人员.xlsx --passwords-file 初始密码.txt"
                     "   # 导入协管员和管理员（模板 docs/staff-template.xlsx）")
    if not steps:
        if status.grids_without_coordinator:
            steps.append(f"有 {status.grids_without_coordinator} 个网格还没有责任协管员：在 App 的“管理”页分配，"
                         "或在人员表中填写后再次导入")
        steps.append("doorstep import 台账.xlsx                  # （可选）导入已有台账（模板 docs/ledger-template.xlsx）")
        steps.append("doorstep serve --host 0.0.0.0            # 启动服务器；协管员在手机上填写服务器地址、用户名和初始密码登录")
    return steps


def describe(status: SetupStatus) -> str:
    levels = "、".join(f"{zh} {status.areas.get(level, 0)}" for level, zh in
                      (("district", "区县"), ("street", "街道"), ("community", "社区"), ("grid", "网格")))
    roles = "、".join(f"{zh} {status.users.get(role, 0)}" for role, zh in
                     (("admin", "系统管理员"), ("manager", "管理员"), ("coordinator", "协管员")))
    return (f"区域：{levels}\n账号（启用）：{roles}\n"
            f"没有责任协管员的网格：{status.grids_without_coordinator}\n已登录的设备：{status.devices}")


class AdminExists(Exception):
    """``create_first_admin`` on a database that has an administrator: nothing was changed."""


def create_first_admin(engine: Engine, username: str, display_name: str, password: str, *, now: datetime) -> str:
    """The server's administrator (no area: manages every account); ``AdminExists`` if there is one already."""
    check_new_password(password, "")
    with engine.begin() as conn:
        if conn.execute(select(_USER.c.id).where(_USER.c.role == Role.admin.value).limit(1)).first():
            raise AdminExists()
        if conn.execute(select(_USER.c.id).where(_USER.c.username == username)).first():
            raise AdminExists()
        user_id = new_id()
        conn.execute(insert(_USER).values(id=user_id, username=username, display_name=display_name,
                                          role=Role.admin.value, password_hash=hash_password(password),
                                          active=True, must_change_password=False, created_at=now))
        record_event(conn, "user.create", table_name="user_account", row_id=user_id,
                     detail={"role": "admin", "areas": 0, "source": "admin-init"}, at=now)
    return user_id
