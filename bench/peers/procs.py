"""Processes the peer bench starts (stopped by their own PID), free loopback ports, CPU from /proc, step deadlines."""
from __future__ import annotations

import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import httpx
from load.stack import cpu_seconds
from load.stack import free_port as free_port  # (re-exported) bench/ is on the path: the load bench's helpers


def postgres_backends_cpu(database: str) -> dict[int, float]:
    """CPU so far of the PostgreSQL backends serving ``database`` (by PID; other databases are left out)."""
    word = f" {database} ".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if word in (entry / "cmdline").read_bytes().replace(b"\0", b" ") and \
                    (entry / "comm").read_text().strip() == "postgres":
                found[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:
            continue
    return found


class Launched:
    """One process the bench started: its output goes to ``log``; ``stop()`` signals only this PID."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, *, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self, grace: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(grace)

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def wait_http(url: str, process: Launched, timeout: float = 60.0) -> None:
    """Until ``url`` answers anything below 500 (the process must stay alive meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited ({process.process.returncode}):\n{process.tail()}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s")


class StepTimeout(Exception):
    """A timed step ran past its deadline."""


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise StepTimeout in the main thread when the block runs longer than ``seconds``."""
    def expired(_signum, _frame):
        raise StepTimeout(f"{what} took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
