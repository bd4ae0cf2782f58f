"""The browser tests' stack: `doorstep serve`, one `doorstep app --web` per phone, Debian's Chromium via Playwright.

Chromium is Debian's (/usr/bin/chromium) driven by PyPI's Playwright; no
browser is ever downloaded, and without it every browser test skips saying
so. Every request that is not to this machine is refused, so the tests also
show the app runs with no internet. Every process and browser context is
stopped at the end, failure or not. When a test fails, its screenshots (one
per phone), what each screen said and the processes' logs are saved in
artifacts/browser/failed-<test>/, and the failure message names the step.
"""
from __future__ import annotations

import os
import shutil
import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.driver import ARTIFACTS, BOOT_S, Journal, Phone
from tests.browser.processes import AppProcess, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--enable-unsafe-swiftshader", "--disable-background-networking",
    "--disable-dev-shm-usage",  # containers with a small /dev/shm
    # two phones in one browser: the one not being driven must not be throttled
    "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 390, "height": 844}
FAILED = pytest.StashKey[bool]()
WATCHDOG_S = 300.0  # one browser test at most (the longest take about 120 s on this machine)
HUNG = "the browser hung"  # in the failure of a test whose browser the watchdog stopped: it runs once more


class BrowserStack:
    """What a browser test works with: the server, phones (``phone(name)``), the steps, refused outside requests."""

    def __init__(self, workdir: Path, resources: ExitStack) -> None:
        self.workdir, self.resources = workdir, resources
        self.journal = Journal()
        self.outside: list[str] = []  # requests to other hosts (refused)
        self.phones: list[Phone] = []
        self.server = Server(workdir)
        resources.callback(self.server.stop)
        self.server.start()
        from playwright.sync_api import sync_playwright

        playwright = resources.enter_context(sync_playwright())
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        resources.callback(self.browser.close)
        watchdog = threading.Timer(WATCHDOG_S, self._stop_a_hung_browser)
        watchdog.daemon = True
        watchdog.start()
        resources.callback(watchdog.cancel)

    def _stop_a_hung_browser(self) -> None:
        """A Playwright call with no timeout of its own (an ``evaluate`` in a renderer that froze) would wait
        for ever and hold the whole suite: after ``WATCHDOG_S`` this test's Chromium is killed, the pending
        call raises, and the test fails at its step while the suite goes on (seen once, in a full run)."""
        self.journal.step = f"{self.journal.step} ({HUNG}: stopped after {WATCHDOG_S:.0f} s)"
        for pid in _chromium_below(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def step(self, name: str) -> None:
        """Name what the test does next: failure messages and the saved artifacts say which step failed."""
        self.journal.step = name
        print(f"{self.journal.elapsed():7.1f} s  == {name}", flush=True)

    def phone(self, name: str, viewport: dict | None = None) -> Phone:
        """A new `doorstep app --web` process with its own data folder, open in its own browser context
        (a phone's 390×844 unless ``viewport`` says otherwise, e.g. a desk's 1366×768)."""
        app = AppProcess(self.workdir, name, self.server)
        self.resources.callback(app.stop)
        app.start()
        context = self.browser.new_context(viewport=viewport or VIEWPORT, device_scale_factor=1)
        self.resources.callback(context.close)
        context.set_default_timeout(60_000)
        context.route("**/*", self._local_only)
        page = context.new_page()
        self._watch(page, name)
        phone = Phone(page, name, self.journal)
        phone.address = app.address
        self.phones.append(phone)  # from here a failure saves its screen
        phone.action = f"open {app.address}"
        page.goto(app.address, timeout=BOOT_S * 1000)
        phone.start()
        return phone

    def _watch(self, page, name: str) -> None:
        """Print what tells a failure's story: page loads, the app's connection closing, crashes, script errors."""
        def say(what: str) -> None:
            print(f"{self.journal.elapsed():7.1f} s  [{name}] ({what})", flush=True)

        page.on("framenavigated", lambda frame: frame.parent_frame is None and say(f"page {frame.url}"))
        page.on("websocket", lambda socket: socket.on("close", lambda _: say(f"connection closed: {socket.url}")))
        page.on("crash", lambda _: say("the page crashed"))
        page.on("pageerror", lambda error: say(f"script error: {error}"))

    def _local_only(self, route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def save_failure(self, folder: Path) -> None:
        """Each phone's screenshot and screen text, and every process log, into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"step: {self.journal.step}"]
        for phone in self.phones:
            lines.append(f"phone {phone.name}: last action {phone.action!r}, url {phone.page.url}")
            try:
                phone.page.screenshot(path=str(folder / f"{phone.name}.png"), timeout=20_000)
            except Exception as error:  # noqa: BLE001 - keep saving the rest
                lines.append(f"  (no screenshot: {error})")
            (folder / f"{phone.name}-screen.txt").write_text(phone.screen_text(limit=200_000) + "\n")
        for log in sorted(self.workdir.glob("*.log")):
            shutil.copy(log, folder / log.name)
        (folder / "step.txt").write_text("\n".join(lines) + "\n")


def _chromium_below(root: int) -> list[int]:
    """The Chromium processes descending from ``root`` (read from /proc)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid, rest = text.split(" ", 1)
        name, _, fields = rest.rpartition(") ")
        parents[int(pid)], names[int(pid)] = int(fields.split()[1]), name.lstrip("(")
    found = []
    for pid, name in names.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root and name.startswith("chrom"):
            found.append(pid)
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test whose Chromium hung (seen twice in about ten full runs, at different steps, each time
    passing alone) runs once more (pytest-rerunfailures); any other failure fails at once."""
    for item in items:
        if "browser_stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=[HUNG]))


def failure_folder(item: pytest.Item) -> Path:
    return ARTIFACTS / f"failed-{item.name}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed and "browser_stack" in getattr(item, "fixturenames", ()):
        item.stash[FAILED] = True
        report.sections.append(("browser artifacts", f"screenshots and logs: {failure_folder(item)}"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """Any failure of a browser test (a plain assert too) says at which step it happened."""
    try:
        return (yield)
    except Exception as error:
        stack = pyfuncitem.funcargs.get("browser_stack")
        if not isinstance(stack, BrowserStack) or str(error).startswith("step "):
            raise
        raise AssertionError(f"step {stack.journal.step!r}: {type(error).__name__}: {error}") from error


@pytest.fixture
def browser_stack(request: pytest.FixtureRequest, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = failure_folder(request.node)
    shutil.rmtree(folder, ignore_errors=True)
    with ExitStack() as resources:
        stack = None
        try:
            stack = BrowserStack(tmp_path, resources)
        except BaseException:
            folder.mkdir(parents=True, exist_ok=True)
            for log in tmp_path.glob("*.log"):
                shutil.copy(log, folder / log.name)
            raise
        yield stack
        if request.node.stash.get(FAILED, False):
            try:
                stack.save_failure(folder)
            except Exception as error:  # noqa: BLE001 - the processes are stopped all the same
                print(f"could not save the failure's artifacts: {error}")
