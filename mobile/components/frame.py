"""The frame of every screen: an app bar, a scrolling column, and on root screens the bottom navigation bar."""
from __future__ import annotations

from typing import Any, Optional

import flet as ft

from mobile.routing import AppContext

MAX_CONTENT_WIDTH = 480  # phone-shaped even in a desktop window or a wide browser


def named(control: Any) -> Any:
    """Drop-downs wrapped so that screen readers (and the browser's accessibility tree) find them by their label
    (Flutter's menu leaves them out), segmented buttons given a touch height. Goes through columns, rows and
    containers; returns the control to place."""
    if isinstance(control, ft.SegmentedButton):  # Flutter draws it 40 px high: give it a finger's 52
        return ft.Container(control, height=52)
    if isinstance(control, ft.Dropdown):
        label = control.label if isinstance(control.label, str) else ""
        return ft.Semantics(content=control, label=label.rstrip(" *"), button=True) if label else control
    if isinstance(control, (ft.Column, ft.Row, ft.ResponsiveRow)):
        control.controls = [named(c) for c in control.controls]
    elif isinstance(control, (ft.Container, ft.Card)) and control.content is not None:
        control.content = named(control.content)
    return control


def back_button(ctx: AppContext) -> ft.IconButton:
    """The app bar's back arrow, named in Chinese for screen readers (Flutter's own says "Back")."""
    async def back(e: Any = None) -> None:
        await ctx.back()

    return ft.IconButton(ft.Icons.ARROW_BACK, tooltip="返回", on_click=back)


def lock_button(ctx: AppContext) -> ft.IconButton:
    """Lock now (handing the phone over, leaving it on a table): the screen is kept for after the PIN."""
    async def lock(e: Any = None) -> None:
        from mobile.services.sign_in import SignInService

        ctx.service(SignInService).lock()
        await ctx.go("/unlock")

    return ft.IconButton(ft.Icons.LOCK_OUTLINE, tooltip="立即锁定", on_click=lock)


def screen_is_public(ctx: AppContext, route: str) -> bool:
    found, _ = ctx.registry.match(route)
    return found is None or found.public


def navigation_bar(ctx: AppContext, current: str) -> Optional[ft.NavigationBar]:
    entries = ctx.registry.nav_for(ctx.state.role)
    if not entries:
        return None
    routes = [n.route for n in entries]

    async def on_change(e: Any) -> None:
        await ctx.go(routes[e.control.selected_index])

    return ft.NavigationBar(
        destinations=[ft.NavigationBarDestination(icon=n.icon, label=n.label) for n in entries],
        selected_index=routes.index(current) if current in routes else 0,
        on_change=on_change,
    )


def screen(ctx: AppContext, route: str, title: str, controls: list[ft.Control], *, root: bool = False,
           nav: Optional[bool] = None, actions: Optional[list[ft.Control]] = None, scroll: bool = True,
           footer: Optional[list[ft.Control]] = None, width: int = MAX_CONTENT_WIDTH) -> ft.View:
    """A screen; ``root`` screens have no back arrow and show the navigation bar (unless ``nav=False``).

    ``footer`` stays below the scrolling content, always in reach (a long form's 保存); ``width`` is the
    content's widest (phone-shaped by default; the manager's desk screens take more). Every control
    of the column is as wide as the screen (fields, drop-downs).
    """
    controls = [named(c) for c in controls]
    body = ft.Column(controls, spacing=12, scroll=ft.ScrollMode.AUTO if scroll else None, expand=True,
                     horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    content: ft.Control = body
    if footer:
        content = ft.Column([body, ft.Column(footer, spacing=4, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)],
                            spacing=6, expand=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    if not screen_is_public(ctx, route):
        actions = [*(actions or []), lock_button(ctx)]
    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(title), actions=actions or [], automatically_imply_leading=not root,
                         leading=None if root else back_button(ctx)),
        controls=[ft.Container(content, width=width, expand=True)],  # no alignment: the column fills it
        navigation_bar=navigation_bar(ctx, route) if (root if nav is None else nav) else None,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
    )
