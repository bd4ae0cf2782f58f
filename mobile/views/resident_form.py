"""The resident form: every field, checked as it is typed; the ID number fills birth date and sex."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import flet as ft

from mobile.components.completeness_meter import CompletenessMeter
from mobile.components.frame import screen
from mobile.components.occupation_picker import OccupationPicker
from mobile.components.touch import action_button, choice, section, segmented, text_input
from mobile.routing import AppContext, CardAction
from mobile.services.resident_form import CHOICES, LABELS, FormInvalid, ResidentForm
from shared.privacy import NOTICE_ZH
from shared.validation import REQUIRED_RESIDENT_FIELDS

ROUTES = ("/resident/{resident_id}", "/household/{household_id}/resident/new")
CARD_ACTIONS = (
    CardAction("household", "添加成员", "/household/{household_id}/resident/new", ft.Icons.PERSON_ADD, order=20),
    CardAction("resident", "编辑信息", "/resident/{resident_id}", ft.Icons.EDIT, order=10),
)
RADIO_FIELDS = ("sex", "unemployment_registered", "able_to_work")
TEXT_SPECS: dict[str, dict[str, Any]] = {
    # the digit pad (the web client opens its text keyboard for NUMBER); the X key beside the field adds an X
    "name": {}, "id_number": {"max_length": 18, "keyboard": ft.KeyboardType.PHONE},
    "phone": {"keyboard": ft.KeyboardType.PHONE},
    "birth_date": {"hint": "如 1980-05-01"}, "employment_since": {"hint": "如 2024-03-01"},
    "employer_name": {}, "unemployment_registered_on": {"hint": "如 2024-03-01"},
    "skills": {"hint": "用顿号或逗号分隔，如 家政、保洁"},
    "job_wish_min_wage": {"keyboard": ft.KeyboardType.NUMBER, "hint": "元/月"},
    "job_wish_max_distance_km": {"keyboard": ft.KeyboardType.NUMBER},
    "training_wish": {"hint": "想参加的培训；不需要请填“无”"},
    "consent_scope": {}, "notes": {"multiline": True},
}
SECTIONS = (
    ("基本信息", ("name", "id_number", "sex", "birth_date", "phone", "relation")),
    ("就业与登记", ("education", "skills", "employment_status", "employment_since", "employer_name",
                    "unemployment_registered", "unemployment_registered_on", "able_to_work")),
    ("求职与培训意愿", ("job_wish_occupations", "job_wish_min_wage", "job_wish_hours", "job_wish_max_distance_km",
                        "training_wish")),
    ("其他", ("disability", "disability_level", "consent", "consent_scope", "notes")),
)


def build(ctx: AppContext) -> ft.View:
    session = ctx.session
    form = ResidentForm(session, resident_id=ctx.params.get("resident_id"), household_id=ctx.params.get("household_id"))
    controls: dict[str, Any] = {}
    radio_errors: dict[str, ft.Text] = {}
    meter = CompletenessMeter()
    duplicate = ft.Text("", color=ft.Colors.ERROR, size=14, visible=False)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    def refresh(fields: set[str]) -> None:
        for field in fields:
            control = controls.get(field)
            if control is None or field == "job_wish_occupations":
                continue
            if field in radio_errors:
                value = form.raw.get(field)
                control.selected = [value] if value else []
                radio_errors[field].value = form.errors.get(field, "")
            elif isinstance(control, ft.Dropdown):
                control.value = form.raw.get(field)
                control.error_text = form.errors.get(field)
            elif isinstance(control, ft.Checkbox):
                control.value = bool(form.raw.get(field))
            else:
                control.value = form.raw.get(field) or ""
                control.error = form.errors.get(field)
        meter.show(*form.completeness())
        if "id_number" in fields:
            found = form.duplicates()
            duplicate.value = ("注意：此身份证号已在本机登记 —— " + "；".join(found)) if found else ""
            duplicate.visible = bool(found)

    def changed(field: str, *, final: bool = False):
        def handler(e: Any = None) -> None:
            value = e.control.value if e is not None else controls[field].value
            refresh(form.set(field, value, final=final))
            ctx.update()
        return handler

    def label(field: str) -> str:
        return LABELS.get(field, field)

    for field, spec in TEXT_SPECS.items():
        controls[field] = text_input(label(field), form.raw.get(field) or "", on_change=changed(field),
                                     on_blur=changed(field, final=True), required=field in REQUIRED_RESIDENT_FIELDS,
                                     **spec)
    for field in RADIO_FIELDS:
        controls[field] = segmented(label(field), CHOICES[field], form.raw.get(field), changed(field),
                                    required=field in REQUIRED_RESIDENT_FIELDS)
        radio_errors[field] = ft.Text("", color=ft.Colors.ERROR, size=13)

    def add_x(e: Any = None) -> None:  # the number keyboard has no X: the last character of some ID numbers
        id_field = controls["id_number"]
        id_field.value = (id_field.value or "") + "X"
        changed("id_number")(SimpleNamespace(control=id_field))

    controls["id_number"].suffix = ft.TextButton("X", on_click=add_x, tooltip="输入末位 X",
                                                 style=ft.ButtonStyle(padding=ft.Padding.all(4)))
    for field in ("relation", "education", "employment_status", "job_wish_hours", "disability_level"):
        options = dict(CHOICES[field])
        if form.raw.get(field) and form.raw[field] not in options:
            options[form.raw[field]] = form.raw[field]  # an older record's word (子女) stays choosable
        controls[field] = choice(label(field), options, form.raw.get(field), changed(field),
                                 required=field in REQUIRED_RESIDENT_FIELDS)
    for field in ("disability", "consent"):
        controls[field] = ft.Checkbox(label=label(field), value=bool(form.raw.get(field)), on_change=changed(field))

    def occupations_changed(codes: list[str]) -> None:
        refresh(form.set("job_wish_occupations", codes))
        ctx.update()

    controls["job_wish_occupations"] = OccupationPicker(
        label("job_wish_occupations") + " *", form.occupation_labels(), occupations_changed, ctx.update)

    async def save(e: Any = None) -> None:
        error.value = ""
        try:
            form.save()
        except FormInvalid as failure:
            refresh(set(controls))
            first = next(iter(failure.errors))
            error.value = f"请先改正：{label(first)} —— {failure.errors[first]}" + (
                f" 等 {len(failure.errors)} 处" if len(failure.errors) > 1 else "")
            ctx.update()
            return
        ctx.toast("已保存，待同步")
        await ctx.back()

    # PIPL: the notice is read out before anything is collected; the consent box below records it
    notice = ft.Container(ft.Text(NOTICE_ZH, size=14), padding=10, border_radius=8,
                          bgcolor=ft.Colors.SECONDARY_CONTAINER, visible=not form.consent_note)
    body: list[ft.Control] = [ft.Text(form.address or "", size=15), notice,
                              ft.Text(form.consent_note, size=14, visible=bool(form.consent_note)), meter]
    for title, fields in SECTIONS:
        body.append(section(title))
        for field in fields:
            if field in radio_errors:
                body += [ft.Text(label(field) + (" *" if field in REQUIRED_RESIDENT_FIELDS else ""), size=15),
                         controls[field], radio_errors[field]]
            else:
                body.append(controls[field])
            if field == "id_number":
                body.append(duplicate)
    refresh(set())
    title = "新增居民" if form.is_new else "居民信息"
    route = (f"/household/{form.household_id}/resident/new" if form.is_new else f"/resident/{form.resident_id}")
    footer = [error, action_button("保存", save, icon=ft.Icons.SAVE)]  # below the scrolling form: always in reach
    return screen(ctx, route, title, body, footer=footer)
