"""管理 · 设备: the signed-in phones of the administrator's accounts (user, last seen) and revoking one."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.admin_tabs import admin_view, call
from mobile.components.touch import section
from mobile.routing import AppContext
from mobile.services.admin import AdminService, when

ROUTE = "/admin/devices"


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(AdminService)
    return admin_view(ctx, ROUTE, "管理 · 设备", lambda: (service.devices(), service.users()),
                      lambda data: render(ctx, service, *data))


def render(ctx: AppContext, service: AdminService, devices: list[dict], users: list[dict]) -> list[ft.Control]:
    message = ft.Text("", size=15)
    names = {u["id"]: u["display_name"] for u in users}
    me = ctx.state.user_id

    def revoke(device: dict[str, Any], lost: bool):
        async def confirmed(e: Any = None) -> None:
            ctx.close_dialog()
            ok, _ = await call(ctx, message, lambda: service.revoke(device["id"], lost=lost))
            if ok:
                await ctx.go(ROUTE)

        def ask(e: Any = None) -> None:
            what = ("报失：这台设备下次联网时会删除本机的数据和密钥。" if lost
                    else "注销：这台设备需要重新登录（本机数据保留，可先上传）。")
            ctx.show_dialog(ft.AlertDialog(modal=True, title=ft.Text("报失设备" if lost else "注销设备"),
                                           content=ft.Text(what),
                                           actions=[ft.TextButton("取消", on_click=lambda e: ctx.close_dialog()),
                                                    ft.TextButton("确定", on_click=confirmed)]))
            ctx.update()
        return ask

    rows: list[ft.Control] = []
    for device in devices:
        state = "已报失" if device["wipe_requested_at"] else ("已注销" if device["revoked_at"] else "使用中")
        buttons = []
        if device["user_id"] != me:  # not the phone in one's hand
            if not device["revoked_at"]:
                buttons.append(ft.OutlinedButton("注销", on_click=revoke(device, False)))
            if not device["wipe_requested_at"]:
                buttons.append(ft.OutlinedButton("报失", on_click=revoke(device, True)))
        who = names.get(device["user_id"], device["username"])
        rows.append(ft.Container(ft.Column([
            ft.Text(f"{who}（{device['username']}）· {device['name'] or '设备'}", size=16, weight=ft.FontWeight.BOLD),
            ft.Text(f"最近联网 {when(device['last_seen_at'])} · 登录于 {when(device['created_at'])} · {state}", size=14),
            ft.Row(buttons, wrap=True),
        ], spacing=4), padding=ft.Padding.symmetric(vertical=6), data=device["id"]))
    return [message, section(f"设备（{len(devices)}）"), *(rows or [ft.Text("还没有设备登录")])]
