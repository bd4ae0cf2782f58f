"""One household member on the household card: who, tags, completeness, actions, and the service history (一人一卡)."""
from __future__ import annotations

from typing import Callable

import flet as ft

from mobile.components.touch import chip_row
from mobile.services.household import Member
from mobile.services.search import mask_id_number, mask_phone
from shared.vocab import label_zh, relation_zh

HISTORY_ICONS = {"visit": ft.Icons.HOME, "guidance": ft.Icons.SCHOOL, "status": ft.Icons.BADGE,
                 "referral": ft.Icons.WORK, "outcome": ft.Icons.FLAG}
FIRST_EVENTS = 5


def member_card(member: Member, actions: list[tuple[str, Callable]], update: Callable[[], None]) -> ft.Control:
    row = member.row
    facts = [relation_zh(row.get("relation")), label_zh(row.get("sex")),
             f"{member.age} 岁" if member.age is not None else "", mask_id_number(row.get("id_number")), mask_phone(row.get("phone"))]
    if member.missing:
        completeness = ft.Text(f"信息缺 {len(member.missing)} 项", color=ft.Colors.ERROR, size=14)
    else:
        completeness = ft.Text("信息完整", color=ft.Colors.GREEN, size=14)
    history = [_event(e) for e in member.history]
    body: list[ft.Control] = [
        ft.Row([ft.Text(row.get("name") or "（未填姓名）", size=18, weight=ft.FontWeight.BOLD), completeness],
               alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        ft.Text(" · ".join(f for f in facts if f), size=14),
    ]
    if member.tags:
        body.append(chip_row(member.tags))
    body.append(ft.Row([ft.OutlinedButton(label, on_click=handler, height=48) for label, handler in actions],
                       wrap=True))
    if history:
        shown = ft.Column(history[:FIRST_EVENTS], spacing=0)
        body += [ft.Text("服务记录", size=15, weight=ft.FontWeight.W_500), shown]
        if len(history) > FIRST_EVENTS:
            all_button = ft.TextButton(f"全部 {len(history)} 条记录")

            def show_all(e=None) -> None:
                shown.controls = history
                all_button.visible = False
                update()

            all_button.on_click = show_all
            body.append(all_button)
    else:
        body.append(ft.Text("暂无服务记录", size=14, italic=True))
    return ft.Card(ft.Container(ft.Column(body, spacing=8), padding=12), key=row["id"])


def _event(event) -> ft.Control:
    text = f"{event.on.isoformat()}  {event.title}"
    return ft.ListTile(leading=ft.Icon(HISTORY_ICONS.get(event.kind, ft.Icons.CIRCLE)), title=ft.Text(text, size=14),
                       subtitle=ft.Text(event.detail, size=13) if event.detail else None, dense=True)
