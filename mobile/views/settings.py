"""Settings: server address, lock time, and signing out (refused while changes are unsynced unless confirmed)."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, choice, section, text_input
from mobile.routing import AppContext, NavEntry
from mobile.services.session import LOCK_CHOICES
from mobile.services.settings import SettingsService, UnsyncedChanges

ROUTE = "/settings"
NAV = NavEntry("设置", ft.Icons.SETTINGS, ROUTE, order=90)


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(SettingsService)
    state = ctx.state
    server = text_input("服务器地址", state.server_url, keyboard=ft.KeyboardType.URL)
    lock = choice("无操作自动锁定", {str(m): f"{m} 分钟" for m in LOCK_CHOICES}, str(state.lock_minutes))
    message = ft.Text("", size=15)

    def save_server(e: Any = None) -> None:
        try:
            server.value = service.set_server_url(server.value or "")
        except ValueError as failure:
            server.error = str(failure)
        else:
            server.error = None
            message.value = "服务器地址已保存"
        ctx.update()

    def save_lock(e: Any) -> None:
        service.set_lock_minutes(int(e.control.value))
        message.value = f"将在 {state.lock_minutes} 分钟无操作后锁定"
        ctx.update()

    lock.on_select = save_lock

    async def sign_out(e: Any = None, *, force: bool = False) -> None:
        try:
            await service.sign_out(force=force)
        except UnsyncedChanges as refusal:
            ctx.show_dialog(ft.AlertDialog(
                modal=True,
                title=ft.Text("还有修改没有同步"),
                content=ft.Text(f"本机有 {refusal.count} 条修改尚未上传。退出会清除本机数据，这些修改将丢失。"
                                "建议先到“同步”页同步。"),
                actions=[ft.TextButton("取消", on_click=lambda e: ctx.close_dialog()),
                         ft.TextButton("仍然退出", on_click=confirmed)],
            ))
            ctx.update()
            return
        await ctx.go("/sign-in")

    async def confirmed(e: Any = None) -> None:
        ctx.close_dialog()
        await sign_out(force=True)

    user = state.user or {}
    return screen(ctx, ROUTE, "设置", [
        section("账号"), ft.Text(f"{state.display_name}（{user.get('username', '')}）", size=16),
        section("服务器"), server, action_button("保存服务器地址", save_server, primary=False),
        section("安全"), lock,
        message,
        action_button("退出登录", sign_out, icon=ft.Icons.LOGOUT, primary=False),
    ], root=True)
