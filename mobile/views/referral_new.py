"""Refer a resident to a vacancy in person, with the resident's consent; then the slip is shown."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, text_input, tick_box
from mobile.routing import AppContext
from mobile.services.jobs import JobsService, wage_text
from mobile.views.jobs_for_resident import reason_chips
from shared.matching import Seeker, VacancyFeatures, explain_pair

ROUTE = "/resident/{resident_id}/refer/{vacancy_id}"
CONSENT_LABEL = "本人同意推荐（已告知将把姓名和联系方式提供给用人单位）"


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    resident_id, vacancy_id = ctx.params["resident_id"], ctx.params["vacancy_id"]
    route = f"/resident/{resident_id}/refer/{vacancy_id}"
    resident, vacancy = jobs.store.get("resident", resident_id), jobs.vacancy(vacancy_id)
    if resident is None or vacancy is None:
        return screen(ctx, route, "推荐", [ft.Text("本机上没有此人或此岗位的记录。", size=16)])
    employer = jobs.employer(vacancy["employer_id"]) or {}
    household = jobs.store.get("household", resident["household_id"])
    fit = explain_pair(Seeker(resident, today=jobs.today(), household=household), VacancyFeatures(vacancy),
                       today=jobs.today(), for_resident=True)
    note = text_input("备注", hint="可不填，如 约定周三上午面试")
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    def consent_changed(e=None) -> None:
        error.value = ""
        ctx.update()

    consent_row = tick_box(CONSENT_LABEL, False, consent_changed)  # the whole sentence, wrapped, never cut
    consent = consent_row.data

    async def refer(e=None) -> None:
        try:
            referral_id = jobs.refer(resident_id, vacancy_id, consent=bool(consent.value), note=note.value or "")
        except ValueError as failure:
            error.value = str(failure)
            ctx.update()
            return
        ctx.toast("已推荐，待同步")
        await ctx.go(f"/referral/{referral_id}/slip")

    body: list[ft.Control] = [
        ft.Text(resident.get("name") or "（未填姓名）", size=20, weight=ft.FontWeight.BOLD),
        ft.Text(f"推荐到：{vacancy['title']}", size=17),
        ft.Text(" · ".join(x for x in (employer.get("name") or "", wage_text(vacancy)) if x), size=15),
    ]
    if fit.excluded:
        body.append(ft.Text("注意：不符合岗位条件 —— " + "；".join(fit.exclusions), color=ft.Colors.ERROR, size=15))
    elif fit.reasons:
        body.append(reason_chips(fit))
    body += [consent_row, note, error, action_button("确认推荐", refer, icon=ft.Icons.SEND)]
    return screen(ctx, route, "推荐", body)
