"""Today's worklist: my households in the order they need doing (home screen)."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.household_tile import household_tile
from mobile.routing import HOME, AppContext, NavEntry
from mobile.services.worklist import NEVER_VISITED, WorklistService
from shared.vocab import Role

ROUTE = HOME
NAV = NavEntry("今日", ft.Icons.TODAY, HOME, order=10, roles=frozenset({Role.coordinator.value}), home=True)
PAGE_SIZE = 50


def build(ctx: AppContext) -> ft.View:
    worklist = ctx.service(WorklistService).worklist()
    shown = {"count": 0}
    tiles = ft.Column(spacing=6)
    more = ft.TextButton("显示更多", visible=False)

    def open_household(household_id: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/household/{household_id}")
        return handler

    def show_more(e=None) -> None:
        start, end = shown["count"], shown["count"] + PAGE_SIZE
        for item in worklist.items[start:end]:
            urgent = any(text.startswith(("回访逾期", "零就业 逾期")) for _, text in item.reasons)
            tiles.controls.append(household_tile(
                item.address or "（地址未填）", "、".join(item.names[:4]), [text for _, text in item.reasons],
                open_household(item.household_id), urgent=urgent,
                key=item.household_id,
            ))
        shown["count"] = min(end, len(worklist.items))
        more.visible = shown["count"] < len(worklist.items)
        if e is not None:
            ctx.update()

    more.on_click = show_more
    show_more()
    never = sum(1 for i in worklist.items if i.reasons[0][0] == NEVER_VISITED)
    summary = ft.Text(f"待办 {len(worklist.items)} 户（从未走访 {never} 户） · 共 {worklist.households} 户",
                      size=15)
    header: list[ft.Control] = [ft.Text(f"{ctx.state.display_name}，今天的走访", size=20, weight=ft.FontWeight.BOLD),
                                summary]
    if ctx.state.pending:
        async def open_sync(e=None) -> None:
            await ctx.go("/sync")

        header.append(ft.TextButton(f"{ctx.state.pending} 条修改待同步", icon=ft.Icons.CLOUD_UPLOAD,
                                    on_click=open_sync))
    if not worklist.items:
        header.append(ft.Text("今天没有待办的住户。可在“搜索”中查找任意住户。", size=15))
    return screen(ctx, ROUTE, "今日走访", [*header, tiles, more], root=True)
