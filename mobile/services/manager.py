"""What the manager's screens call: the server's coverage API over httpx (views stay free of HTTP).

Coverage is computed on the server from everyone's synced work, so these
calls need the network; a failure is one ``ManagerError`` with a Chinese
message. The period shown (a month, quarter, half year or year, as
``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``) is kept in ``AppState.extras``
so every manager screen shows the same period.
"""
from __future__ import annotations

from datetime import date, timedelta, timezone
from typing import Any, Optional
from urllib.parse import unquote

import httpx

from mobile.services.session import Session
from mobile.state import AppState
from shared.coverage import Period

CHINA = timezone(timedelta(hours=8))
MONTH_KEY = "manager_month"  # the period shown, as its label
PERIOD_KINDS = (("month", "月"), ("quarter", "季"), ("half", "半年"), ("year", "年"))
LIST_KINDS = {  # kind in the route -> API path and title
    "not-visited": ("/api/v1/coverage/not-visited", "未走访名单"),
    "incomplete": ("/api/v1/coverage/incomplete", "信息不全名单"),
    "overdue": ("/api/v1/coverage/zero-employment-overdue", "零就业家庭逾期名单"),
    "zero-employment": ("/api/v1/coverage/zero-employment", "零就业家庭（20 天时限）"),
    "activity": ("/api/v1/coverage/activity", "协管员工作量"),
}
MESSAGES = {
    401: "登录已失效，请在“设置”中退出后重新登录",
    403: "该区域不在您的管理范围内",
    404: "找不到该区域",
}


class ManagerError(Exception):
    """A coverage request failed; ``message`` says why, in Chinese."""

    def __init__(self, message: str, code: str = "", details: Any = None) -> None:
        super().__init__(message)
        self.message, self.code, self.details = message, code, details


def shift_month(month: str, delta: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class ManagerService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session, self.state = session, state

    # --- the period -----------------------------------------------------------------------
    @property
    def period(self) -> str:
        """The period shown: ``2026-11``, ``2026-Q4``, ``2026-H2`` or ``2026`` (default: this month)."""
        stored = self.state.extras.get(MONTH_KEY)
        return stored or f"{self.session.now().astimezone(CHINA):%Y-%m}"

    @property
    def shown(self) -> Period:
        return Period.parse(self.period)

    @property
    def month(self) -> str:
        """The period's label (a month's is ``YYYY-MM``), kept for the screens that name it so."""
        return self.period

    def _current(self, kind: str) -> Period:
        return Period.containing(today_in_china(self.session), kind)

    def move_period(self, delta: int) -> str:
        """Show an earlier (-1) or later (+1) period of the same kind; not past the current one."""
        shown = self.shown
        moved = shown.shift(delta)
        current = self._current(shown.kind)
        self.state.extras[MONTH_KEY] = (moved if moved.start <= current.start else current).label
        return self.period

    move_month = move_period

    def set_period_kind(self, kind: str) -> str:
        """Show a month, quarter, half year or year: the one holding the end of the period shown (or the current one)."""
        end = min(self.shown.end, today_in_china(self.session))
        self.state.extras[MONTH_KEY] = Period.containing(end, kind).label
        return self.period

    @property
    def is_manager(self) -> bool:
        return (self.session.user or {}).get("role") in ("manager", "admin")

    # --- requests ----------------------------------------------------------------------------
    def _request(self, path: str, params: Optional[dict[str, Any]] = None) -> httpx.Response:
        url, token = self.session.meta("server_url", ""), self.session.meta("token", "")
        try:
            with self.session.http_client(url, token) as client:
                response = client.get(path, params={k: v for k, v in (params or {}).items() if v})
        except httpx.HTTPError:
            raise ManagerError("无法连接服务器：统计需要联网，请检查网络后重试", "network") from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            code = body.get("code", "") if isinstance(body, dict) else ""
            if code == "area.required":
                raise ManagerError("您负责多个区域，请选择一个", code, body.get("details"))
            message = MESSAGES.get(response.status_code, f"服务器出错（{code or response.status_code}）")
            raise ManagerError(message, code)
        return response

    def _json(self, path: str, **params: Any) -> Any:
        return self._request(path, params).json()

    def coverage(self, area_id: str | None = None) -> dict[str, Any]:
        """Rates of the area (default: my one area), its children, communities, grids and coordinators."""
        return self._json("/api/v1/coverage", area_id=area_id, period=self.period)

    def areas(self) -> dict[str, dict[str, Any]]:
        """My area tree by id (names for choosing and for the breadcrumb)."""
        return {a["id"]: a for a in self._json("/api/v1/areas")}

    def items(self, kind: str, area_id: str, coordinator_id: str | None = None) -> list[dict[str, Any]]:
        """One of the lists behind the numbers (``LIST_KINDS``)."""
        path = LIST_KINDS[kind][0]
        return self._json(path, area_id=area_id, period=self.period, coordinator_id=coordinator_id)["items"]

    def open_conflicts(self) -> list[dict[str, Any]]:
        """Sync conflicts still open in my areas (decided on the sync screen)."""
        return self._json("/api/v1/sync/conflicts", state="open")

    def monthly_report(self, area_id: str) -> tuple[str, bytes]:
        """The report workbook of the area for the period shown: (file name, content)."""
        response = self._request("/api/v1/reports/monthly", {"area_id": area_id, "period": self.period})
        disposition = response.headers.get("content-disposition", "")
        name = f"月报-{self.period}.xlsx"
        if "filename*=UTF-8''" in disposition:
            name = unquote(disposition.split("filename*=UTF-8''", 1)[1].split(";")[0])
        return name, response.content


async def save_file(page: Any, name: str, content: bytes) -> Optional[str]:
    """Offer the bytes as a file: a download in the browser, a save dialog elsewhere (None when cancelled)."""
    import flet as ft

    picker = next((s for s in page.services if isinstance(s, ft.FilePicker)), None)
    if picker is None:
        picker = ft.FilePicker()
        page.services.append(picker)
    return await picker.save_file(file_name=name, src_bytes=content)


def today_in_china(session: Session) -> date:
    return session.now().astimezone(CHINA).date()
