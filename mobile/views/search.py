"""Search while typing: name, pinyin initials (张三 → zs), last digits of an ID number, phone, address."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.household_tile import household_tile
from mobile.routing import AppContext, NavEntry

ROUTE = "/search"
NAV = NavEntry("搜索", ft.Icons.SEARCH, ROUTE, order=20)


def build(ctx: AppContext) -> ft.View:
    query = ft.TextField(label="搜索居民或住户", hint_text="姓名、拼音首字母、身份证后几位、电话、地址",
                         prefix_icon=ft.Icons.SEARCH, autofocus=True, text_size=17)
    count = ft.Text("", size=14)
    results = ft.Column(spacing=6)

    def open_household(household_id: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/household/{household_id}")
        return handler

    def on_change(e=None) -> None:
        index = ctx.session.search_index
        hits = index.search(query.value or "") if index is not None else []
        results.controls = [
            household_tile(
                hit.name or hit.address or "（未填）",
                " · ".join(p for p in (hit.address if hit.name else "", hit.id_hint, hit.phone_hint) if p),
                [f"匹配：{hit.matched}"], open_household(hit.household_id), key=hit.resident_id or hit.household_id,
            )
            for hit in hits
        ]
        count.value = f"找到 {len(hits)} 条" if (query.value or "").strip() else ""
        ctx.update()

    query.on_change = on_change
    return screen(ctx, ROUTE, "搜索", [query, count, results], root=True)
