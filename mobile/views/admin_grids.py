"""管理 · 网格分配 (划片包干): each grid's one responsible coordinator, chosen from the active coordinators."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.admin_tabs import admin_view, call
from mobile.components.touch import choice, section
from mobile.routing import AppContext
from mobile.services.admin import AdminService

ROUTE = "/admin/grids"


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(AdminService)
    return admin_view(ctx, ROUTE, "管理 · 网格分配", lambda: (service.areas(), service.users()),
                      lambda data: render(ctx, service, *data))


def render(ctx: AppContext, service: AdminService, areas: list[dict], users: list[dict]) -> list[ft.Control]:
    message = ft.Text("", size=15)
    names = {a["id"]: a["name"] for a in areas}
    coordinators = {u["id"]: f"{u['display_name']}（{u['username']}）" for u in users
                    if u["role"] == "coordinator" and u["active"]}
    grids = [a for a in areas if a["level"] == "grid"]
    held = {user_id for grid in grids for user_id in grid["coordinator_ids"]}

    def chosen(grid: dict[str, Any]):
        async def handler(e: Any) -> None:
            user_id = e.control.value
            ok, _ = await call(ctx, message, lambda: service.assign_grid(grid["id"], user_id))
            if ok:
                ctx.toast(f"{grid['name']} 已分给 {coordinators.get(user_id, '')}")
                await ctx.go(ROUTE)
        return handler

    rows: list[ft.Control] = []
    for grid in grids:
        current = grid["coordinator_ids"][0] if grid["coordinator_ids"] else None
        label = f"{names.get(grid['parent_id'], '')} · {grid['name']}" + ("" if current else "（未分配）")
        rows.append(choice(label, coordinators, current if current in coordinators else None, chosen(grid)))
    free = [name for user_id, name in coordinators.items() if user_id not in held]
    return [message,
            ft.Text("每个网格只有一名责任协管员；一名协管员可以负责几个网格。改选后，原协管员的手机在下次同步时"
                    "移交该网格。", size=14),
            section("网格"), *(rows or [ft.Text("还没有网格")]),
            *([section("还没有网格的协管员"), ft.Text("、".join(free), size=15)] if free else [])]
