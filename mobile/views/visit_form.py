"""The visit form: outcome, who was met, the nine service items, guidance, next follow-up date, GPS."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, section, segmented, text_input
from mobile.routing import AppContext, CardAction
from mobile.services.resident_form import FormInvalid
from mobile.services.visit_form import FOLLOW_UP_SHORTCUTS, OUTCOMES, SERVICES, VisitForm

ROUTE = "/household/{household_id}/visit"
CARD_ACTIONS = (CardAction("household", "记录走访", ROUTE, ft.Icons.ADD_TASK, order=10),)
GPS_TIMEOUT_S = 10


def build(ctx: AppContext) -> ft.View:
    form = VisitForm(ctx.session, ctx.params["household_id"])
    outcome_error = ft.Text("", color=ft.Colors.ERROR, size=13)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    def set_outcome(e: Any) -> None:
        form.outcome = e.control.value
        outcome_error.value = ""
        met_box.visible = form.outcome == "met"
        ctx.update()

    outcome = segmented("走访结果", OUTCOMES, None, set_outcome)  # four 48 px buttons, not 32 px radios

    def toggle(chosen: set[str], code: str):
        def handler(e: Any) -> None:
            (chosen.add if e.control.value else chosen.discard)(code)
            ctx.update()
        return handler

    met_box = ft.Column([ft.Checkbox(label=name, on_change=toggle(form.met, rid)) for rid, name in form.members],
                        visible=False)
    services = [ft.Checkbox(label=text, on_change=toggle(form.services, code)) for code, text in SERVICES.items()]
    guidance_given = ft.Checkbox(label="已提供就业指导")

    def on_guidance_given(e: Any) -> None:
        form.guidance_given = bool(e.control.value)
        ctx.update()

    guidance_given.on_change = on_guidance_given

    def on_guidance_notes(e: Any) -> None:
        form.set_guidance_notes(e.control.value or "")
        guidance_given.value = form.guidance_given
        ctx.update()

    guidance_notes = text_input("指导内容", multiline=True, on_change=on_guidance_notes)

    def on_notes(e: Any) -> None:
        form.notes = e.control.value or ""

    notes = text_input("走访备注", multiline=True, on_change=on_notes)

    def on_follow_up(e: Any) -> None:
        form.next_follow_up = e.control.value or ""
        follow_up.error = None
        ctx.update()

    follow_up = text_input("下次回访日期", hint="如 2024-03-15，可不填", on_change=on_follow_up)

    def shortcut(days: int):
        def handler(e: Any = None) -> None:
            follow_up.value, follow_up.error = form.follow_up_in(days), None
            ctx.update()
        return handler

    shortcuts = ft.Row([ft.OutlinedButton(f"{d} 天后", on_click=shortcut(d), height=48) for d in FOLLOW_UP_SHORTCUTS],
                       wrap=True)
    position = ft.Text("未记录位置", size=14)

    async def locate(e: Any = None) -> None:
        from mobile.services.location import current_position

        position.value = "正在获取位置……"
        ctx.update()
        found = await current_position(ctx.page, GPS_TIMEOUT_S)
        if found is None:
            position.value = "无法获取位置（设备不支持或未授权），可不记录"
        else:
            form.set_position(*found)
            position.value = f"已记录位置：{form.position[0]:.5f}, {form.position[1]:.5f}" if form.position else \
                "位置无效，未记录"
        ctx.update()

    async def save(e: Any = None) -> None:
        error.value = ""
        try:
            form.save()
        except FormInvalid as failure:
            outcome_error.value = failure.errors.get("outcome", "")
            follow_up.error = failure.errors.get("next_follow_up_on")
            error.value = "请先改正标红的内容"
            ctx.update()
            return
        ctx.toast("走访已保存，待同步")
        await ctx.back()

    return screen(ctx, f"/household/{form.household_id}/visit", "记录走访", [
        ft.Text(form.address or "", size=16, weight=ft.FontWeight.W_500),
        section("走访结果 *"), outcome, outcome_error,
        met_box,
        section("提供的服务"), ft.Column(services, spacing=0),
        section("就业指导"), guidance_given, guidance_notes,
        section("回访"), follow_up, shortcuts,
        notes,
        ft.Row([ft.OutlinedButton("获取位置", icon=ft.Icons.MY_LOCATION, on_click=locate, height=48), position],
               wrap=True),
        error, action_button("保存", save, icon=ft.Icons.SAVE),
    ])
