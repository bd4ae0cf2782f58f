"""What the phone's user would feel during a step: the longest stall of a UI-like thread, and peak memory.

The app runs a sync in a worker thread while Flet's event loop (the screens,
the progress bar) runs in another thread of the same process: whenever the
sync holds the interpreter lock without letting go, the screen freezes. The
probe is such a thread: it asks to wake every ``TICK_S`` and records how late
it woke (its stall). Memory: the process's peak resident size during the step
(Linux ``VmHWM``, reset at the start through ``/proc/self/clear_refs``) above
its size at the start, so data the bench itself holds is left out.
"""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

TICK_S = 0.01
_STATUS = Path("/proc/self/status")


def _status_kb(field: str) -> int | None:
    try:
        found = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.M)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PhoneProbe:
    """``with PhoneProbe() as probe: ...`` then ``probe.figures()``."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="ui-probe", daemon=True)
        self.start_kb = self.peak_kb = None
        self.peak_known = False

    def _tick(self) -> None:
        while not self._stop.is_set():
            asked = time.perf_counter()
            time.sleep(TICK_S)
            self.stalls.append(max(0.0, time.perf_counter() - asked - TICK_S))

    def __enter__(self) -> "PhoneProbe":
        self.peak_known = _reset_peak()
        self.start_kb = _status_kb("VmRSS")
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = _status_kb("VmHWM") if self.peak_known else None

    def figures(self) -> dict[str, float]:
        stalls = sorted(self.stalls) or [0.0]
        out = {"ui_stall_max_ms": stalls[-1] * 1000, "ui_stall_p99_ms": stalls[int(len(stalls) * 0.99)] * 1000}
        if self.peak_kb is not None and self.start_kb is not None:
            out["peak_mb_above_start"] = max(0, self.peak_kb - self.start_kb) / 1024
        return out
