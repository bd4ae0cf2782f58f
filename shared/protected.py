"""Column types for personal data the server keeps encrypted (ID numbers, phones): a seam, no cryptography here.

``ProtectedText`` is a plain string column wherever no cell codec is installed
(the phone, which seals these cells itself). The server installs its codec on
its engine's dialect (``server.cells.protect_engine``); from then on every
value bound to the column is sealed before it reaches the database and every
value read is opened, for Core and ORM statements alike, so push, pull,
reports and imports need no code of their own. The codec is deterministic
(the same value under the same key gives the same cell), so ``column == value``
and ``IN`` look-ups and duplicate checks keep working.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol

from sqlalchemy import JSON, String
from sqlalchemy.types import TypeDecorator

CODEC_ATTRIBUTE = "doorstep_cell_codec"  # the attribute a server engine's dialect carries


class CellCodec(Protocol):
    def seal(self, kind: str, value: str) -> str: ...

    def open(self, kind: str, cell: str) -> str: ...

    def is_sealed(self, cell: str) -> bool: ...


def codec_of(dialect: Any) -> Optional[CellCodec]:
    return getattr(dialect, CODEC_ATTRIBUTE, None)


class ProtectedText(TypeDecorator):
    """A string column sealed by the server's codec; ``kind`` ("id_number", "phone") keys its blind index."""

    impl = String
    cache_ok = True

    def __init__(self, kind: str = "text", max_length: int = 255, stored_length: int = 255) -> None:
        super().__init__(stored_length)  # a sealed cell is longer than the value: the column is wider
        self.kind = kind
        self.length = max_length  # what the wire may carry (shared.sync_codec checks it)

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        codec = codec_of(dialect)
        if codec is None or not isinstance(value, str) or not value.strip():
            return value  # blank stays blank: SQL's "is this field filled" (trim = '') still sees it
        return codec.seal(self.kind, value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        codec = codec_of(dialect)
        if codec is None or not value or not codec.is_sealed(value):
            return value  # empty, or written before protection (the migration seals those)
        return codec.open(self.kind, value)


class ProtectedJSON(TypeDecorator):
    """A JSON column whose whole value is sealed on the server (conflict values may hold a phone or ID number)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        codec = codec_of(dialect)
        if codec is None or value is None:
            return value
        return {"sealed": codec.seal("json", _json_dumps(value))}

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        codec = codec_of(dialect)
        if codec is None or not (isinstance(value, dict) and set(value) == {"sealed"}):
            return value
        return _json_loads(codec.open("json", value["sealed"]))


def _json_dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _json_loads(text: str) -> Any:
    import json

    return json.loads(text)
