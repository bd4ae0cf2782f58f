"""Unlocking with the PIN (offline); too many wrong PINs wipe the phone's keys."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, text_input
from mobile.routing import AppContext
from mobile.services.settings import SettingsService
from mobile.services.sign_in import PIN_LENGTH, SignInError, SignInService
from mobile.state import SIGNED_OUT

ROUTE = "/unlock"
PUBLIC = True


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(SignInService)
    pin = text_input("PIN", password=True, keyboard=ft.KeyboardType.NUMBER, max_length=PIN_LENGTH, autofocus=True)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    async def submit(e=None) -> None:
        error.value = ""
        try:
            await service.unlock(pin.value or "")
        except SignInError as failure:
            pin.value, error.value = "", failure.message
            ctx.update()
            if ctx.state.phase == SIGNED_OUT:
                await ctx.go("/sign-in")
            return
        pin.value = ""
        await ctx.resume()  # the screens the lock covered, as they were; else the role's home

    async def start_over(e=None) -> None:
        async def confirmed(e=None) -> None:
            ctx.close_dialog()
            await ctx.service(SettingsService).forget_phone()
            await ctx.go("/sign-in")

        ctx.show_dialog(ft.AlertDialog(
            title=ft.Text("重新登录？"),
            content=ft.Text("将清除本机上的全部数据，包括尚未同步的修改。"),
            actions=[ft.TextButton("取消", on_click=lambda e: ctx.close_dialog()),
                     ft.TextButton("清除并重新登录", on_click=confirmed)],
        ))

    pin.on_submit = submit
    name = ctx.state.display_name or "您"
    return screen(ctx, ROUTE, "入户通 · 已锁定", [
        ft.Text(f"{name}，请输入 PIN 解锁", size=16), pin, error,
        action_button("解锁", submit, icon=ft.Icons.LOCK_OPEN),
        ft.TextButton("忘记 PIN？清除数据并重新登录", on_click=start_over),
    ], root=True, nav=False)
