"""Picking wanted occupations: type a word people say ("保姆", "bj"), tap a suggestion; chips show the choice."""
from __future__ import annotations

from typing import Callable

import flet as ft

from shared.occupations import search_occupations

SUGGESTIONS = 6


class OccupationPicker(ft.Column):
    def __init__(self, label: str, chosen: list[tuple[str, str]], on_change: Callable[[list[str]], None],
                 update: Callable[[], None]) -> None:
        self.chosen = dict(chosen)  # code -> name
        self.on_codes_change = on_change
        self.redraw = update
        self.query = ft.TextField(label=label, hint_text="输入工种名称或拼音首字母，如 保洁、ba", text_size=16,
                                  on_change=self.suggest)
        self.suggestions = ft.Row(wrap=True, spacing=6)
        self.chips = ft.Row(wrap=True, spacing=6)
        super().__init__([self.query, self.suggestions, self.chips], spacing=6,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.show_chips()

    def suggest(self, e=None) -> None:
        text = (self.query.value or "").strip()
        found = search_occupations(text, limit=SUGGESTIONS) if text else []
        self.suggestions.controls = [
            ft.OutlinedButton(f"+ {o.name}", on_click=self._adder(o.code, o.name), height=48)
            for o in found if o.code not in self.chosen
        ]
        self.redraw()

    def _adder(self, code: str, name: str):
        def add(e=None) -> None:
            self.chosen[code] = name
            self.query.value = ""
            self.suggestions.controls = []
            self.show_chips()
            self.on_codes_change(list(self.chosen))
        return add

    def _remover(self, code: str):
        def remove(e=None) -> None:
            self.chosen.pop(code, None)
            self.show_chips()
            self.on_codes_change(list(self.chosen))
        return remove

    def show_chips(self) -> None:
        self.chips.controls = [
            ft.Chip(label=ft.Text(name), on_delete=self._remover(code), delete_icon_tooltip=f"删除{name}")
            for code, name in self.chosen.items()
        ]
