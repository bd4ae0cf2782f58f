"""A household in a list (worklist, search results): address, who lives there, why it needs doing."""
from __future__ import annotations

from typing import Any, Callable

import flet as ft

from mobile.components.touch import chip_row

URGENT = ft.Colors.ERROR_CONTAINER


def household_tile(title: str, subtitle: str, reasons: list[str], on_click: Callable, *,
                   urgent: bool = False, key: Any = None) -> ft.Control:
    lines: list[ft.Control] = [ft.Text(subtitle, size=14)] if subtitle else []
    if reasons:
        lines.append(chip_row(reasons, color=URGENT if urgent else None))
    return ft.Card(
        ft.ListTile(title=ft.Text(title, size=17, weight=ft.FontWeight.W_500), subtitle=ft.Column(lines, spacing=4),
                    on_click=on_click, trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), min_height=64),
        key=key,
    )
