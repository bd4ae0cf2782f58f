"""What the administrator's screens (管理) call: the server's admin API over httpx (views stay free of HTTP).

Administration needs the network; a failure is one ``AdminError`` with a
Chinese message. The server decides what an administrator may touch (a
street's administrator: their street's accounts, grids and devices).
"""
from __future__ import annotations

from typing import Any, Optional

import httpx

from mobile.services.session import Session
from mobile.state import AppState

ROLE_LABELS = {"coordinator": "协管员", "manager": "管理员", "admin": "系统管理员"}
LEVEL_LABELS = {"district": "区县", "street": "街道", "community": "社区", "grid": "网格"}
MESSAGES = {
    401: "登录已失效，请在“设置”中退出后重新登录",
    403: "不在您的管理范围内",
    404: "找不到该记录（可能已被删除），请刷新",
}
CODES = {
    "user.username_taken": "这个用户名已被使用",
    "user.self_disable": "不能停用自己的账号",
    "grid.not_a_coordinator": "网格只能分给启用中的协管员",
    "request.invalid": "填写的内容不完整或不正确",
}


class AdminError(Exception):
    """An admin request failed; ``message`` says why, in Chinese."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message, self.code = message, code


class AdminService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session, self.state = session, state

    @property
    def is_admin(self) -> bool:
        return (self.session.user or {}).get("role") == "admin"

    def _call(self, method: str, path: str, body: Optional[dict[str, Any]] = None,
              params: Optional[dict[str, Any]] = None) -> Any:
        url, token = self.session.meta("server_url", ""), self.session.meta("token", "")
        try:
            with self.session.http_client(url, token) as client:
                response = client.request(method, path, json=body, params=params)
        except httpx.HTTPError:
            raise AdminError("无法连接服务器：管理需要联网，请检查网络后重试", "network") from None
        if response.status_code >= 400:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            code = answer.get("code", "") if isinstance(answer, dict) else ""
            raise AdminError(CODES.get(code) or MESSAGES.get(response.status_code)
                             or f"服务器出错（{code or response.status_code}）", code)
        return response.json() if response.content else None

    # --- accounts -------------------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/admin/users")

    def create_user(self, username: str, display_name: str, role: str, area_ids: list[str]) -> dict[str, Any]:
        """A new account with a one-time password (``one_time_password`` in the answer, shown once)."""
        username, display_name = (username or "").strip().lower(), (display_name or "").strip()
        if not username or not display_name or not role:
            raise AdminError("请填写用户名、姓名和角色")
        if role != "admin" and not area_ids:
            raise AdminError("请选择负责区域")
        return self._call("POST", "/api/v1/admin/users", {"username": username, "display_name": display_name,
                                                         "role": role, "area_ids": area_ids})

    def set_active(self, user_id: str, active: bool) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/admin/users/{user_id}", {"active": active})

    def reset_password(self, user_id: str) -> str:
        """A one-time password for the account (the user chooses their own at the next sign-in)."""
        return self._call("POST", f"/api/v1/admin/users/{user_id}/reset-password")["one_time_password"]

    # --- areas and grids -------------------------------------------------------------------
    def areas(self) -> list[dict[str, Any]]:
        """The area tree, parents before children, each grid with its responsible coordinator."""
        return self._call("GET", "/api/v1/admin/areas")

    def assign_grid(self, grid_id: str, user_id: str) -> dict[str, Any]:
        return self._call("PUT", f"/api/v1/admin/grids/{grid_id}/coordinator", {"user_id": user_id})

    # --- devices ------------------------------------------------------------------------------
    def devices(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/admin/devices")

    def revoke(self, device_id: str, lost: bool = False) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/admin/devices/{device_id}/revoke", params={"lost": "true"} if lost else None)


def depth(area: dict[str, Any]) -> int:
    return ("district", "street", "community", "grid").index(area["level"]) if area["level"] in LEVEL_LABELS else 0


def when(value: Optional[str]) -> str:
    """An ISO time from the server as China time, to the minute ("—" for none)."""
    if not value:
        return "—"
    from datetime import datetime, timedelta, timezone

    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(timezone(timedelta(hours=8))):%Y-%m-%d %H:%M}"
