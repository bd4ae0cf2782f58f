"""Touch-sized inputs and buttons (at least 48 px high) with the app's defaults, for use standing in a stairwell."""
from __future__ import annotations

from types import SimpleNamespace
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
        text_size=TEXT_SIZE, autofocus=autofocus, error_max_lines=3, helper_max_lines=3,
        counter="" if max_length else None,  # no "6 characters remaining" read out in English
    )


def choice(label: str, options: dict[str, str], value: Optional[str], on_select: Optional[Callable] = None,
           *, required: bool = False, searchable: bool = False) -> ft.Dropdown:
    """A drop-down as wide as the screen; ``searchable``: type a few characters to narrow a long list."""
    return ft.Dropdown(
        label=f"{label} *" if required else label, value=value,
        options=[ft.DropdownOption(key=code, text=text) for code, text in options.items()],
        on_select=on_select, text_size=TEXT_SIZE, enable_search=searchable, enable_filter=searchable,
        editable=searchable, hint_text="输入名称筛选" if searchable else None, menu_height=360,
        expanded_insets=ft.Padding.all(0), width=float("inf"),  # as wide as the column
    )


def segmented(label: str, options: dict[str, str], value: Optional[str], on_change: Optional[Callable] = None,
              *, required: bool = False) -> ft.SegmentedButton:
    """A short choice (是/否, 男/女) as side-by-side buttons, 48 px high; the control's ``value`` is the code."""
    button = ft.SegmentedButton(
        segments=[ft.Segment(value=code, label=ft.Text(text, size=TEXT_SIZE)) for code, text in options.items()],
        selected=[value] if value else [], allow_empty_selection=True, show_selected_icon=False,
        data={"label": label, "required": required},
    )

    def changed(e: Any = None) -> None:
        if on_change is not None:
            return on_change(SimpleNamespace(control=SimpleNamespace(value=button.selected[0] if button.selected
                                                                    else None)))
        return None

    button.on_change = changed
    return button


def section(title: str) -> ft.Control:
    return ft.Text(title, size=18, weight=ft.FontWeight.BOLD)


def chip_row(texts: list[str], *, color: Any = None) -> ft.Control:
    return ft.Row(
        [ft.Container(ft.Text(t, size=13), padding=ft.Padding.symmetric(horizontal=8, vertical=4),
                      border_radius=12, bgcolor=color or ft.Colors.SECONDARY_CONTAINER) for t in texts],
        wrap=True, spacing=6, run_spacing=6,
    )


def tick_box(label: str, value: bool = False, on_change: Optional[Callable] = None) -> ft.Control:
    """A checkbox whose long label wraps onto more lines instead of being cut; the whole row (48 px at least)
    toggles it. Returns the row; the checkbox is ``row.data`` (screen readers hear the label)."""
    box = ft.Checkbox(value=value, on_change=on_change, semantics_label=label)
    text = ft.Text(label, size=TEXT_SIZE, expand=True)

    async def toggle(e: Any = None) -> None:
        box.value = not box.value
        if on_change is not None:
            result = on_change(SimpleNamespace(control=box))
            if hasattr(result, "__await__"):
                await result

    row = ft.Container(ft.Row([box, text], vertical_alignment=ft.CrossAxisAlignment.START, spacing=4),
                       on_click=toggle, padding=ft.Padding.symmetric(vertical=6), data=box)
    return row
