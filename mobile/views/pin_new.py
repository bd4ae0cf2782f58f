"""Choosing the 6-digit PIN that unlocks the phone's data offline (right after signing in)."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, text_input
from mobile.routing import AppContext
from mobile.services.sign_in import PIN_LENGTH, SignInError, SignInService
from mobile.services.sync import SyncService

ROUTE = "/pin/new"
PUBLIC = True


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(SignInService)
    pin = text_input("设置 PIN（6 位数字）", password=True, keyboard=ft.KeyboardType.NUMBER, max_length=PIN_LENGTH)
    again = text_input("再次输入 PIN", password=True, keyboard=ft.KeyboardType.NUMBER, max_length=PIN_LENGTH)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)
    status = ft.Text("", size=15)
    progress = ft.ProgressBar(visible=False)

    async def submit(e=None) -> None:
        error.value = ""
        try:
            await service.set_pin(pin.value or "", again.value or "")
        except SignInError as failure:
            error.value = failure.message
            ctx.update()
            return
        pin.value = again.value = ""
        status.value, progress.visible = "正在下载本网格的住户数据……", True
        ctx.update()
        summary = await ctx.service(SyncService).sync(on_progress=lambda: _show(progress, ctx))
        if summary is None:
            ctx.toast("暂时无法同步，可稍后在“同步”页重试")
        await ctx.go(ctx.home)  # by role: the worklist, or the manager's coverage

    again.on_submit = submit
    name = ctx.state.display_name
    return screen(ctx, ROUTE, "设置 PIN", [
        ft.Text(f"{name}，您好。请设置 PIN：以后打开应用时用它解锁，无需联网。", size=16),
        pin, again, error, action_button("确定", submit, icon=ft.Icons.LOCK), status, progress,
    ], root=True, nav=False)


def _show(progress: ft.ProgressBar, ctx: AppContext) -> None:
    progress.value = ctx.state.sync_progress
    ctx.page.update()
