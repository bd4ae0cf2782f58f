"""Sign-in: server address, user name and password; the PIN comes next."""
from __future__ import annotations

import os

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, text_input
from mobile.routing import AppContext
from mobile.services.sign_in import LOST_MESSAGE, PasswordChangeRequired, SignInError, SignInService

ROUTE = "/sign-in"
PUBLIC = True


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(SignInService)
    server = text_input("服务器地址", ctx.state.server_url or os.environ.get("DOORSTEP_SERVER_URL", ""),
                        hint="例如 http://192.168.1.5:8000", keyboard=ft.KeyboardType.URL)
    username = text_input("用户名", "")
    password = text_input("密码", "", password=True)
    # shown when the password was a one-time password (a new account, a reset): the user chooses their own
    new_password = text_input("新密码（至少 8 位）", "", password=True)
    again = text_input("再次输入新密码", "", password=True)
    new_password.visible = again.visible = False
    # a phone the administrator reported lost arrives here wiped, saying so
    error = ft.Text(ctx.state.sync_error if ctx.state.sync_error == LOST_MESSAGE else "", color=ft.Colors.ERROR,
                    size=15)
    busy = ft.ProgressRing(visible=False, width=28, height=28)

    async def submit(e=None) -> None:
        error.value, busy.visible = "", True
        ctx.update()
        try:
            changing = new_password.visible
            await service.sign_in(server.value, username.value, password.value,
                                  new_password.value if changing else None, again.value if changing else None)
        except PasswordChangeRequired as failure:
            new_password.visible = again.visible = True
            error.value = failure.message
            return
        except SignInError as failure:
            error.value = failure.message
            return
        finally:
            busy.visible = False
            ctx.update()
        password.value = new_password.value = again.value = ""
        await ctx.go("/pin/new")

    password.on_submit = submit
    button = action_button("登录", submit, icon=ft.Icons.LOGIN)
    return screen(ctx, ROUTE, "入户通 · 登录", [
        ft.Text("社区就业服务上门走访", size=16),
        server, username, password, new_password, again, error, ft.Row([button, busy]),
    ], root=True, nav=False)
