"""The street's vacancies (岗位): search, open ones first, add a new one; works offline."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.household_tile import household_tile
from mobile.components.touch import action_button, text_input
from mobile.routing import AppContext, NavEntry
from mobile.services.jobs import JobsService, VacancyItem
from shared.vocab import Role

ROUTE = "/jobs"
# Vacancies are collected and offered door to door: a coordinator's tab.
NAV = NavEntry("岗位", ft.Icons.WORK, ROUTE, order=25, roles=frozenset({Role.coordinator.value}))


def vacancy_chips(item: VacancyItem, community: str) -> list[str]:
    row = item.row
    chips = [item.state_label, item.wage, f"招 {row.get('openings') or 1} 人 · 已招 {row.get('filled') or 0}"]
    if row.get("public_welfare"):
        chips.append("公益性岗位")
    if row.get("assistance_base"):
        chips.append("再就业援助基地")
    if community:
        chips.append(community)
    if item.referrals:
        chips.append(f"已推荐 {item.referrals} 人")
    return chips


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    query = text_input("搜索岗位", hint="岗位名称、工种或单位")
    show_all = ft.Checkbox(label="也显示已过期、已招满和已关闭的岗位", value=False)
    count = ft.Text("", size=15)
    tiles = ft.Column(spacing=6)

    def open_vacancy(vacancy_id: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/vacancy/{vacancy_id}")
        return handler

    def refresh(e=None) -> None:
        items = jobs.vacancies(include_inactive=bool(show_all.value), query=query.value or "")
        communities = jobs.communities()
        tiles.controls = [
            household_tile(item.row["title"], (item.employer or {}).get("name") or "",
                           vacancy_chips(item, communities.get(item.row.get("community_id") or "", "")),
                           open_vacancy(item.id), urgent=item.state != "open", key=item.id)
            for item in items
        ]
        count.value = f"共 {len(items)} 个岗位" if items else "还没有岗位。走访用人单位时点“新增岗位”记录。"
        if e is not None:
            ctx.update()

    async def add(e=None) -> None:
        await ctx.go("/vacancy/new")

    query.on_change = refresh
    show_all.on_change = refresh
    refresh()
    return screen(ctx, ROUTE, "岗位", [
        action_button("新增岗位", add, icon=ft.Icons.ADD), query, show_all, count, tiles,
    ], root=True)
