"""The coverage panel the manager screens share: the month, the rates as a table and a chart, the drill-down rows.

Not a screen itself (no ``ROUTE``): ``manager_dashboard`` and ``manager_area``
build their views with ``coverage_view``.
"""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import flet as ft

from mobile.components.frame import screen
from mobile.routing import AppContext
from mobile.services.manager import PERIOD_KINDS, ManagerError, ManagerService, save_file
from shared.coverage import RATE_LABELS_ZH, RATE_NAMES
from shared.vocab import label_zh

CHART_RATE = "visit_rate"
CARD_RATES = ("visit_rate", "information_rate", "guidance_rate", "reemployment_rate")
PASS_COLOR, FAIL_COLOR, NONE_COLOR = ft.Colors.TEAL, ft.Colors.DEEP_ORANGE, ft.Colors.GREY_400
DESK_WIDTH = 1280  # a manager's screens use a desk's width; a phone still gets its own


def rate_text(rate: dict[str, Any]) -> str:
    """"80.0%（4/5）", or "—（0/0）" when there is nothing to count."""
    return f"{rate['text']}（{rate['numerator']}/{rate['denominator']}）"


STEP_NAMES = {"month": ("上个月", "下个月"), "quarter": ("上一季", "下一季"), "half": ("上半期", "下半期"),
              "year": ("上一年", "下一年")}


def month_bar(ctx: AppContext, route: str) -> ft.Column:
    """The period shown, the buttons to the one before and after, and the choice of month, quarter, half year, year."""
    service = ctx.service(ManagerService)
    shown = service.shown

    def move(delta: int):
        async def handler(e=None) -> None:
            service.move_period(delta)
            await ctx.go(route)
        return handler

    def choose(kind: str):
        async def handler(e=None) -> None:
            service.set_period_kind(kind)
            await ctx.go(route)
        return handler

    before, after = STEP_NAMES[shown.kind]
    title = f"统计月份 {shown.label}" if shown.kind == "month" else f"统计期 {shown.label_zh}"
    kinds = [(ft.FilledTonalButton if kind == shown.kind else ft.TextButton)(label, on_click=choose(kind),
                                                                           tooltip=f"按{label}统计")
             for kind, label in PERIOD_KINDS]
    return ft.Column([
        ft.Row([
            ft.TextButton(before, icon=ft.Icons.CHEVRON_LEFT, on_click=move(-1)),
            ft.Text(title, size=16, weight=ft.FontWeight.BOLD),
            ft.TextButton(after, icon=ft.Icons.CHEVRON_RIGHT, on_click=move(1)),
        ], alignment=ft.MainAxisAlignment.CENTER, wrap=True),
        ft.Row(kinds, alignment=ft.MainAxisAlignment.CENTER, spacing=4),
    ], spacing=2, horizontal_alignment=ft.CrossAxisAlignment.CENTER)


def rates_table(area: dict[str, Any]) -> ft.DataTable:
    """Every rate of the area with its numerator and denominator."""
    rows = []
    for name in RATE_NAMES:
        rate = area["rates"][name]
        rows.append(ft.DataRow(cells=[
            ft.DataCell(ft.Text(RATE_LABELS_ZH[name])),
            ft.DataCell(ft.Text(f"{rate['numerator']}/{rate['denominator']}")),
            ft.DataCell(ft.Text(rate["text"], weight=ft.FontWeight.BOLD)),
        ]))
    return ft.DataTable(columns=[ft.DataColumn(ft.Text("指标")), ft.DataColumn(ft.Text("分子/分母")),
                                 ft.DataColumn(ft.Text("比率"), numeric=True)],
                        rows=rows, column_spacing=18, data_row_min_height=36, data_row_max_height=44)


def short_name(name: str, parent: str = "") -> str:
    """A child area's name without its parent's ("福民社区一网格" under 福民社区 is "一网格")."""
    if parent and name.startswith(parent) and len(name) > len(parent):
        return name[len(parent):].lstrip("·- ")
    return name


def rate_chart(items: list[dict[str, Any]], rate_name: str = CHART_RATE, parent: str = "") -> ft.Column:
    """One horizontal bar per area or coordinator: its whole name, the rate and its count, coloured by
    whether it meets 100% (teal), falls short (orange) or has nothing to count (grey); a legend under it."""
    rows: list[ft.Control] = []
    for item in items:
        rate = item["rates"][rate_name]
        value = None if rate["value"] is None else max(0.0, min(1.0, float(rate["value"])))
        color = NONE_COLOR if value is None else (PASS_COLOR if value >= 1 else FAIL_COLOR)
        name = short_name(item["name"], parent)
        rows.append(ft.Row([
            ft.Text(name, size=14, width=120, max_lines=2, tooltip=item["name"]),
            ft.ProgressBar(value=value or 0, color=color, bgcolor=ft.Colors.GREY_200, bar_height=16,
                           border_radius=4, expand=True, semantics_label=f"{item['name']} {rate_text(rate)}"),
            ft.Text(rate_text(rate), size=14, width=118, text_align=ft.TextAlign.RIGHT, weight=ft.FontWeight.W_500,
                    color=color if value is not None and value < 1 else None),
        ], spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER, key=f"bar-{item.get('id') or item.get('user_id')}"))
    legend = ft.Row([_legend(PASS_COLOR, "达到 100%"), _legend(FAIL_COLOR, "未达到"), _legend(NONE_COLOR, "无可统计")],
                    wrap=True, spacing=12)
    return ft.Column([*rows, legend], spacing=6)


def _legend(color: Any, text: str) -> ft.Control:
    return ft.Row([ft.Container(width=14, height=14, bgcolor=color, border_radius=3), ft.Text(text, size=13)],
                  spacing=4, tight=True)


def area_card(ctx: AppContext, item: dict[str, Any], route: Optional[str]) -> ft.Row:
    """A child area or a coordinator: its main rates; tap to go down a level."""
    lines = [ft.Text(f"{RATE_LABELS_ZH[n]} {rate_text(item['rates'][n])}", size=13) for n in CARD_RATES]
    title = ft.Text(item["name"], size=16, weight=ft.FontWeight.BOLD)
    badge: list[ft.Control] = []
    if item.get("check") is not None:
        passed = item["check"]["passed"]
        badge.append(ft.Text("充分就业 达标" if passed else "充分就业 未达标",
                             color=PASS_COLOR if passed else FAIL_COLOR, size=13))

    async def open_it(e=None) -> None:
        await ctx.go(route)

    body = ft.Container(ft.Column([ft.Row([title, *badge], wrap=True), *lines], spacing=2),
                        padding=10, on_click=open_it if route else None, ink=bool(route))
    return ft.Row([ft.Card(body, expand=True, key=item.get("id") or item.get("user_id"))])


def check_rows(check: dict[str, Any]) -> list[ft.Control]:
    rows = [ft.Text("充分就业社区：" + ("达标" if check["passed"] else "未达标"), size=16, weight=ft.FontWeight.BOLD,
                    color=PASS_COLOR if check["passed"] else FAIL_COLOR)]
    for criterion in check["criteria"]:
        mark = "√" if criterion["passed"] else "×"
        rows.append(ft.Text(f"{mark} {criterion['label_zh']} {rate_text(criterion['rate'])}", size=13,
                            color=None if criterion["passed"] else FAIL_COLOR))
    return rows


def list_buttons(ctx: AppContext, area_id: str) -> ft.Row:
    def opener(kind: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/manager/list/{kind}/{area_id}")
        return handler

    return ft.Row([ft.OutlinedButton(title, on_click=opener(kind), height=48) for kind, title in
                   (("not-visited", "未走访名单"), ("incomplete", "信息不全名单"), ("overdue", "零就业逾期"),
                    ("zero-employment", "零就业家庭"), ("activity", "协管员工作量"))], wrap=True)


def report_button(ctx: AppContext, area_id: str) -> ft.Button:
    service = ctx.service(ManagerService)

    async def download(e=None) -> None:
        try:
            name, content = await asyncio.to_thread(service.monthly_report, area_id)
        except ManagerError as error:
            ctx.toast(error.message)
            return
        await save_file(ctx.page, name, content)
        ctx.toast(f"月报已生成：{name}")

    return ft.Button("下载月报（Excel）", icon=ft.Icons.DOWNLOAD, on_click=download)


def conflicts_row(ctx: AppContext, count: Optional[int]) -> list[ft.Control]:
    if count is None:  # could not ask
        return []

    async def open_sync(e=None) -> None:
        await ctx.go("/sync")

    if not count:
        return [ft.Text("同步冲突：无待处理", size=13)]
    return [ft.TextButton(f"待处理的同步冲突 {count} 个", icon=ft.Icons.WARNING_AMBER, on_click=open_sync)]


def problem(ctx: AppContext, route: str, message: str) -> list[ft.Control]:
    async def retry(e=None) -> None:
        await ctx.go(route)

    return [ft.Text(message, color=FAIL_COLOR, size=15), ft.Button("重试", on_click=retry)]


def loading_view(ctx: AppContext, route: str, title: str, load, *, root: bool = False) -> ft.View:
    """A screen that shows "正在加载" and fills itself in once ``load()`` (run off the event loop) returns its controls.

    The coverage comes from the server: the request must not block the page.
    """
    body = ft.Column([month_bar(ctx, route), ft.ProgressRing(width=28, height=28), ft.Text("正在加载…", size=15)],
                     spacing=12)

    async def fill() -> None:
        controls = await asyncio.to_thread(load)
        body.controls = [month_bar(ctx, route), *controls]
        ctx.page.update()

    ctx.page.run_task(fill)
    return screen(ctx, route, title, [body], root=root, width=DESK_WIDTH)


def coverage_view(ctx: AppContext, route: str, area_id: Optional[str], *, root: bool) -> ft.View:
    """The coverage of one area (None: my own area) with the way down to grids and coordinators."""
    service = ctx.service(ManagerService)

    def load() -> list[ft.Control]:
        try:
            report = service.coverage(area_id)
        except ManagerError as error:
            if error.code == "area.required":
                return choose_area(ctx, error.details or {})
            return problem(ctx, route, error.message)
        try:
            conflicts: Optional[int] = len(service.open_conflicts())
        except ManagerError:
            conflicts = None
        return coverage_controls(ctx, report, service.is_manager, conflicts)

    return loading_view(ctx, route, "覆盖统计", load, root=root)


def coverage_controls(ctx: AppContext, report: dict[str, Any], is_manager: bool,
                      conflicts: Optional[int]) -> list[ft.Control]:
    area = report["area"]
    counts = area["counts"]
    controls: list[ft.Control] = [
        ft.Text(f"{label_zh(area['level'])} · {area['name']}", size=20, weight=ft.FontWeight.BOLD),
        ft.Text(f"登记失业人员 {counts['registered']} 人 · 零就业家庭 {counts['zero_identified']} 户"
                f"（逾期 {counts['zero_overdue']}，未到期 {counts['zero_open']}）", size=15),
    ]
    summary: list[ft.Control] = [ft.Row([rates_table(area)], scroll=ft.ScrollMode.AUTO)]  # never cut on a phone
    if area["level"] in ("district", "street"):
        passing = report["community_pass_rate"]
        summary.append(ft.Text(f"充分就业社区达标 {rate_text(passing)}", size=15, weight=ft.FontWeight.BOLD))
        target = report.get("full_employment_target")
        if target:  # the district's share against its target (60% unless the office set another)
            met = target["met"]
            summary.append(ft.Text(f"目标 {target['target'] * 100:.0f}%："
                                   + {True: "已达到", False: "未达到", None: "—"}[met], size=14,
                                   color={True: PASS_COLOR, False: FAIL_COLOR, None: None}[met]))
    if area.get("check"):
        summary += check_rows(area["check"])
    charts: list[ft.Control] = []
    children = report["children"]
    if children:
        charts += [ft.Text(f"下级{label_zh(children[0]['level'])}：{RATE_LABELS_ZH[CHART_RATE]}", size=16,
                           weight=ft.FontWeight.BOLD), rate_chart(children, parent=area["name"])]
    if len(report["coordinators"]) > 1:
        charts += [ft.Text(f"协管员：{RATE_LABELS_ZH[CHART_RATE]}", size=16, weight=ft.FontWeight.BOLD),
                   rate_chart(report["coordinators"])]
    # at a desk the table and the chart stand side by side; on a phone one under the other
    controls.append(ft.ResponsiveRow([
        ft.Column(summary, spacing=6, col={"xs": 12, "lg": 6}),
        ft.Column(charts, spacing=8, col={"xs": 12, "lg": 6}),
    ], spacing=24, run_spacing=12))
    cards = [area_card(ctx, child, f"/manager/area/{child['id']}") for child in children]
    if report["coordinators"]:
        cards += [area_card(ctx, c, f"/manager/coordinator/{area['id']}/{c['user_id']}")
                  for c in report["coordinators"]]
    if cards:
        controls.append(ft.ResponsiveRow([ft.Container(c, col={"xs": 12, "md": 6, "xl": 4}) for c in cards],
                                         spacing=8, run_spacing=8))
    controls.append(list_buttons(ctx, area["id"]))
    if is_manager:
        controls.append(report_button(ctx, area["id"]))
    return controls + conflicts_row(ctx, conflicts)


def choose_area(ctx: AppContext, details: dict[str, Any]) -> list[ft.Control]:
    """Several assigned areas: one button each."""
    names = {a.get("id"): a for a in (ctx.session.user or {}).get("areas", [])}

    def opener(area_id: str):
        async def handler(e=None) -> None:
            await ctx.go(f"/manager/area/{area_id}")
        return handler

    buttons = [ft.OutlinedButton(names.get(a, {}).get("name") or a, on_click=opener(a))
               for a in details.get("assigned", [])]
    return [ft.Text("您负责多个区域，请选择：", size=15), *buttons]
