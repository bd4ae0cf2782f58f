"""Signing in again with the password, keeping the phone's data: offline too long, or signed out on the server."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, text_input
from mobile.routing import AppContext
from mobile.services.settings import SettingsService
from mobile.services.sign_in import SignInError, SignInService
from mobile.services.sync import SyncService
from mobile.state import SIGNED_OUT

ROUTE = "/reauth"
PUBLIC = True

REASONS = {
    "offline": "本机已超过 {days} 天没有连接服务器。为保护居民信息，请联网并输入密码后再使用。",
    "signed_out": "本机的登录已失效。请输入密码重新登录；本机尚未上传的修改会先上传。",
}


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(SignInService)
    session = ctx.session
    why = REASONS.get(session.reauth_reason or "", REASONS["signed_out"])
    password = text_input("密码", "", password=True)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)
    busy = ft.ProgressRing(visible=False, width=28, height=28)

    async def submit(e=None) -> None:
        error.value, busy.visible = "", True
        ctx.update()
        try:
            await service.reauthenticate(password.value or "")
        except SignInError as failure:
            password.value, error.value = "", failure.message
            if ctx.state.phase == SIGNED_OUT:  # reported lost: wiped
                ctx.state.sync_error = failure.message
                await ctx.go("/sign-in")
            return
        finally:
            busy.visible = False
            ctx.update()
        password.value = ""
        await ctx.service(SyncService).sync()  # push what the phone holds first, then pull
        await ctx.go(ctx.home)

    async def give_up(e=None) -> None:
        async def confirmed(e=None) -> None:
            ctx.close_dialog()
            await ctx.service(SettingsService).forget_phone()
            await ctx.go("/sign-in")

        ctx.show_dialog(ft.AlertDialog(
            title=ft.Text("清除本机数据？"),
            content=ft.Text("将删除本机上的全部数据，包括尚未同步的修改。"),
            actions=[ft.TextButton("取消", on_click=lambda e: ctx.close_dialog()),
                     ft.TextButton("清除并退出", on_click=confirmed)],
        ))

    password.on_submit = submit
    user = ctx.state.user or {}
    days = session.meta("offline_days", "") if session.store.is_unlocked else ""
    return screen(ctx, ROUTE, "入户通 · 重新登录", [
        ft.Text(why.format(days=days), size=16),
        ft.Text(f"账号：{user.get('display_name') or ''}（{user.get('username') or ''}）", size=15),
        password, error, ft.Row([action_button("登录并同步", submit, icon=ft.Icons.LOGIN), busy]),
        ft.TextButton("不再使用本机：清除数据", on_click=give_up),
    ], root=True, nav=False)
