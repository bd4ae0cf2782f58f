"""Real processes for the browser tests: `doorstep serve` on a seeded SQLite file, `doorstep app --web` per phone.

Chromium is Debian's (/usr/bin/chromium) driven by PyPI's Playwright; no
browser is ever downloaded. Every request that is not to this machine is
refused, so the test also shows the app runs with no internet.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}:\n{log.read_text()[-3000:]}")


def doorstep(*args: str, log: Path, env: dict | None = None) -> subprocess.Popen:
    handle = open(log, "ab")
    return subprocess.Popen([sys.executable, "-m", "doorstep.cli", *args], cwd=ROOT, stdout=handle,
                            stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})), start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Server:
    """`doorstep serve` on one SQLite file; stop() and start() again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.db = workdir / "server.sqlite3"
        self.url = f"sqlite:///{self.db}"
        self.port = free_port()
        self.log = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        for command in (("db", "upgrade", "--url", self.url),
                        ("seed-demo", "--households", "40", "--url", self.url)):
            done = subprocess.run([sys.executable, "-m", "doorstep.cli", *command], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = doorstep("serve", "--host", "127.0.0.1", "--port", str(self.port), "--url", self.url,
                                log=self.log)
        wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class AppProcess:
    """One phone: `doorstep app --web` with its own data folder."""

    def __init__(self, workdir: Path, name: str, server: Server) -> None:
        self.port = free_port()
        self.log = workdir / f"app-{name}.log"
        self.process = doorstep("app", "--web", "--no-browser", "--port", str(self.port), "--data-dir",
                                str(workdir / name), "--server", server.address, log=self.log)
        wait_for_port(self.port, self.process, self.log)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def browser_stack(tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(tmp_path)
    server.start()
    apps: list[AppProcess] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--enable-unsafe-swiftshader", "--disable-background-networking"],
        )
        outside: list[str] = []

        def local_only(route) -> None:
            host = urlparse(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        def new_phone(name: str):
            app = AppProcess(tmp_path, name, server)
            apps.append(app)
            context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            context.route("**/*", local_only)
            page = context.new_page()
            page.goto(app.address)
            return page

        try:
            yield server, new_phone, outside
        finally:
            browser.close()
            for app in apps:
                stop(app.process)
            server.stop()
