"""Jobs for this person (resident card): the best open vacancies with the reasons, refer in one tap."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Optional

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import chip_row, section
from mobile.routing import AppContext, CardAction
from mobile.services.jobs import JobsService, wage_text
from shared.matching import Suggestion
from shared.occupations import occupation_name
from shared.validation import in_labour_force
from shared.vocab import EMPLOYED_STATUSES, label_zh

ROUTE = "/resident/{resident_id}/jobs"
_NOT_SEEKING = {s.value for s in EMPLOYED_STATUSES} | {"retired", "student", "unable"}


def seeking_work(row: dict[str, Any]) -> bool:
    """Whether the member card offers "推荐岗位": of working age, not employed, retired, a student or unable."""
    return row.get("employment_status") not in _NOT_SEEKING and in_labour_force(row, date.today())


CARD_ACTIONS = (CardAction("resident", "推荐岗位", ROUTE, ft.Icons.WORK, order=30, visible=seeking_work),)
NEGATIVE = ("低于", "不符", ">", "需确认")


def reason_chips(suggestion: Suggestion) -> ft.Control:
    """The reasons as chips: hardship priority in red, weak fits in grey, the rest in the theme colour."""
    first = [r for r in suggestion.reasons if r.endswith("优先") or r == "公益性岗位"]
    weak = [r for r in suggestion.reasons if r not in first and any(n in r for n in NEGATIVE)]
    good = [r for r in suggestion.reasons if r not in first and r not in weak]
    rows = []
    for group, color in ((first, ft.Colors.ERROR_CONTAINER), (good, None),
                         (weak, ft.Colors.SURFACE_CONTAINER_HIGHEST)):
        if group:
            rows.append(chip_row(group, color=color))
    return ft.Column(rows, spacing=4)


def suggestion_card(title: str, subtitle: str, suggestion: Suggestion, *, on_open: Callable,
                    action: tuple[str, Callable], key: str, extra: Optional[str] = None) -> ft.Control:
    head = ft.Row([ft.Text(title, size=17, weight=ft.FontWeight.W_500, expand=True),
                   ft.Text(f"{suggestion.score} 分", size=14)])
    lines: list[ft.Control] = [head, ft.Text(subtitle, size=14)]
    if extra:
        lines.append(ft.Text(extra, size=14, color=ft.Colors.ERROR))
    lines.append(reason_chips(suggestion) if suggestion.reasons else ft.Text("无特别匹配项", size=13))
    caption, handler = action
    lines.append(ft.Row([ft.OutlinedButton("详情", on_click=on_open, height=44),
                         ft.FilledButton(caption, on_click=handler, height=44)]))
    return ft.Card(ft.Container(ft.Column(lines, spacing=6), padding=12), key=key)


def wishes(resident: dict[str, Any]) -> str:
    parts = []
    names = [occupation_name(c) or c for c in resident.get("job_wish_occupations") or []]
    if names:
        parts.append("期望：" + "、".join(names))
    if resident.get("job_wish_min_wage") is not None:
        parts.append(f"工资 ≥ {resident['job_wish_min_wage']:,}")
    if resident.get("job_wish_hours"):
        parts.append(label_zh(resident["job_wish_hours"]))
    if resident.get("job_wish_max_distance_km") is not None:
        parts.append(f"{resident['job_wish_max_distance_km']:g} 公里内")
    if resident.get("skills"):
        parts.append("技能：" + "、".join(resident["skills"]))
    return " · ".join(parts) or "尚未登记求职意愿（可在“编辑信息”中补充，推荐会更准）"


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    resident_id = ctx.params["resident_id"]
    route = f"/resident/{resident_id}/jobs"
    resident = jobs.store.get("resident", resident_id)
    if resident is None:
        return screen(ctx, route, "推荐岗位", [ft.Text("本机上没有此人的记录。", size=16)])

    def go(target: str):
        async def handler(e=None) -> None:
            await ctx.go(target)
        return handler

    body: list[ft.Control] = [ft.Text(resident.get("name") or "（未填姓名）", size=20, weight=ft.FontWeight.BOLD),
                              ft.Text(wishes(resident), size=14)]
    not_looking = jobs.not_looking_reason(resident_id)
    suggestions = [] if not_looking else jobs.jobs_for(resident_id)
    body.append(section(f"适合的岗位（{len(suggestions)}）"))
    if not_looking:
        body.append(ft.Text(f"{not_looking}，不推荐岗位。", size=15))
    elif not suggestions:
        body.append(ft.Text("本街道暂无符合条件的岗位。", size=15))
    for item in suggestions:
        vacancy = item.vacancy
        employer = (item.employer or {}).get("name") or ""
        if item.referral is not None:
            action = ("已推荐 · 查看", go(f"/referral/{item.referral['id']}"))
        else:
            action = ("推荐", go(f"/resident/{resident_id}/refer/{vacancy['id']}"))
        body.append(suggestion_card(vacancy["title"], " · ".join(x for x in (employer, wage_text(vacancy)) if x),
                                    item.suggestion, on_open=go(f"/vacancy/{vacancy['id']}"), action=action,
                                    key=vacancy["id"]))
    cards = jobs.referrals_of_resident(resident_id)
    if cards:
        body.append(section(f"推荐记录（{len(cards)}）"))
        for card in cards:
            title = (card.vacancy or {}).get("title") or "（岗位）"
            body.append(ft.ListTile(title=ft.Text(title, size=16),
                                    subtitle=ft.Text(f"{card.status_label} · {card.referral['code']}", size=14),
                                    trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                                    on_click=go(f"/referral/{card.referral['id']}"), key=card.referral["id"]))
    return screen(ctx, route, "推荐岗位", body)
