"""The lists behind the numbers: not yet visited, incomplete information, overdue zero-employment households,
coordinator activity; and one coordinator's people to visit (to plan tomorrow's walk)."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.routing import AppContext
from mobile.services.manager import LIST_KINDS, ManagerError, ManagerService
from mobile.views.manager_panel import loading_view, problem

ROUTES = ("/manager/list/{kind}/{area_id}", "/manager/coordinator/{area_id}/{user_id}")
ACTIVITY = (("visits", "走访"), ("guidance", "指导"), ("vacancies", "岗位"), ("referrals", "推荐"), ("hires", "录用"),
            ("employer_confirmed", "单位确认"), ("employer_hires", "确认录用"))  # confirmed on the slip's page


STATE_COLORS = {"met": ft.Colors.TEAL, "open": ft.Colors.AMBER_900, "overdue": ft.Colors.ERROR}


def opener(ctx: AppContext, household_id: Any):
    """Tapping an entry opens the household card (when the household is on this device)."""
    if not household_id:
        return None

    async def open_it(e=None) -> None:
        await ctx.go(f"/household/{household_id}")
    return open_it


def entry(ctx: AppContext, lines: list[ft.Control], household_id: Any, key: Any) -> ft.Control:
    handler = opener(ctx, household_id)
    return ft.Card(ft.ListTile(title=lines[0], subtitle=ft.Column(lines[1:], spacing=2), on_click=handler,
                               trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT) if handler else None, min_height=56),
                   key=key)


def person_tile(ctx: AppContext, item: dict[str, Any], extra: str = "") -> ft.Control:
    where = " · ".join(p for p in (item["community"], item["grid"], item["address"]) if p)
    lines = [ft.Text(item["name"] or "（未填姓名）", size=16, weight=ft.FontWeight.BOLD), ft.Text(where, size=14)]
    if item.get("phone"):
        lines.append(ft.Text(f"电话 {item['phone']}", size=14))
    if item.get("coordinators"):
        lines.append(ft.Text("协管员 " + "、".join(item["coordinators"]), size=14))
    if extra:
        lines.append(ft.Text(extra, size=14, color=ft.Colors.DEEP_ORANGE))
    return entry(ctx, lines, item.get("household_id"), item.get("resident_id"))


def household_tile(ctx: AppContext, item: dict[str, Any]) -> ft.Control:
    """A zero-employment household: its clock coloured by state (met teal, running amber, overdue red)."""
    color = STATE_COLORS.get(item.get("state"), ft.Colors.ON_SURFACE)
    lines = [ft.Text(item["address"] or "（地址未填）", size=16, weight=ft.FontWeight.BOLD),
             ft.Text(f"{item['community']} · {item['grid']} · 协管员 {'、'.join(item['coordinators']) or '—'}", size=14),
             ft.Text(f"认定 {item['identified_on']} · 期限 {item['deadline']} · {item['label_zh']}", size=14,
                     color=color, weight=ft.FontWeight.W_500)]
    return entry(ctx, lines, item["household_id"], item["household_id"])


def activity_table(items: list[dict[str, Any]]) -> ft.DataTable:
    return ft.DataTable(
        columns=[ft.DataColumn(ft.Text("月份")), ft.DataColumn(ft.Text("协管员"))]
        + [ft.DataColumn(ft.Text(label), numeric=True) for _, label in ACTIVITY],
        rows=[ft.DataRow(cells=[ft.DataCell(ft.Text(i["month"])), ft.DataCell(ft.Text(i["name"]))]
                         + [ft.DataCell(ft.Text(str(i[key]))) for key, _ in ACTIVITY]) for i in items],
        column_spacing=12)


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(ManagerService)
    area_id = ctx.params["area_id"]
    coordinator_id = ctx.params.get("user_id")
    kind = ctx.params.get("kind", "")
    if coordinator_id:
        route, title = f"/manager/coordinator/{area_id}/{coordinator_id}", "协管员的待办"
    else:
        route, title = f"/manager/list/{kind}/{area_id}", LIST_KINDS.get(kind, ("", "名单"))[1]

    def load() -> list[ft.Control]:
        try:
            if coordinator_id:
                return coordinator_controls(ctx, service.items("not-visited", area_id, coordinator_id),
                                            service.items("incomplete", area_id, coordinator_id))
            if kind not in LIST_KINDS:
                return [ft.Text("没有这个名单", size=15)]
            return list_controls(ctx, kind, service.items(kind, area_id))
        except ManagerError as error:
            return problem(ctx, route, error.message)

    return loading_view(ctx, route, title, load)


def coordinator_controls(ctx: AppContext, people: list[dict[str, Any]],
                         missing: list[dict[str, Any]]) -> list[ft.Control]:
    return [ft.Text(f"未走访 {len(people)} 人", size=16, weight=ft.FontWeight.BOLD),
            grid_of(person_tile(ctx, p) for p in people),
            ft.Text(f"信息不全 {len(missing)} 人", size=16, weight=ft.FontWeight.BOLD),
            grid_of(person_tile(ctx, p, "缺：" + "、".join(p["missing_zh"])) for p in missing)]


def grid_of(tiles) -> ft.Control:
    """Entries one per line on a phone, two or three across at a desk."""
    return ft.ResponsiveRow([ft.Container(t, col={"xs": 12, "md": 6, "xl": 4}) for t in tiles], spacing=8,
                            run_spacing=4)


def list_controls(ctx: AppContext, kind: str, items: list[dict[str, Any]]) -> list[ft.Control]:
    if kind == "activity":
        return [ft.Row([activity_table(items)], scroll=ft.ScrollMode.AUTO) if items
                else ft.Text("没有协管员", size=15)]
    households = kind in ("overdue", "zero-employment")
    controls: list[ft.Control] = [ft.Text(f"共 {len(items)} {'户' if households else '人'}", size=16,
                                          weight=ft.FontWeight.BOLD)]
    if households:
        tiles = [household_tile(ctx, item) for item in items]
    else:
        tiles = [person_tile(ctx, item, "缺：" + "、".join(item["missing_zh"]) if kind == "incomplete" else "")
                 for item in items]
    return controls + [grid_of(tiles)]
