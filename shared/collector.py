"""The garbage collector set for batch work: the start-up heap frozen, young collections less often.

A push or a pulled page makes tens of thousands of short-lived dicts and
tuples. With CPython's defaults (a young collection every 700 allocations, a
full one every 100 young ones) a sync spends a fifth to a third of its time
walking objects that are still alive: the start-up heap (models, SQLAlchemy
metadata, pydantic validators, routes), which lives as long as the process,
and the batch in hand. ``tune_collector`` moves what exists at start-up out of
the collector's sight (``gc.freeze``) and raises the young threshold, so most
collections see only the last batch's leftovers. Reference counting still frees
everything at once; only reference cycles wait for a collection, and they are
few and small here. Called once by the served app and by the phone app after
they are built; never by a library function (tests build apps by the hundred,
and frozen cycles are never freed).

Measured in ``bench/bench_sync.py`` (it calls this the way the server does).
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle ones per full one (defaults 10, 10)


def tune_collector(young: int = YOUNG_THRESHOLD) -> tuple[int, int, int]:
    """Freeze the heap as it is now and set the thresholds; returns the thresholds before."""
    before = gc.get_threshold()
    gc.collect()  # what is garbage now is not kept frozen for ever
    gc.freeze()
    gc.set_threshold(young, *OLDER_THRESHOLDS)
    return before
