"""Compact UTF-8 JSON in and out: orjson where it is installed (the sync path's parser and writer), else json.

orjson reads and writes JSON several times faster than the standard library
(profiles of a 10,000-resident push spent about a tenth of the server's time
in ``json``). What orjson refuses but ``json`` takes (integers beyond 64 bits,
non-string keys, lone surrogates) falls back to ``json``. One difference is
left: orjson reads an integer literal beyond 64 bits as a float, json as an
int. Nothing Doorstep keeps holds such a number (its integer columns are 32 or
64 bits) and both forms are refused where an integer is checked; looking for
long digit runs first cost more than the parse.
"""
from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # a build without it (it has wheels for the phone's platforms): the standard library
    orjson = None


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON, UTF-8 (non-ASCII text as itself, not escaped)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dumps_text(value: Any) -> str:
    return dumps(value).decode("utf-8")


def strict_loads(data: bytes) -> tuple[bool, Any]:
    """(True, value) when orjson reads ``data``: then it is UTF-8 JSON with no NaN, no Infinity, no number that
    overflows a float, and no raw control character in a string. (False, None) otherwise, or without orjson."""
    if orjson is None:
        return False, None
    try:
        return True, orjson.loads(data)
    except orjson.JSONDecodeError:
        return False, None


def loads(data: bytes | str) -> Any:
    """Parse JSON text; ``ValueError`` (``json.JSONDecodeError``) when it is not JSON."""
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # perhaps only something orjson refuses: json decides
    return json.loads(data)

