"""The household card: members, hardship flags, each member's service history, and what can be done here."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.member_card import member_card
from mobile.components.touch import action_button, chip_row
from mobile.routing import AppContext
from mobile.services.household import HouseholdService
from shared.vocab import label_zh
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone

ROUTE = "/household/{household_id}"


def build(ctx: AppContext) -> ft.View:
    household_id = ctx.params["household_id"]
    card = ctx.service(HouseholdService).card(household_id)
    if card is None:
        return screen(ctx, f"/household/{household_id}", "住户", [ft.Text("本机上没有这户的记录。", size=16)])

    def go(route: str):
        async def handler(e=None) -> None:
            await ctx.go(route)
        return handler

    household = card.household
    actions = [action_button(a.label, go(a.target(household_id=household_id)), icon=a.icon,
                             primary=i == 0, expand=False)
               for i, a in enumerate(ctx.registry.actions_for("household", household))]
    last = card.last_visit
    visit_line = (f"共走访 {card.visit_count} 次，最近 {last['visited_at'].astimezone(CHINA_TZ).date().isoformat()}"
                  f"（{label_zh(last['outcome'])}）" if last else "尚未走访")
    members = [
        member_card(m, [(a.label, go(a.target(household_id=household_id, resident_id=m.id)))
                        for a in ctx.registry.actions_for("resident", m.row)], ctx.update)
        for m in card.members
    ]
    controls: list[ft.Control] = [ft.Text(card.address or "（地址未填）", size=20, weight=ft.FontWeight.BOLD)]
    if card.flags:
        controls.append(chip_row(card.flags, color=ft.Colors.ERROR_CONTAINER))
    controls += [ft.Text(visit_line, size=15), ft.Row(actions, wrap=True)]
    if household.get("notes"):
        controls.append(ft.Text(f"备注：{household['notes']}", size=14))
    controls.append(ft.Text(f"家庭成员（{len(card.members)}）", size=17, weight=ft.FontWeight.W_500))
    controls += members or [ft.Text("还没有登记成员。", size=15)]
    return screen(ctx, f"/household/{household_id}", "住户", controls)
