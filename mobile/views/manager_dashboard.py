"""Coverage of my own area (统计): the manager's home screen and tab (coordinators reach it only by its route)."""
from __future__ import annotations

import flet as ft

from mobile.routing import AppContext, NavEntry
from mobile.views.manager_panel import coverage_view
from shared.vocab import Role

ROUTE = "/manager"
NAV = NavEntry("统计", ft.Icons.INSIGHTS, ROUTE, order=5, roles=frozenset({Role.manager.value, Role.admin.value}),
               home=True)


def build(ctx: AppContext) -> ft.View:
    return coverage_view(ctx, ROUTE, None, root=True)
