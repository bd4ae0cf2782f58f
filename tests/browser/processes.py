"""The real processes of a browser test: `doorstep serve` on a seeded SQLite file and `doorstep app --web` per phone.

Each test gets its own ports and its own data folders (under its tmp_path).
Ports come from below the kernel's ephemeral range, so no outgoing connection
(Chromium's, the app's) can hold the server's port while the server is
stopped and it has to start again on the same one. Every process is its own
process group and ``stop`` ends the whole group.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180  # a cold Python start on a loaded 2-core machine
SEED_HOUSEHOLDS = "40"
_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on, outside the ephemeral range, never handed out before in this session."""
    low = _ephemeral_low()
    if low > 12000:
        for _ in range(200):
            port = random.randrange(10000, low)
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
    with socket.socket() as s:  # an unusual port range: let the kernel choose
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _handed_out.add(port)
    return port


def tail(log: Path, chars: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before listening on {port}:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what}: nothing listening on {port} after {START_TIMEOUT_S} s:\n{tail(log)}")


def doorstep(*args: str, log: Path) -> subprocess.Popen:
    """`python -m doorstep.cli ARGS` in its own process group, its output appended to ``log``."""
    with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "doorstep.cli", *args], cwd=ROOT, stdout=handle,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """End the process and everything it started (SIGTERM, then SIGKILL after 15 s)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()
    try:  # children that outlived the leader
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Server:
    """`doorstep serve` on one seeded SQLite file; stop() and start() again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.db = workdir / "server.sqlite3"
        self.url = f"sqlite:///{self.db}"
        self.port = free_port()
        self.log = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        for command in (("db", "upgrade", "--url", self.url),
                        ("seed-demo", "--households", SEED_HOUSEHOLDS, "--url", self.url)):
            done = subprocess.run([sys.executable, "-m", "doorstep.cli", *command], cwd=ROOT, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=600)
            with open(self.log, "a") as log:
                log.write(f"$ doorstep {' '.join(command[:2])}\n{done.stdout}{done.stderr}\n")
            if done.returncode != 0:
                raise RuntimeError(f"doorstep {command[0]} failed ({done.returncode}):\n{tail(self.log)}")

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None, "the server is already running"
        self.process = doorstep("serve", "--host", "127.0.0.1", "--port", str(self.port), "--url", self.url,
                                log=self.log)
        wait_for_port(self.port, self.process, self.log, "doorstep serve")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class AppProcess:
    """One phone: `doorstep app --web` with its own data folder. Call stop() even when start() failed."""

    def __init__(self, workdir: Path, name: str, server: Server) -> None:
        self.name = name
        self.port = free_port()
        self.log = workdir / f"app-{name}.log"
        self.data_dir = workdir / name
        self.server = server
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = doorstep("app", "--web", "--no-browser", "--port", str(self.port), "--data-dir",
                                str(self.data_dir), "--server", self.server.address, log=self.log)
        wait_for_port(self.port, self.process, self.log, f"doorstep app ({self.name})")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None
