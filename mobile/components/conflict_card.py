"""One conflict: the record and field, each value with who wrote it and when, the one in force, a button to keep each."""
from __future__ import annotations

from typing import Callable

import flet as ft

from mobile.services.conflicts import ConflictItem, Side

IN_FORCE = ft.Colors.TEAL


def conflict_card(item: ConflictItem, decide: Callable[[str, str], Callable]) -> ft.Control:
    def side(value: Side) -> ft.Control:
        when = f" · {value.when}" if value.when else ""
        state = ft.Text("当前生效" if value.in_force else "未生效", size=13, weight=ft.FontWeight.BOLD,
                        color=IN_FORCE if value.in_force else ft.Colors.ERROR)
        action = "保留此值" if value.in_force else "改用此值"
        return ft.Container(ft.Column([
            ft.Row([state, ft.Text(f"{value.who}修改{when}", size=13)], wrap=True, spacing=6),
            ft.Text(value.text, size=17, weight=ft.FontWeight.W_500),
            ft.OutlinedButton(action, on_click=decide(item.id, value.key), height=48),
        ], spacing=4, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=8, border_radius=8,
            border=ft.Border.all(2 if value.in_force else 1, IN_FORCE if value.in_force else ft.Colors.OUTLINE),
        )

    head: list[ft.Control] = [ft.Text(f"{item.record} · {item.field}", size=16, weight=ft.FontWeight.BOLD)]
    if item.mine_lost:
        head.append(ft.Text("您在本机的修改没有生效：他人同时改了这一项。请确认保留哪个值。", size=14,
                            color=ft.Colors.ERROR))
    first, second = sorted(item.sides, key=lambda s: not s.in_force)  # the value in force first
    return ft.Card(ft.Container(ft.Column([*head, side(first), side(second)], spacing=8,
                                          horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12),
                   key=item.id)
