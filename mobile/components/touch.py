"""Touch-sized inputs and buttons (at least 48 px high) with the app's defaults, for use standing in a stairwell."""
from __future__ import annotations

from typing import Any, Callable, Optional

import flet as ft

TOUCH_HEIGHT = 52
TEXT_SIZE = 16


def action_button(text: str, on_click: Optional[Callable] = None, *, icon: Any = None, primary: bool = True,
                  expand: bool = True, disabled: bool = False) -> ft.Control:
    """A touch-sized button; ``expand`` lets it fill its Row (or stretch in a Column).

    ``expand=False`` is never passed on to Flet: Flet 1.0.5 then sends the
    control as flexible and a Wrap (``Row(wrap=True)``) fails to lay it out
    (a grey box in release builds).
    """
    kind = ft.FilledButton if primary else ft.OutlinedButton
    extra: dict[str, Any] = {"expand": True} if expand else {}
    return kind(content=text, icon=icon, on_click=on_click, height=TOUCH_HEIGHT, disabled=disabled, **extra)


def text_input(label: str, value: str = "", *, on_change: Optional[Callable] = None,
               on_blur: Optional[Callable] = None, hint: Optional[str] = None, password: bool = False,
               keyboard: ft.KeyboardType = ft.KeyboardType.TEXT, multiline: bool = False,
               max_length: Optional[int] = None, required: bool = False, autofocus: bool = False) -> ft.TextField:
    return ft.TextField(
        label=f"{label} *" if required else label, value=value or "", on_change=on_change, on_blur=on_blur,
        hint_text=hint, password=password, can_reveal_password=password, keyboard_type=keyboard,
        multiline=multiline, min_lines=3 if multiline else None, max_length=max_length,
        text_size=TEXT_SIZE, autofocus=autofocus,
    )


def choice(label: str, options: dict[str, str], value: Optional[str], on_select: Optional[Callable] = None,
           *, required: bool = False) -> ft.Dropdown:
    return ft.Dropdown(
        label=f"{label} *" if required else label, value=value,
        options=[ft.DropdownOption(key=code, text=text) for code, text in options.items()],
        on_select=on_select, text_size=TEXT_SIZE, enable_search=False,
    )


def section(title: str) -> ft.Control:
    return ft.Text(title, size=18, weight=ft.FontWeight.BOLD)


def chip_row(texts: list[str], *, color: Any = None) -> ft.Control:
    return ft.Row(
        [ft.Container(ft.Text(t, size=13), padding=ft.Padding.symmetric(horizontal=8, vertical=4),
                      border_radius=12, bgcolor=color or ft.Colors.SECONDARY_CONTAINER) for t in texts],
        wrap=True, spacing=6, run_spacing=6,
    )
