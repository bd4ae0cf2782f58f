"""Coverage of one area, reached by drilling down: district → street → community → grid."""
from __future__ import annotations

import flet as ft

from mobile.routing import AppContext
from mobile.views.manager_panel import coverage_view

ROUTE = "/manager/area/{area_id}"


def build(ctx: AppContext) -> ft.View:
    area_id = ctx.params["area_id"]
    return coverage_view(ctx, f"/manager/area/{area_id}", area_id, root=False)
