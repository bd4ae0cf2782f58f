"""The vacancy form: employer (pick or add), occupation from the shipped list, pay, hours, requirements, validity."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, choice, section, text_input
from mobile.routing import AppContext
from mobile.services.jobs import (
    EDUCATION_CHOICES,
    HOURS_CHOICES,
    VACANCY_LABELS,
    FormInvalid,
    JobsService,
    VacancyForm,
)
from mobile.services.location import current_position
from shared.occupations import PUBLIC_WELFARE_POST_TYPES, occupation_by_code, search_occupations

ROUTES = ("/vacancy/new", "/vacancy/{vacancy_id}/edit")
SUGGESTIONS = 6
GPS_TIMEOUT_S = 8
TEXT_FIELDS: dict[str, dict[str, Any]] = {
    "title": {"required": True}, "openings": {"keyboard": ft.KeyboardType.NUMBER, "required": True},
    "wage_min": {"keyboard": ft.KeyboardType.NUMBER, "hint": "元/月"},
    "wage_max": {"keyboard": ft.KeyboardType.NUMBER, "hint": "元/月"},
    "shift": {"hint": "如 早8点-晚5点，做六休一"}, "location": {"hint": "上班的地址"},
    "age_min": {"keyboard": ft.KeyboardType.NUMBER}, "age_max": {"keyboard": ft.KeyboardType.NUMBER},
    "skills_required": {"hint": "用顿号分隔，如 电工证、驾驶；不要求可不填"},
    "valid_until": {"hint": "如 2025-07-31"},
}


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    form = VacancyForm(jobs, ctx.params.get("vacancy_id"))
    communities = jobs.communities()
    controls: dict[str, Any] = {}
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    def changed(name: str):
        def handler(e: Any = None) -> None:
            form.set(name, e.control.value)
            _show_error(name)
            ctx.update()
        return handler

    def _show_error(name: str) -> None:
        control = controls.get(name)
        if isinstance(control, ft.TextField):
            control.error = form.errors.get(name)
        elif isinstance(control, ft.Dropdown):
            control.error_text = form.errors.get(name)

    # employer: pick one of the street's, or add one here
    employer = choice(VACANCY_LABELS["employer_id"], {e["id"]: e["name"] for e in jobs.employers()},
                      form.raw.get("employer_id") or None, required=True, searchable=True)  # 30+ employers: type to narrow
    controls["employer_id"] = employer
    new_employer = {
        "name": text_input("单位名称", required=True), "contact_name": text_input("联系人"),
        "contact_phone": text_input("联系电话", keyboard=ft.KeyboardType.PHONE, hint="手机或座机，如 024-12345678"),
        "address": text_input("单位地址"),
    }
    employer_community = choice("单位所在社区", communities, None)
    employer_base = ft.Checkbox(label="再就业援助基地", value=False)
    employer_error = ft.Text("", color=ft.Colors.ERROR, size=14)

    def employer_chosen(e: Any = None) -> None:
        form.set("employer_id", employer.value)
        chosen = jobs.employer(employer.value)
        if chosen and not form.raw.get("community_id"):
            form.set("community_id", chosen.get("community_id"))
            controls["community_id"].value = chosen.get("community_id")
        if chosen and chosen.get("assistance_base"):
            form.set("assistance_base", True)
            controls["assistance_base"].value = True
        _show_error("employer_id")
        ctx.update()

    employer.on_select = employer_chosen

    def save_employer(e: Any = None) -> None:
        for control in new_employer.values():
            control.error = None
        try:
            employer_id = jobs.save_employer(
                new_employer["name"].value or "", contact_name=new_employer["contact_name"].value or "",
                contact_phone=new_employer["contact_phone"].value or "", address=new_employer["address"].value or "",
                community_id=employer_community.value, assistance_base=bool(employer_base.value))
        except FormInvalid as failure:
            for name, message in failure.errors.items():
                new_employer[name].error = message
            employer_error.value = "请先改正单位信息"
            ctx.update()
            return
        employer.options = [ft.DropdownOption(key=x["id"], text=x["name"]) for x in jobs.employers()]
        employer.value = employer_id
        employer_box.visible = False
        employer_error.value = ""
        employer_chosen()

    employer_box = ft.Column([*new_employer.values(), employer_community, employer_base, employer_error,
                              action_button("保存单位", save_employer, primary=False)], visible=False, spacing=8)

    def toggle_employer(e: Any = None) -> None:
        employer_box.visible = not employer_box.visible
        ctx.update()

    # occupation: one code from the shipped list
    picked = ft.Text("", size=15)
    occupation_query = text_input(VACANCY_LABELS["occupation_code"], hint="输入工种名称或拼音首字母，如 保洁、bj")
    occupation_hits = ft.Row(wrap=True, spacing=6)

    def show_picked() -> None:
        found = occupation_by_code(form.raw.get("occupation_code"))
        picked.value = f"已选：{found.label}" if found else "未选职业（工种）"

    def pick(code: str):
        def handler(e: Any = None) -> None:
            form.set("occupation_code", code)
            found = occupation_by_code(code)
            if found and not (controls["title"].value or "").strip():
                controls["title"].value = found.name
                form.set("title", found.name)
            occupation_query.value = ""
            occupation_hits.controls = []
            show_picked()
            ctx.update()
        return handler

    def suggest(e: Any = None) -> None:
        text = (occupation_query.value or "").strip()
        occupation_hits.controls = [ft.OutlinedButton(o.name, on_click=pick(o.code), height=48)
                                    for o in (search_occupations(text, limit=SUGGESTIONS) if text else [])]
        ctx.update()

    occupation_query.on_change = suggest
    welfare_types = ft.Row([ft.OutlinedButton(label, on_click=pick(code), height=44)
                            for label, code in PUBLIC_WELFARE_POST_TYPES], wrap=True, spacing=6,
                           visible=bool(form.raw.get("public_welfare")))

    for name, spec in TEXT_FIELDS.items():
        controls[name] = text_input(VACANCY_LABELS[name], form.raw.get(name) or "", on_change=changed(name), **spec)
    controls["hours"] = choice(VACANCY_LABELS["hours"], HOURS_CHOICES, form.raw.get("hours"), changed("hours"))
    controls["education_min"] = choice(VACANCY_LABELS["education_min"], EDUCATION_CHOICES,
                                       form.raw.get("education_min"), changed("education_min"))
    controls["community_id"] = choice(VACANCY_LABELS["community_id"], communities, form.raw.get("community_id"),
                                      changed("community_id"))
    for name in ("public_welfare", "assistance_base", "closed"):
        controls[name] = ft.Checkbox(label=VACANCY_LABELS[name], value=bool(form.raw.get(name)),
                                     on_change=changed(name))

    def welfare_changed(e: Any = None) -> None:
        form.set("public_welfare", bool(controls["public_welfare"].value))
        welfare_types.visible = bool(controls["public_welfare"].value)
        ctx.update()

    controls["public_welfare"].on_change = welfare_changed

    position = ft.Text("", size=14)

    def show_position() -> None:
        position.value = (f"位置：{form.position[0]:.5f}, {form.position[1]:.5f}" if form.position
                          else "未记录位置（可在单位门口点“记录当前位置”）")

    async def locate(e: Any = None) -> None:
        found = await current_position(ctx.page, GPS_TIMEOUT_S)
        if found is None:
            ctx.toast("无法获取位置（没有定位权限或信号）")
            return
        form.position = found
        show_position()
        ctx.update()

    async def save(e: Any = None) -> None:
        error.value = ""
        try:
            form.save()
        except FormInvalid as failure:
            for name in VACANCY_LABELS:
                _show_error(name)
            first = next(iter(failure.errors))
            error.value = f"请先改正：{VACANCY_LABELS.get(first, first)} —— {failure.errors[first]}"
            ctx.update()
            return
        ctx.toast("岗位已保存，待同步")
        await ctx.back()

    show_picked()
    show_position()
    body: list[ft.Control] = [
        section("用人单位"), employer,
        ft.TextButton("新增单位", icon=ft.Icons.ADD_BUSINESS, on_click=toggle_employer), employer_box,
        section("岗位"), controls["title"], occupation_query, occupation_hits, picked,
        controls["public_welfare"], welfare_types, controls["assistance_base"],
        controls["openings"], *([ft.Text(f"已招 {form.row.get('filled') or 0} 人（按推荐录用自动统计）")]
                                 if not form.is_new and form.row else []),
        controls["wage_min"], controls["wage_max"], controls["hours"], controls["shift"],
        section("地点"), controls["location"], controls["community_id"], position,
        ft.TextButton("记录当前位置", icon=ft.Icons.MY_LOCATION, on_click=locate),
        section("要求"), controls["age_min"], controls["age_max"], controls["education_min"],
        controls["skills_required"],
        section("有效期"), controls["valid_until"], *([controls["closed"]] if not form.is_new else []),
        error, action_button("保存", save, icon=ft.Icons.SAVE),
    ]
    route = "/vacancy/new" if form.is_new else f"/vacancy/{form.vacancy_id}/edit"
    return screen(ctx, route, "新增岗位" if form.is_new else "编辑岗位", body)
