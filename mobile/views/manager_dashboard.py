"""Coverage of my own area (统计): the manager's start screen, also open to coordinators for their grids."""
from __future__ import annotations

import flet as ft

from mobile.routing import AppContext, NavEntry
from mobile.views.manager_panel import coverage_view

ROUTE = "/manager"
NAV = NavEntry("统计", ft.Icons.INSIGHTS, ROUTE, order=60)


def build(ctx: AppContext) -> ft.View:
    return coverage_view(ctx, ROUTE, None, root=True)
