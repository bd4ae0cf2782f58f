"""The ``stamps`` column stored compactly: the stamp most clock keys share is written once, with their keys.

A row made on a phone has one stamp for every field (a resident about 25):
as plain JSON that was 1.6 kB of a 2.8 kB row on the server, packed 0.4 kB
(the peer bench's 10,000 residents). Stored, it is
``{"": [stamp, [key, ...]], key: stamp, ...}``; read, it is the same dict
again. The empty key is never a clock key (field names, ``set|element`` keys
and ``_deleted`` are never empty), so rows written before read as they are.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Optional

from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

SHARED_KEY = ""
MIN_SHARED = 4  # fewer keys on one stamp are kept as they are (nothing to save)


def pack_stamps(stamps: Mapping[str, str]) -> dict[str, Any]:
    """``stamps`` with its most shared stamp written once (when at least ``MIN_SHARED`` keys have it)."""
    if len(stamps) < MIN_SHARED:
        return dict(stamps)
    values = list(stamps.values())
    first = values[0]
    if all(value == first for value in values):  # a new row: one stamp for every key
        return {SHARED_KEY: [first, list(stamps)]}
    common, count = Counter(values).most_common(1)[0]
    if count < MIN_SHARED:
        return dict(stamps)
    packed: dict[str, Any] = {SHARED_KEY: [common, [key for key, stamp in stamps.items() if stamp == common]]}
    packed.update((key, stamp) for key, stamp in stamps.items() if stamp != common)
    return packed


def unpack_stamps(stored: Mapping[str, Any]) -> dict[str, str]:
    """The stamps dict of a stored value (packed or, written before, plain)."""
    shared = stored.get(SHARED_KEY)
    if shared is None:
        return dict(stored)
    common, keys = shared
    stamps = dict.fromkeys(keys, common)
    stamps.update((key, stamp) for key, stamp in stored.items() if key != SHARED_KEY)
    return stamps


class StampsJSON(TypeDecorator):
    """JSON of ``pack_stamps`` in the database, the plain stamps dict in Python."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Optional[Mapping[str, str]], dialect: Any) -> Optional[dict[str, Any]]:
        return pack_stamps(value) if value else value

    def process_result_value(self, value: Optional[Mapping[str, Any]], dialect: Any) -> Optional[dict[str, str]]:
        return unpack_stamps(value) if value else value
