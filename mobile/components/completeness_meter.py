"""The completeness meter of the resident form: required fields filled, and which are missing."""
from __future__ import annotations

import flet as ft


class CompletenessMeter(ft.Column):
    def __init__(self) -> None:
        self.bar = ft.ProgressBar(value=0, bar_height=10, border_radius=5)
        self.label = ft.Text("", size=15, weight=ft.FontWeight.W_500)
        self.missing = ft.Text("", size=13)
        super().__init__([self.label, self.bar, self.missing], spacing=4)

    def show(self, done: int, total: int, missing: list[str]) -> None:
        self.bar.value = done / total if total else 1
        self.bar.color = ft.Colors.GREEN if done == total else ft.Colors.AMBER
        self.label.value = f"信息完整度 {done}/{total}" + ("（完整）" if done == total else "")
        self.missing.value = f"还缺：{'、'.join(missing)}" if missing else ""
