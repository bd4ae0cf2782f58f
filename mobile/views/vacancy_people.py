"""People for this job: the job seekers on this phone ranked for a vacancy, hardship first on public-welfare posts."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import section
from mobile.routing import AppContext
from mobile.services.jobs import JobsService, wage_text
from mobile.services.search import household_address
from mobile.views.jobs_for_resident import suggestion_card
from shared.validation import age_on
from shared.vocab import label_zh

ROUTE = "/vacancy/{vacancy_id}/people"


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    vacancy_id = ctx.params["vacancy_id"]
    route = f"/vacancy/{vacancy_id}/people"
    vacancy = jobs.vacancy(vacancy_id)
    if vacancy is None:
        return screen(ctx, route, "适合的人", [ft.Text("本机上没有这个岗位。", size=16)])
    everyone = jobs.people_for(vacancy_id, top=None, include_excluded=True)
    fitting = [p for p in everyone if not p.suggestion.excluded]
    excluded = [p for p in everyone if p.suggestion.excluded]
    today = jobs.today()

    def go(target: str):
        async def handler(e=None) -> None:
            await ctx.go(target)
        return handler

    def who(person) -> str:
        row = person.resident
        age = f"{age_on(row['birth_date'], today)} 岁" if row.get("birth_date") and row["birth_date"] <= today else ""
        return " · ".join(x for x in (label_zh(row.get("sex")), age, household_address(person.household)) if x)

    body: list[ft.Control] = [
        ft.Text(vacancy["title"], size=20, weight=ft.FontWeight.BOLD),
        ft.Text(" · ".join(x for x in ((jobs.employer(vacancy["employer_id"]) or {}).get("name") or "",
                                       wage_text(vacancy)) if x), size=15),
        section(f"符合条件的求职者（{len(fitting)}）"),
    ]
    if vacancy.get("public_welfare"):
        body.append(ft.Text("公益性岗位：零就业家庭成员、4050人员和残疾人排在前面。", size=14))
    if not fitting:
        body.append(ft.Text("本机上没有符合条件的求职者。", size=15))
    for person in fitting:
        resident_id = person.resident["id"]
        if person.referral is not None:
            action = ("已推荐 · 查看", go(f"/referral/{person.referral['id']}"))
        else:
            action = ("推荐", go(f"/resident/{resident_id}/refer/{vacancy_id}"))
        body.append(suggestion_card(person.resident.get("name") or "（未填姓名）", who(person), person.suggestion,
                                    on_open=go(f"/household/{person.resident['household_id']}"), action=action,
                                    key=resident_id))
    if excluded:
        shown = ft.Column([ft.ListTile(title=ft.Text(p.resident.get("name") or "（未填姓名）", size=15),
                                       subtitle=ft.Text("；".join(p.suggestion.exclusions), size=13), dense=True,
                                       key=p.resident["id"]) for p in excluded], visible=False, spacing=0)
        toggle = ft.TextButton(f"不符合条件的人（{len(excluded)}）", icon=ft.Icons.EXPAND_MORE)

        def show(e=None) -> None:
            shown.visible = not shown.visible
            ctx.update()

        toggle.on_click = show
        body += [toggle, shown]
    return screen(ctx, route, "适合的人", body)
