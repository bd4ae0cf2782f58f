"""Hybrid logical clock stamps: totally ordered, comparable as plain strings.

A stamp is ``"<physical ms, 13 digits>.<counter, 5 digits>.<device id>"``.
Zero-padding makes string order equal tuple order (physical, counter, device),
so the device id breaks ties deterministically. Time always comes in as an
argument (milliseconds since the epoch); this module never reads a clock.

Invariants: ``tick`` returns a stamp greater than every stamp the clock has
produced or observed; ``observe`` moves the clock past a received stamp, so a
device whose wall clock runs behind still stamps its next edit after anything
it has seen.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

MAX_COUNTER = 99_999
ZERO = "0000000000000.00000."


class Stamp(NamedTuple):
    """A parsed stamp; compares as (physical_ms, counter, device_id), as the text form sorts."""

    physical_ms: int
    counter: int
    device_id: str

    def encode(self) -> str:
        return f"{self.physical_ms:013d}.{self.counter:05d}.{self.device_id}"


def parse_stamp(text: str) -> Stamp:
    """Parse a stamp string; raises ValueError on anything malformed.

    Cached: a push carries the same stamp on every field of a new row, and the
    merge parses the stamps of each row it touches again.
    """
    if not isinstance(text, str):
        raise ValueError("malformed clock stamp / 时钟戳格式错误")
    return _parse_stamp(text)


@lru_cache(maxsize=1 << 16)
def _parse_stamp(text: str) -> Stamp:
    try:
        physical, counter, device = text.split(".", 2)
        # ASCII digits only: other scripts' digits pass isdigit() but sort above every real stamp
        if len(physical) != 13 or len(counter) != 5 or not (physical + counter).isascii() \
                or not physical.isdigit() or not counter.isdigit():
            raise ValueError
        return Stamp(int(physical), int(counter), device)
    except (ValueError, AttributeError):
        raise ValueError("malformed clock stamp / 时钟戳格式错误") from None


def is_stamp(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_stamp(text)
    except ValueError:
        return False
    return True


class HybridClock:
    """One device's (or server's) clock state."""

    def __init__(self, device_id: str, last: str | None = None) -> None:
        self.device_id = device_id
        self._physical = 0
        self._counter = 0
        if last:
            self.observe(last)

    @property
    def last(self) -> str:
        return Stamp(self._physical, self._counter, self.device_id).encode()

    def tick(self, now_ms: int) -> str:
        """A new stamp for a local event at wall time ``now_ms``."""
        if now_ms > self._physical:
            self._physical, self._counter = now_ms, 0
        else:
            self._counter += 1
            if self._counter > MAX_COUNTER:  # a burst: borrow the next millisecond
                self._physical, self._counter = self._physical + 1, 0
        return self.last

    def observe(self, stamp: str) -> None:
        """Move past a stamp received from elsewhere."""
        other = parse_stamp(stamp)
        if (other.physical_ms, other.counter) > (self._physical, self._counter):
            self._physical, self._counter = other.physical_ms, other.counter


def clamp_stamp(stamp: str, server_now_ms: int, max_ahead_ms: int = 5 * 60 * 1000) -> tuple[str, bool]:
    """Clamp a stamp more than ``max_ahead_ms`` ahead of the server's clock.

    Returns the stamp to store and whether it was clamped. A clamped stamp keeps
    its device id and counter, so the order between devices stays deterministic,
    but a device whose clock runs in the future cannot win for ever.
    """
    parsed = parse_stamp(stamp)
    limit = server_now_ms + max_ahead_ms
    if parsed.physical_ms <= limit:
        return stamp, False
    return Stamp(limit, parsed.counter, parsed.device_id).encode(), True


def next_after(stamp: str) -> Stamp:
    """The smallest stamp of the same device after ``stamp``."""
    parsed = parse_stamp(stamp)
    if parsed.counter >= MAX_COUNTER:
        return Stamp(parsed.physical_ms + 1, 0, parsed.device_id)
    return Stamp(parsed.physical_ms, parsed.counter + 1, parsed.device_id)


def stored_stamp(stamp: str, previous: str | None, server_now_ms: int,
                 max_ahead_ms: int = 5 * 60 * 1000) -> str:
    """The stamp the server keeps for a device's edit, given the last one it kept for that device.

    A stamp within ``max_ahead_ms`` of the server's clock and later than
    ``previous`` keeps its value. One further ahead becomes ``server now +
    max_ahead_ms``; one not later than ``previous`` (the device's earlier
    edit was clamped above it) becomes the next stamp after ``previous``.
    Applied to a device's edits in the order they were made, the kept stamps
    therefore increase strictly in that order, whatever the device's clock
    said: a later correction of a field always beats the earlier value.
    """
    parsed = parse_stamp(stamp)
    limit = server_now_ms + max_ahead_ms
    kept = parsed if parsed.physical_ms <= limit else Stamp(limit, 0, parsed.device_id)
    if previous:
        floor = next_after(previous)
        if (kept.physical_ms, kept.counter) < (floor.physical_ms, floor.counter):
            kept = Stamp(floor.physical_ms, floor.counter, parsed.device_id)
    return kept.encode()
