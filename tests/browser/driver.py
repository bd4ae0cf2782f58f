"""Driving the Flet web app in Chromium: a Phone that waits for conditions (a text, a role, the focus), not for a time.

Flutter draws on a canvas; a test reads and taps the accessibility tree (the
``flt-semantics`` elements and their roles) that the app exposes once its
placeholder is clicked. On a loaded 2-core machine a frame can take seconds,
so every action waits for what it needs for up to ``WAIT_S`` seconds, scrolls
a control into the part of the screen where a tap lands, and a tap whose
effect never shows is made again while its control is still there. Every
failure is an AssertionError naming the test's step, the phone and the action,
with the labels the screen showed.

Notes on the Flet web client: a password field is an ``input`` without the
textbox role; a field's ``aria-label`` is its label followed by its hint; a
card's texts are merged into one ``aria-label``; a control far down a form is
in the tree only once scrolled near (mouse wheel); keys typed before the field
really has the focus land in the previously focused one; a tooltip left up
by the mouse changes a button's name (the back arrow's is no longer just
"返回"); the address bar does not always follow the app's route (wait for
what the screen says instead).
"""
from __future__ import annotations

import io
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Union

from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import Locator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
WAIT_S = 90.0  # a condition the app should reach: generous, only a failing test waits this long
BOOT_S = 180.0  # the Flutter engine's first start (wasm compile, a 3.5 MB font) on a loaded machine
RETRY_TAP_S = 12.0  # a tap whose effect has not shown by then is made again (when its control is still there)
SAVE_RETRY_S = 40.0  # the same for a tap that must not take effect twice: far longer than a save takes
POLL_S = 0.2

USER, PASSWORD, PIN = "zhangwei", "demo1234", "135792"  # the demo coordinator (seed-demo)
MANAGER = "sunli"  # the demo district manager

# Elements that carry what the screen says: semantics nodes, anything with a role, fields.
_NODES = "flt-semantics, [role], input, textarea"
SHOWS = """([text, nodes]) => Array.from(document.querySelectorAll(nodes)).some(e => {
    const said = (e.getAttribute('aria-label') || '') + ' ' + (e.textContent || '');
    if (!said.includes(text)) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
})"""
# What the screen says, in order: each node's own text and label, with its role.
SCREEN_TEXT = """() => Array.from(document.querySelectorAll('flt-semantics, flt-semantics *'))
    .map(e => { const own = Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('');
                const said = [e.getAttribute('aria-label') || '', own].filter(s => s.trim()).join(' ').trim();
                const role = e.getAttribute('role') || (e.tagName.startsWith('FLT') || e.tagName === 'SPAN' ? ''
                                                        : e.tagName.toLowerCase());
                return said ? (role ? role + ':' : '') + said : ''; })
    .filter(s => s).join(' | ')"""
# Where a control is: whether a tap at its centre reaches it (not covered by the app bar, the navigation bar, a
# toast) and how far its centre is from the middle of the screen.
WHERE = """(e) => { const r = e.getBoundingClientRect(), x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    const hit = y >= 0 && y < window.innerHeight ? document.elementFromPoint(x, y) : null;
    return {reached: !!hit && (hit === e || e.contains(hit) || hit.contains(e)), off: y - window.innerHeight / 2}; }"""
# Marks the first button ``caption`` below the smallest on-screen node saying ``text`` (a card's title).
MARK_UNDER = """([text, caption]) => {
    document.querySelectorAll('[data-under]').forEach(e => e.removeAttribute('data-under'));
    const top = (e) => e.getBoundingClientRect().top;
    const said = (e) => e.getAttribute('aria-label') || e.textContent || '';
    const area = (e) => { const r = e.getBoundingClientRect(); return r.width * r.height; };
    const titles = Array.from(document.querySelectorAll('flt-semantics, [role]'))
        .filter(e => said(e).includes(text) && area(e) > 0).sort((a, b) => area(a) - area(b));
    if (!titles.length) return false;
    const y = top(titles[0]);
    const buttons = Array.from(document.querySelectorAll('[role=button]'))
        .filter(b => said(b).trim() === caption && top(b) > y && area(b) > 0).sort((a, b) => top(a) - top(b));
    if (!buttons.length) return false;
    buttons[0].setAttribute('data-under', caption);
    return true;
}"""
FOCUSED = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"
Expectation = Union[str, Callable[[], Any], None]
Target = Union["Locator", Callable[[], "Locator"]]  # a locator, or a function finding one afresh each time


def _resolve(target: Target):
    return target() if callable(target) else target


class Journal:
    """The step a test is at: named in every failure (set with ``BrowserStack.step``)."""

    def __init__(self) -> None:
        self.step = "start"
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def wait_until(condition: Callable[[], Any], timeout: float) -> Any:
    """Poll ``condition`` until it is truthy (its value) or ``timeout`` seconds pass (None); errors count as no."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - a page between two frames or two routes: ask again
            value = None
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(POLL_S)


class Phone:
    """One browser page on one `doorstep app --web` process, driven through its accessibility tree."""

    def __init__(self, page, name: str, journal: Journal) -> None:
        self.page, self.name, self.journal = page, name, journal
        self._action = ""

    @property
    def action(self) -> str:
        return self._action

    @action.setter
    def action(self, what: str) -> None:
        """What the phone is doing now; printed with the time (pytest shows it when the test fails)."""
        self._action = what
        print(f"{self.journal.elapsed():7.1f} s  [{self.name}] {what}", flush=True)

    # ---- failures -------------------------------------------------------------------------------------------
    def screen_text(self, limit: int = 3000) -> str:
        try:
            return self.page.evaluate(SCREEN_TEXT)[:limit]
        except Exception as error:  # noqa: BLE001 - only for a message
            return f"(could not read the screen: {error})"

    def fail(self, what: str) -> AssertionError:
        return AssertionError(f"step {self.journal.step!r}, phone {self.name}: {what}\n"
                              f"  url: {self.page.url}\n  on screen: {self.screen_text()}")

    # ---- reading --------------------------------------------------------------------------------------------
    def shows(self, text: str) -> bool:
        """Whether some on-screen node says ``text`` (in its text, or in the label a card merges its texts into)."""
        return bool(self.page.evaluate(SHOWS, [text, _NODES]))

    def see(self, text: str, timeout: float = WAIT_S) -> None:
        self.action = f"see {text!r}"
        if not wait_until(lambda: self.shows(text), timeout):
            raise self.fail(f"{text!r} did not show within {timeout:.0f} s")

    def see_no(self, text: str, timeout: float = WAIT_S) -> None:
        self.action = f"see {text!r} go"
        if not wait_until(lambda: not self.shows(text), timeout):
            raise self.fail(f"{text!r} still shows after {timeout:.0f} s")

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
        self.action = what
        value = wait_until(condition, timeout)
        if not value:
            raise self.fail(f"{what}: not so within {timeout:.0f} s")
        return value

    def field(self, label: str):
        """The text field whose label starts with ``label`` (its aria-label is the label and then the hint)."""
        return self.page.locator(f'input[aria-label^="{label}"], textarea[aria-label^="{label}"]')

    def text_of(self, pattern: str) -> re.Match:
        """The first match of the regular expression ``pattern`` in what the screen says (waits for it)."""
        return self.wait_for(lambda: re.search(pattern, self.screen_text(limit=100_000)), f"read /{pattern}/")

    # ---- acting ---------------------------------------------------------------------------------------------
    def reveal(self, locator: Target, what: str = "", timeout: float = WAIT_S):
        """The first visible match of ``locator``, scrolled into the part of the screen a tap reaches.

        While nothing matches, the screen is swept down and back up with the
        wheel (the control may be far down a form, or the screen still being
        built); once it matches, the screen is scrolled towards it.
        """
        what = what or str(locator)
        deadline = time.monotonic() + timeout
        sweep = moves = 0
        while True:
            try:
                shown = _resolve(locator).filter(visible=True)
                if shown.count():
                    target = shown.first
                    where = target.evaluate(WHERE)
                    if where["reached"] or abs(where["off"]) < 60 or moves >= 6:
                        return target  # reachable, or as near the middle as scrolling gets it: the tap decides
                    moves += 1
                    self.page.mouse.move(195, 450)
                    self.page.mouse.wheel(0, where["off"])
                    time.sleep(0.3)
                    continue
            except Exception:  # noqa: BLE001 - the node went away between two calls: look again
                pass
            if time.monotonic() >= deadline:
                raise self.fail(f"{what} never showed within {timeout:.0f} s")
            # let a screen being built appear, then sweep down 10 steps and back up 10 steps
            if sweep % 22 >= 2:
                self.page.mouse.move(195, 450)
                self.page.mouse.wheel(0, 350 if sweep % 22 < 12 else -350)
            sweep += 1
            time.sleep(0.3)

    def click(self, locator: Target, what: str, expect: Expectation = None, timeout: float = WAIT_S,
              retry_s: float = RETRY_TAP_S) -> None:
        """Tap the control; with ``expect`` (a text that will show, or a condition), tap again while nothing changed.

        A tap can be lost (made while Flutter rebuilds the tree or moves the
        node); it is made again, as the accessibility action this time, when
        ``expect`` has not come true within ``retry_s`` and the control is still
        on screen. A tap whose second effect would do harm (a save) passes a
        ``retry_s`` far longer than the action takes.
        """
        self.action = f"tap {what}"
        done = (lambda: self.shows(expect)) if isinstance(expect, str) else expect
        deadline = time.monotonic() + timeout
        taps = 0
        while True:
            target = self.reveal(locator, what, timeout=max(1.0, deadline - time.monotonic()))
            try:
                self._press(target, semantic=taps % 2 == 1)
                taps += 1
            except Exception as error:  # noqa: BLE001 - moved or replaced while Playwright checked it
                if time.monotonic() >= deadline:
                    raise self.fail(f"could not tap {what}: {error}") from error
                continue
            if done is None:
                return
            if wait_until(done, min(retry_s, max(0.5, deadline - time.monotonic()))):
                return
            if not _resolve(locator).filter(visible=True).count():  # the control has gone: its effect is on the way
                if wait_until(done, max(0.5, deadline - time.monotonic())):
                    return
                raise self.fail(f"tapped {what}; {expect!r} did not follow within {timeout:.0f} s")
            if time.monotonic() >= deadline:
                raise self.fail(f"tapped {what} {taps} times in {timeout:.0f} s; {expect!r} never followed")
            print(f"{self.journal.elapsed():7.1f} s  [{self.name}] (no effect after {retry_s:.0f} s: tap again)",
                  flush=True)

    def _press(self, target, semantic: bool = False) -> None:
        """A mouse click on the control, then the mouse off it (a tooltip left up covers what is under it and
        changes the control's name); or the accessibility action, a click event on the node."""
        if semantic:
            target.dispatch_event("click")
            return
        target.click(timeout=15_000)
        self.page.mouse.move(1, 1)

    def tap(self, name: str, role: str = "button", expect: Expectation = None, timeout: float = WAIT_S,
            retry_s: float = RETRY_TAP_S) -> None:
        """Tap the control of ``role`` named exactly ``name``; see ``click`` for ``expect`` and ``retry_s``."""
        self.click(self.page.get_by_role(role, name=name, exact=True), f"{role} {name!r}", expect, timeout, retry_s)

    def tap_under(self, text: str, caption: str, expect: Expectation = None) -> None:
        """Tap the first button ``caption`` under the smallest on-screen node saying ``text`` (a card's title)."""
        marked = self.page.locator(f'[data-under="{caption}"]')

        def find():
            self.page.evaluate(MARK_UNDER, [text, caption])
            return marked
        self.click(find, f"button {caption!r} under {text!r}", expect)

    def tab(self, name: str, field: str | None = None) -> None:
        """A destination of the bottom navigation bar; done when it is the selected tab (and, with ``field``,
        when that field of its screen is there: a tap made while a redraw lands can leave the old screen up)."""
        tab = self.page.get_by_role("tab", name=name, exact=True)
        boxes = self.page.locator(f'input[aria-label^="{field}"], textarea[aria-label^="{field}"]')
        self.click(tab, f"tab {name!r}", expect=lambda: tab.filter(visible=True).first.get_attribute(
            "aria-selected") == "true" and (field is None or boxes.filter(visible=True).count() > 0))

    def check(self, name: str, role: str = "checkbox") -> None:
        """Tick a checkbox or choose a radio button named ``name``; done when it says it is checked."""
        box = self.page.get_by_role(role, name=name, exact=True)
        self.click(box, f"{role} {name!r}",
                   expect=lambda: box.filter(visible=True).first.get_attribute("aria-checked") == "true")

    def type(self, label: str, text: str) -> None:
        """Replace the field's text by typing (fill() can miss Flutter's change events), and check it took.

        Typing starts only once the field has the keyboard focus (Flutter moves
        it a moment after the tap), and is redone when a key was lost.
        """
        self.action = f"type into {label!r}"
        selector = f'input[aria-label^="{label}"], textarea[aria-label^="{label}"]'
        locator = self.page.locator(selector)
        shown = ""
        for _ in range(5):
            box = self.reveal(locator, f"field {label!r}")
            try:
                box.click(timeout=15_000)
            except Exception:  # noqa: BLE001 - moved while Playwright checked it
                continue
            if not wait_until(lambda: self.page.evaluate(FOCUSED, selector), 10):
                continue
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text, delay=30)
            shown = wait_until(lambda: locator.first.input_value() == text and text, 3) or \
                locator.first.input_value()
            if shown == text:
                time.sleep(0.3)  # the last change event is on its way to the app: give it a moment
                return
        raise self.fail(f"typed {text!r} into {label!r}, the field shows {shown!r}")

    def back_to(self, tab: str) -> None:
        """The app bar's back arrow until the bottom navigation bar shows, then its tab ``tab``.

        After each tap of the arrow the screen must change (else it is tapped
        again) and settle; one tap too many can only land on a screen with the bar.
        """
        self.action = f"back arrow until the navigation bar shows, then {tab!r}"
        bar = self.page.get_by_role("tab", name=tab, exact=True).filter(visible=True)
        arrow = (self.page.get_by_role("button", name=re.compile(r"^返回"))  # a tooltip adds to the name
                 .or_(self.page.locator('[aria-label="返回"]'))).filter(visible=True)  # an icon button: its tooltip
        deadline = time.monotonic() + WAIT_S
        while True:
            seen = wait_until(lambda: "bar" if bar.count() else "arrow" if arrow.count() else None,
                              max(0.5, deadline - time.monotonic()))
            if seen == "bar":
                break
            if seen is None:
                raise self.fail(f"neither the navigation bar nor a back arrow within {WAIT_S:.0f} s")
            before = self.screen_text(limit=100_000)
            try:
                self._press(arrow.first)
            except Exception as error:  # noqa: BLE001 - gone meanwhile: look again
                print(f"{self.journal.elapsed():7.1f} s  [{self.name}] (back arrow: {str(error)[:200]})", flush=True)
            wait_until(lambda was=before: bar.count() or self.screen_text(limit=100_000) != was, RETRY_TAP_S)
            self.settle()
        self.tab(tab)

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until what the screen says stays the same for a moment (a screen change has finished)."""
        said = [self.screen_text(limit=100_000)]

        def same() -> bool:
            said.append(self.screen_text(limit=100_000))
            return said[-1] == said[-2]
        wait_until(same, timeout)

    # ---- pictures ----------------------------------------------------------------------------------------
    def shot(self, name: str, timeout: float = 10.0) -> Image.Image:
        """A screenshot to ``artifacts/browser/<name>.png`` once two in a row are the same (drawing has settled).

        Something that never settles (a spinner, a caret) gives the last one
        after ``timeout`` seconds. Returned in greyscale.
        """
        self.action = f"screenshot {name}"
        deadline = time.monotonic() + timeout
        last = self.page.screenshot()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            this = self.page.screenshot()
            if this == last:
                break
            last = this
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(last)
        return Image.open(io.BytesIO(last)).convert("L")

    # ---- start ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Once the page is loaded: click Flutter's placeholder until the accessibility tree is there."""
        self.action = "turn on the accessibility tree"
        placeholder = self.page.locator("flt-semantics-placeholder")
        if not wait_until(lambda: placeholder.count() or self.page.locator("flt-semantics").count(), BOOT_S):
            raise self.fail(f"the Flutter app did not start within {BOOT_S:.0f} s")

        def enabled() -> bool:
            if not placeholder.count() and self.page.locator("flt-semantics").count():
                return True
            self.page.evaluate("() => { const p = document.querySelector('flt-semantics-placeholder');"
                               " if (p) p.click(); }")
            return False
        if not wait_until(enabled, WAIT_S):
            raise self.fail("the accessibility tree never appeared")


def sign_in(phone: Phone, user: str = USER, home: str = "今天的走访") -> None:
    """Sign in with the demo password, set the PIN twice, and land on the role's home screen (showing ``home``)."""
    phone.see("入户通 · 登录", timeout=BOOT_S)
    phone.type("用户名", user)
    phone.type("密码", PASSWORD)
    pin = phone.field("设置 PIN（6 位数字）")
    phone.tap("登录", expect=lambda: pin.filter(visible=True).count(), retry_s=20)  # twice does no harm
    phone.type("设置 PIN（6 位数字）", PIN)
    phone.type("再次输入 PIN", PIN)
    phone.tap("确定", expect=lambda: not pin.count() or phone.shows("正在下载"), retry_s=SAVE_RETRY_S)
    phone.see(home)


def server_rows(db: Path, sql: str, *args: Any) -> list[tuple]:
    """Rows of the server's SQLite database (read while the server runs), sealed ID numbers and phones opened.

    The server process has the tests' key ring (``DOORSTEP_DATA_KEYS``, tests/conftest.py), so this one can open
    what it sealed; a cell is bound to its kind, so each is tried as an ID number, then as a phone.
    """
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        rows = conn.execute(sql, args).fetchall()
    return [tuple(_opened(cell) for cell in row) for row in rows]


def _opened(cell: Any) -> Any:
    from server.cells import CellCodec, CellKeyError, load_key_ring
    from server.settings import Settings

    global _CODEC
    if not isinstance(cell, str) or not cell.startswith("s1."):
        return cell
    if _CODEC is None:
        _CODEC = CellCodec(load_key_ring(Settings(), create=False))
    for kind in ("id_number", "phone"):
        try:
            return _CODEC.open(kind, cell)
        except CellKeyError:
            continue
    return cell


_CODEC = None
