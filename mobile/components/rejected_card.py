"""One change the server refused: the record and what was changed, why in Chinese, and 知道了 to dismiss it."""
from __future__ import annotations

from typing import Callable

import flet as ft

from mobile.services.rejected import RejectedItem


def rejected_card(item: RejectedItem, dismiss: Callable[[int], Callable]) -> ft.Control:
    return ft.Card(ft.Container(ft.Column([
        ft.Text(f"{item.record} · {item.what}", size=16, weight=ft.FontWeight.BOLD),
        ft.Text(item.reason, size=15, color=ft.Colors.ERROR),
        ft.Row([ft.Text(f"拒绝时间 {item.when}", size=13, expand=True),
                ft.OutlinedButton("知道了", icon=ft.Icons.CHECK, on_click=dismiss(item.seq), height=48)]),
    ], spacing=6), padding=12), key=f"rejected-{item.seq}")
