"""A referral's timeline: each step with its date and who recorded it; buttons move the status forward only."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button, section, text_input
from mobile.routing import AppContext
from mobile.services.jobs import JobsService, parse_day
from shared.validation import FieldError
from shared.vocab import label_zh

ROUTE = "/referral/{referral_id}"
STEP_ICONS = {"referred": ft.Icons.SEND, "interviewed": ft.Icons.RECORD_VOICE_OVER, "hired": ft.Icons.CHECK_CIRCLE,
              "not_hired": ft.Icons.CANCEL, "declined": ft.Icons.DO_NOT_DISTURB, "no_show": ft.Icons.EVENT_BUSY}
MOVE_CAPTIONS = {"interviewed": "已面试", "hired": "已录用", "not_hired": "未录用", "declined": "本人放弃",
                 "no_show": "未到场"}


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    referral_id = ctx.params["referral_id"]
    route = f"/referral/{referral_id}"
    card = jobs.card(referral_id)
    if card is None:
        return screen(ctx, route, "推荐进度", [ft.Text("本机上没有这条推荐记录。", size=16)])
    day = text_input("日期", jobs.today().isoformat(), hint="如 2025-06-20")
    note = text_input("备注", hint="可不填")
    error = ft.Text("", color=ft.Colors.ERROR, size=15)

    def move(status: str):
        async def handler(e: Any = None) -> None:
            error.value = ""
            try:
                jobs.advance(referral_id, status, occurred_on=parse_day(day.value or "", field="occurred_on"),
                             note=note.value or "")
            except FieldError as failure:
                error.value = f"日期：{failure.message_zh}"
            except ValueError as failure:
                error.value = str(failure)
            if error.value:
                ctx.update()
                return
            ctx.toast(f"已记录：{label_zh(status)}" + ("，就业状态已更新" if status == "hired" else ""))
            await ctx.go(route)  # shown again: rebuilt with the new step
        return handler

    async def open_slip(e: Any = None) -> None:
        await ctx.go(f"{route}/slip")

    resident = card.resident or {}
    vacancy = card.vacancy or {}
    body: list[ft.Control] = [
        ft.Text(resident.get("name") or "（本机无此人记录）", size=20, weight=ft.FontWeight.BOLD),
        ft.Text(f"{vacancy.get('title') or '（岗位）'} · {(card.employer or {}).get('name') or ''}", size=16),
        ft.Text(f"推荐码 {card.referral['code']}", size=15),
        ft.Text(f"当前状态：{card.status_label}" + (f"（{card.status_on.isoformat()}）" if card.status_on else ""),
                size=18, weight=ft.FontWeight.W_500, key="referral-status"),
    ]
    if card.disagreement:
        body.append(ft.Text("注意：不同手机记录了不同的结果，以最后记录的为准；请核实。", color=ft.Colors.ERROR, size=14))
    body.append(section("进度"))
    for step in card.steps:
        when = step.occurred_on.isoformat()
        detail = f"{when} · 记录人：{step.recorded_by}" + (f" · {step.note}" if step.note else "")
        body.append(ft.ListTile(
            leading=ft.Icon(STEP_ICONS.get(step.status, ft.Icons.CIRCLE),
                            color=ft.Colors.PRIMARY if step.current else ft.Colors.OUTLINE),
            title=ft.Text(step.label, size=16, weight=ft.FontWeight.BOLD if step.current else None),
            subtitle=ft.Text(detail, size=14), dense=True))
    if card.next_statuses:
        body += [section("记录下一步"), day, note, error,
                 ft.Row([ft.FilledButton(MOVE_CAPTIONS[s], on_click=move(s), height=48) for s in card.next_statuses],
                        wrap=True)]
    else:
        body.append(ft.Text("推荐已结束。", size=15))
    body.append(action_button("推荐单", open_slip, icon=ft.Icons.RECEIPT_LONG, primary=False))
    return screen(ctx, route, "推荐进度", body)
