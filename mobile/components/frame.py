"""The frame of every screen: an app bar, a scrolling column, and on root screens the bottom navigation bar."""
from __future__ import annotations

from typing import Any, Optional

import flet as ft

from mobile.routing import AppContext

MAX_CONTENT_WIDTH = 480  # phone-shaped even in a desktop window or a wide browser


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
           nav: Optional[bool] = None, actions: Optional[list[ft.Control]] = None, scroll: bool = True) -> ft.View:
    """A screen; ``root`` screens have no back arrow and show the navigation bar (unless ``nav=False``)."""
    body = ft.Column(controls, spacing=12, scroll=ft.ScrollMode.AUTO if scroll else None, expand=True)
    return ft.View(
        route=route,
        appbar=ft.AppBar(title=ft.Text(title), actions=actions or [], automatically_imply_leading=not root),
        controls=[ft.Container(body, width=MAX_CONTENT_WIDTH, expand=True)],  # no alignment: the column fills it
        navigation_bar=navigation_bar(ctx, route) if (root if nav is None else nav) else None,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
    )
