"""Today's worklist: my households in the order they need doing (home screen)."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.household_tile import household_tile
from mobile.routing import HOME, AppContext, NavEntry
from mobile.services.worklist import (
    HARDSHIP_FLAGS,
    NEVER_VISITED,
    REASON_FILTERS,
    WorklistService,
    filter_worklist,
)
from shared.vocab import Role

ROUTE = HOME
NAV = NavEntry("今日", ft.Icons.TODAY, HOME, order=10, roles=frozenset({Role.coordinator.value}), home=True)
PAGE_SIZE = 50
FILTER_KEY = "worklist_filter"
ALL = "all"


def filter_bar(ctx: AppContext, grids: dict[str, str], chosen: dict[str, str]) -> ft.Control:
    """网格 / 困难类型 / 待办原因: each narrows the list; the choice stays while the app runs."""
    def dropdown(key: str, label: str, options: dict[str, str]) -> ft.Dropdown:
        def picked(e=None) -> None:
            chosen[key] = e.control.value or ALL
            ctx.refresh()

        return ft.Dropdown(label=label, value=chosen.get(key, ALL), width=172, text_size=15, dense=True,
                           options=[ft.DropdownOption(key=ALL, text="全部"),
                                    *(ft.DropdownOption(key=k, text=t) for k, t in options.items())],
                           on_select=picked, enable_search=False)

    parts = [dropdown("reason", "待办原因", {str(k): t for k, t in REASON_FILTERS.items()}),
             dropdown("flag", "困难类型", HARDSHIP_FLAGS)]
    if len(grids) > 1:
        parts.insert(0, dropdown("grid", "网格", grids))
    return ft.Row(parts, wrap=True, spacing=8, run_spacing=8)


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(WorklistService)
    worklist = service.worklist()
    grids = service.grids()
    chosen: dict[str, str] = ctx.state.extras.setdefault(FILTER_KEY, {})

    def wanted(key: str):
        value = chosen.get(key, ALL)
        return None if value == ALL else value

    reason = wanted("reason")
    items = filter_worklist(worklist.items, grid_id=wanted("grid"), flag=wanted("flag"),
                            reason=int(reason) if reason is not None else None)
    shown = {"count": 0}
    tiles = ft.Column(spacing=6)
    more = ft.TextButton("显示更多", visible=False)

    def open_household(household_id: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/household/{household_id}")
        return handler

    def show_more(e=None) -> None:
        start, end = shown["count"], shown["count"] + PAGE_SIZE
        for item in items[start:end]:
            tiles.controls.append(household_tile(
                item.address or "（地址未填）", "、".join(item.names[:4]), [text for _, text in item.reasons],
                open_household(item.household_id), urgent=item.urgent,
                key=item.household_id,
            ))
        shown["count"] = min(end, len(items))
        more.visible = shown["count"] < len(items)
        more.content = f"显示更多（还有 {len(items) - shown['count']} 户）"
        if e is not None:
            ctx.update()

    more.on_click = show_more
    show_more()
    never = sum(1 for i in worklist.items if NEVER_VISITED in i.kinds)
    summary = ft.Text(f"待办 {len(worklist.items)} 户（从未走访 {never} 户） · 共 {worklist.households} 户",
                      size=15)
    header: list[ft.Control] = [ft.Text(f"{ctx.state.display_name}，今天的走访", size=20, weight=ft.FontWeight.BOLD),
                                summary]
    if worklist.items:
        header.append(filter_bar(ctx, grids, chosen))
        if len(items) != len(worklist.items):
            header.append(ft.Text(f"筛选后 {len(items)} 户", size=15, weight=ft.FontWeight.W_500))
    if ctx.state.pending:
        async def open_sync(e=None) -> None:
            await ctx.go("/sync")

        header.append(ft.TextButton(f"{ctx.state.pending} 条修改待同步", icon=ft.Icons.CLOUD_UPLOAD,
                                    on_click=open_sync))
    if ctx.state.open_conflicts:
        async def open_conflicts(e=None) -> None:
            await ctx.go("/sync")

        header.append(ft.TextButton(f"{ctx.state.open_conflicts} 处同步冲突待确认", icon=ft.Icons.WARNING_AMBER,
                                    on_click=open_conflicts))
    if not worklist.items:
        header.append(ft.Text("今天没有待办的住户。可在“搜索”中查找任意住户。", size=15))
    return screen(ctx, ROUTE, "今日走访", [*header, tiles, more], root=True)
