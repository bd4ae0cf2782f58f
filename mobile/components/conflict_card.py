"""One conflict: the record and field, both values with who wrote them, and a button to keep each."""
from __future__ import annotations

from typing import Callable

import flet as ft

from mobile.services.conflicts import ConflictItem


def conflict_card(item: ConflictItem, decide: Callable[[str, str], Callable]) -> ft.Control:
    def side(key: str, text: str, who: str) -> ft.Control:
        current = "（当前生效）" if item.winner == key else ""
        return ft.Column([
            ft.Text(f"{who}{current}", size=13),
            ft.Text(text, size=16, weight=ft.FontWeight.W_500),
            ft.OutlinedButton(f"采用{who}的值", on_click=decide(item.id, key), height=48),
        ], spacing=4, expand=True)

    return ft.Card(ft.Container(ft.Column([
        ft.Text(f"{item.record} · {item.field}", size=16, weight=ft.FontWeight.BOLD),
        ft.Row([side("a", item.text_a, item.who_a), side("b", item.text_b, item.who_b)],
               vertical_alignment=ft.CrossAxisAlignment.START),
    ], spacing=8), padding=12), key=item.id)
