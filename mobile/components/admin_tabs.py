"""The administrator's four pages (账号, 网格, 设备, 区域) as a row of buttons at the top of each."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

import flet as ft

from mobile.routing import AppContext

PAGES = (("账号", "/admin"), ("网格分配", "/admin/grids"), ("设备", "/admin/devices"), ("区域", "/admin/areas"))


def admin_tabs(ctx: AppContext, current: str) -> ft.Control:
    def opener(route: str):
        async def open_page(e: Any = None) -> None:
            await ctx.go(route)
        return open_page

    return ft.Row([(ft.FilledTonalButton if route == current else ft.TextButton)(label, on_click=opener(route))
                   for label, route in PAGES], wrap=True, spacing=4)


def one_time_dialog(ctx: AppContext, who: str, password: str) -> ft.AlertDialog:
    """The one-time password, shown once: the administrator hands it to the person."""
    return ft.AlertDialog(
        modal=True, title=ft.Text("初始密码（只显示这一次）"),
        content=ft.Column([ft.Text(f"{who} 的初始密码："), ft.Text(password, size=24,
                                                                  weight=ft.FontWeight.BOLD),
                           ft.Text("请当面交给本人；首次登录时须改为自己的密码。")], tight=True),
        actions=[ft.TextButton("我已记下", on_click=lambda e: ctx.close_dialog())],
    )


def admin_view(ctx: AppContext, route: str, title: str, load: Callable[[], Any],
               render: Callable[[Any], list[ft.Control]], *, root: bool = False) -> ft.View:
    """A 管理 page: the tabs, "正在加载", then ``render(load())`` (``load`` runs off the event loop: HTTP)."""
    from mobile.components.frame import named, screen
    from mobile.services.admin import AdminError

    body = ft.Column([ft.ProgressRing(width=28, height=28), ft.Text("正在加载…", size=15)], spacing=12,
                     horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    async def fill() -> None:
        try:
            data = await asyncio.to_thread(load)
        except AdminError as failure:
            body.controls = [ft.Text(failure.message, size=15, color=ft.Colors.ERROR)]
        else:
            body.controls = [named(c) for c in render(data)]
        ctx.page.update()

    ctx.page.run_task(fill)
    return screen(ctx, route, title, [admin_tabs(ctx, route), body], root=root, width=900)


async def call(ctx: AppContext, message: ft.Text, work: Callable[[], Any]) -> tuple[bool, Any]:
    """Run one admin request off the event loop; a refusal goes into ``message``. (ok, answer)."""
    from mobile.services.admin import AdminError

    try:
        return True, await asyncio.to_thread(work)
    except AdminError as failure:
        message.value, message.color = failure.message, ft.Colors.ERROR
        ctx.update()
        return False, None
