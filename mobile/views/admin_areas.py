"""管理 · 区域: the area tree (district, street, community, grid) with codes and each grid's coordinator."""
from __future__ import annotations

import flet as ft

from mobile.components.admin_tabs import admin_view
from mobile.routing import AppContext
from mobile.services.admin import LEVEL_LABELS, AdminService, depth

ROUTE = "/admin/areas"


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(AdminService)
    return admin_view(ctx, ROUTE, "管理 · 区域", lambda: (service.areas(), service.users()),
                      lambda data: render(*data))


def render(areas: list[dict], users: list[dict]) -> list[ft.Control]:
    names = {u["id"]: u["display_name"] for u in users}
    rows: list[ft.Control] = []
    for area in areas:
        codes = " · ".join(c for c in (area["code"], area.get("stat_code", "")) if c)
        who = ""
        if area["level"] == "grid":
            who = " · " + ("、".join(names.get(u, "?") for u in area["coordinator_ids"]) or "未分配")
        rows.append(ft.Container(ft.Text(f"{LEVEL_LABELS.get(area['level'], '')} {area['name']}"
                                         f"{'（' + codes + '）' if codes else ''}{who}", size=15),
                                 padding=ft.Padding.only(left=20 * depth(area))))
    return [ft.Text("区域由服务器上的 doorstep admin import-areas 从表格导入（模板 docs/areas-template.xlsx）。", size=14),
            *(rows or [ft.Text("还没有区域")])]
