"""Driving the app's screens from Python: a fake page, finding controls in a view, filling and tapping them."""
from __future__ import annotations

import asyncio
import dataclasses
import inspect
from types import SimpleNamespace
from typing import Any, Iterator

import flet as ft
from flet.controls.base_control import BaseControl


class FakePage:
    """What the app's code uses of ``ft.Page``; ``push_route`` answers like the Flutter client.

    The client fires a route change only when the route changes: pushing the
    route already shown does nothing (a screen that wants to redraw itself must
    do so, ``AppContext.refresh``).
    """

    def __init__(self, route: str = "/") -> None:
        self.route = route
        self.views: list[Any] = []
        self.dialogs: list[Any] = []
        self.updates = 0
        self.services: list[Any] = []
        self.web = False
        self.platform = None
        self.title = self.fonts = self.theme = self.theme_mode = None
        self.on_route_change = self.on_view_pop = None
        self.tasks: list[Any] = []

    def update(self, *controls: Any) -> None:
        self.updates += 1

    def show_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)

    def pop_dialog(self) -> Any:
        return self.dialogs.pop() if self.dialogs else None

    async def push_route(self, route: str) -> None:
        if route == self.route:
            return
        self.route = route
        await self.on_route_change(SimpleNamespace(route=route))

    def run_task(self, handler: Any, *args: Any) -> None:
        self.tasks.append((handler, args))

    @property
    def view(self) -> Any:
        return self.views[-1]

    def finish_tasks(self) -> Any:
        """Run the background work screens started (``page.run_task``: loading from the server); the top view."""
        while self.tasks:
            handler, args = self.tasks.pop(0)
            run(handler(*args))
        return self.view


def run(result: Any) -> Any:
    """Finish what a handler returned (a coroutine for async handlers)."""
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def walk(control: Any) -> Iterator[BaseControl]:
    """Every visible control under ``control`` (a view, a dialog), depth first."""
    if isinstance(control, BaseControl):
        if getattr(control, "visible", True) is False:
            return
        yield control
        for f in dataclasses.fields(control):
            if f.name.startswith("_") or f.name in ("parent", "page", "data"):
                continue
            yield from walk(getattr(control, f.name, None))
    elif isinstance(control, (list, tuple)):
        for item in control:
            yield from walk(item)


def texts(root: Any) -> str:
    """All text shown under ``root`` (Text values, labels, button captions), one per line."""
    out = []
    for c in walk(root):
        if isinstance(c, ft.Text) and c.value:
            out.append(str(c.value))
        elif isinstance(c, (ft.Button, ft.TextButton, ft.OutlinedButton)) and isinstance(c.content, str):
            out.append(c.content)
        elif isinstance(c, (ft.Checkbox, ft.Radio)) and isinstance(c.label, str):
            out.append(c.label)
    return "\n".join(out)


def field(root: Any, label: str) -> Any:
    """The text field or dropdown whose label starts with ``label`` (a trailing " *" marks required ones)."""
    found = [c for c in walk(root) if isinstance(c, (ft.TextField, ft.Dropdown))
             and isinstance(c.label, str) and c.label.rstrip(" *") == label]
    assert len(found) == 1, f"{len(found)} fields labelled {label!r}"
    return found[0]


def button(root: Any, caption: str) -> Any:
    found = [c for c in walk(root) if isinstance(c, (ft.Button, ft.TextButton, ft.OutlinedButton, ft.IconButton))
             and (getattr(c, "content", None) == caption or getattr(c, "tooltip", None) == caption)]
    assert len(found) == 1, f"{len(found)} buttons {caption!r}"
    return found[0]


def checkbox(root: Any, label: str) -> Any:
    found = [c for c in walk(root) if isinstance(c, ft.Checkbox) and label in (c.label, c.semantics_label)]
    assert len(found) == 1, f"{len(found)} checkboxes {label!r}"
    return found[0]


def radio_group(root: Any, choice_label: str) -> Any:
    """The first choice group (radios, segmented buttons) offering ``choice_label``; returns (group, value).

    A segmented button's ``value`` is read as its one selected segment.
    """
    for group in walk(root):
        if isinstance(group, ft.RadioGroup):
            for radio in walk(group.content):
                if isinstance(radio, ft.Radio) and radio.label == choice_label:
                    return group, radio.value
        if isinstance(group, ft.SegmentedButton):
            for segment in group.segments:
                if _segment_text(segment) == choice_label:
                    return SegmentedView(group), segment.value
    raise AssertionError(f"no radio {choice_label!r}")


def _segment_text(segment: Any) -> Any:
    return segment.label.value if isinstance(segment.label, ft.Text) else segment.label


class SegmentedView:
    """A segmented button seen as a radio group: ``value`` is the selected segment, choosing fires on_change."""

    def __init__(self, button: Any) -> None:
        self.button = button

    @property
    def value(self) -> Any:
        return self.button.selected[0] if self.button.selected else None

    @value.setter
    def value(self, value: Any) -> None:
        self.button.selected = [value] if value is not None else []

    @property
    def on_change(self) -> Any:
        return self.button.on_change

    on_select = None


def event(control: Any) -> SimpleNamespace:
    return SimpleNamespace(control=control, data=None)


def type_into(control: Any, text: str, *, blur: bool = False) -> Any:
    """Set a field's value as the user would, firing its change (and blur) handler."""
    control.value = text
    if control.on_change:
        run(control.on_change(event(control)))
    if blur and control.on_blur:
        run(control.on_blur(event(control)))


def choose(control: Any, value: Any) -> None:
    control.value = value
    handler = getattr(control, "on_select", None) or control.on_change
    run(handler(event(control)))


def pick(root: Any, choice_label: str) -> None:
    group, value = radio_group(root, choice_label)
    choose(group, value)


def tick(root: Any, label: str, value: bool = True) -> None:
    box = checkbox(root, label)
    box.value = value
    run(box.on_change(event(box)))


def tap(control: Any) -> Any:
    return run(control.on_click(event(control)))


def set_yes_no(root: Any, label: str, answer: str) -> None:
    """Answer the choice group labelled ``label`` (是/否, 男/女) with the segment ``answer``."""
    for control in walk(root):
        if isinstance(control, ft.SegmentedButton) and (control.data or {}).get("label") == label:
            for segment in control.segments:
                if _segment_text(segment) == answer:
                    control.selected = [segment.value]
                    run(control.on_change(event(control)))
                    return
            raise AssertionError(f"no choice {answer!r} in {label!r}")
    raise AssertionError(f"no choice group {label!r}")
