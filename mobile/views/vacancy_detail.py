"""One vacancy: what it offers and requires, whom to call, the people referred to it; find people for it."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, chip_row, section
from mobile.routing import AppContext
from mobile.services.jobs import JobsService, VacancyItem, vacancy_state, wage_text
from mobile.services.referral_slip import contact_text
from mobile.views.vacancy_list import vacancy_chips
from shared.vocab import label_zh

ROUTE = "/vacancy/{vacancy_id}"


def facts(jobs: JobsService, row: dict) -> list[tuple[str, str]]:
    ages = (row.get("age_min"), row.get("age_max"))
    age = "不限" if ages == (None, None) else f"{ages[0] if ages[0] is not None else ''}–{ages[1] if ages[1] is not None else ''} 岁"
    code = row.get("occupation_code") or ""
    return [
        ("职业（工种）", f"{code} {row.get('occupation_name') or ''}".strip() or "未填"),
        ("工资", wage_text(row)),
        ("工作时间", " · ".join(x for x in (label_zh(row.get("hours")), row.get("shift") or "") if x) or "未填"),
        ("工作地点", row.get("location") or "未填"),
        ("所在社区", jobs.community_name(row.get("community_id")) or "未填"),
        ("年龄", age),
        ("学历", f"{label_zh(row['education_min'])}及以上" if row.get("education_min") else "不限"),
        ("技能要求", "、".join(row.get("skills_required") or []) or "无"),
        ("有效期至", row["valid_until"].isoformat() if row.get("valid_until") else "长期"),
        ("采集日期", row["collected_on"].isoformat() if row.get("collected_on") else ""),
    ]


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    vacancy_id = ctx.params["vacancy_id"]
    row = jobs.vacancy(vacancy_id)
    route = f"/vacancy/{vacancy_id}"
    if row is None:
        return screen(ctx, route, "岗位", [ft.Text("本机上没有这个岗位。", size=16)])
    employer = jobs.employer(row["employer_id"]) or {}
    referrals = jobs.referrals_of_vacancy(vacancy_id)
    item = VacancyItem(row, employer, vacancy_state(row, jobs.today()), len(referrals))

    def go(target: str):
        async def handler(e=None) -> None:
            await ctx.go(target)
        return handler

    body: list[ft.Control] = [
        ft.Text(row["title"], size=20, weight=ft.FontWeight.BOLD),
        ft.Text(employer.get("name") or "（未填单位）", size=16),
        chip_row(vacancy_chips(item, jobs.community_name(row.get("community_id")))),
        ft.Row([action_button("适合的人", go(f"{route}/people"), icon=ft.Icons.PEOPLE,
                              disabled=item.state != "open"),
                action_button("编辑", go(f"{route}/edit"), icon=ft.Icons.EDIT, primary=False)]),
        section("联系"),
        ft.Text(f"联系人：{contact_text(employer) or '未填'}", size=15),
        ft.Text(f"单位地址：{employer.get('address') or '未填'}", size=15),
        section("岗位信息"),
        *[ft.Text(f"{label}：{value}", size=15) for label, value in facts(jobs, row)],
        section(f"已推荐（{len(referrals)}）"),
    ]
    for card in referrals:
        name = (card.resident or {}).get("name") or "（本机无此人记录）"
        body.append(ft.ListTile(
            title=ft.Text(name, size=16), subtitle=ft.Text(f"{card.status_label} · {card.referral['code']}", size=14),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), on_click=go(f"/referral/{card.referral['id']}"),
            key=card.referral["id"]))
    if not referrals:
        body.append(ft.Text("还没有推荐记录。", size=15))
    return screen(ctx, route, "岗位", body)
