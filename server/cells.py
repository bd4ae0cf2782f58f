"""Server-side sealing of ID numbers and phones: the key ring (a file or an environment variable) and the cell codec.

A cell is ``s1.<key id>.<base64url(nonce ‖ AES-GCM ciphertext ‖ tag)>`` where
the nonce is the first 12 bytes of HMAC-SHA256(index key, kind ‖ 0 ‖ value):
the HMAC is the blind index. The same value under the same key therefore
always makes the same cell, so equality look-ups and duplicate checks work on
the sealed column (``column == value`` seals ``value`` first), while the
database never holds the value. Encryption and index keys are derived (HKDF)
from one 32-byte key per key id; the ring names the current key (new cells)
and keeps older ones for reading until ``doorstep admin rotate-keys`` has
resealed every cell.

Where the key ring comes from (``load_key_ring``): ``DOORSTEP_DATA_KEYS``
(the ring's JSON, or one base64 key), else the file ``DOORSTEP_KEY_FILE``
(default ``<data dir>/server-keys.json``, made 0600 on first use). Keep it
out of database backups.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Table
from sqlalchemy.engine import Engine

from shared.protected import CODEC_ATTRIBUTE, ProtectedJSON, ProtectedText

PREFIX = "s1."
KEY_BYTES = 32
NONCE_BYTES = 12
CACHE_SIZE = 200_000  # cells remembered each way (a street's residents' ID numbers and phones)


class CellKeyError(Exception):
    """A sealed cell cannot be opened: its key is not in the ring, or the bytes were changed (no detail)."""


@dataclass
class KeyRing:
    """Key id -> 32-byte key; ``current`` seals new cells."""

    current: str
    keys: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def generate(cls) -> "KeyRing":
        kid = secrets.token_hex(4)
        return cls(kid, {kid: os.urandom(KEY_BYTES)})

    def with_new_key(self) -> "KeyRing":
        ring = KeyRing.generate()
        return KeyRing(ring.current, {**self.keys, **ring.keys})

    def only_current(self) -> "KeyRing":
        return KeyRing(self.current, {self.current: self.keys[self.current]})

    def to_json(self) -> str:
        return json.dumps({"current": self.current,
                           "keys": {kid: base64.b64encode(k).decode("ascii") for kid, k in self.keys.items()}})

    @classmethod
    def from_text(cls, text: str) -> "KeyRing":
        """The ring's JSON, or a single base64 key (its id is a hash of it)."""
        text = text.strip()
        if text.startswith("{"):
            data = json.loads(text)
            keys = {kid: _key(value) for kid, value in data["keys"].items()}
            if data["current"] not in keys:
                raise ValueError("the key ring's current key is not in it")
            return cls(data["current"], keys)
        key = _key(text)
        return cls(hashlib.sha256(key).hexdigest()[:8], {hashlib.sha256(key).hexdigest()[:8]: key})


def _key(text: str) -> bytes:
    key = base64.b64decode(text.encode("ascii"), validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError("a data key is 32 bytes, base64-encoded")
    return key


def key_file_of(settings: Any) -> Path:
    return Path(settings.key_file) if settings.key_file else Path(settings.data_dir) / "server-keys.json"


def write_key_file(path: Path, ring: KeyRing) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json())
    os.replace(tmp, path)


def load_key_ring(settings: Any, *, create: bool = True) -> KeyRing:
    """The server's key ring (see the module docstring); a first start makes the key file."""
    if settings.data_keys:
        return KeyRing.from_text(settings.data_keys)
    path = key_file_of(settings)
    if not path.is_file():
        if not create:
            raise FileNotFoundError(f"no key file at {path}")
        _create_key_file(path, KeyRing.generate())
    return KeyRing.from_text(path.read_text(encoding="utf-8"))


def _create_key_file(path: Path, ring: KeyRing) -> None:
    """Make the key file unless another process just did: several workers may start at once, one ring wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json())
    try:
        os.link(tmp, path)  # atomic, and refuses to replace a ring another process wrote
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


class CellCodec:
    """Seals and opens cells under a key ring (what ``shared.protected`` column types call on the server)."""

    def __init__(self, ring: KeyRing, cache_size: int = CACHE_SIZE) -> None:
        self.ring = ring
        self._keys = {kid: _derive(key) for kid, key in ring.keys.items()}
        # Cells are deterministic, so both directions can be remembered: the same residents are pulled
        # by every phone of a grid and read by every report (plain values stay in this process only).
        self.seal = lru_cache(maxsize=cache_size)(self._seal)  # type: ignore[method-assign]
        self.open = lru_cache(maxsize=cache_size)(self._open)  # type: ignore[method-assign]

    def _seal(self, kind: str, value: str) -> str:
        kid = self.ring.current
        index_key, aead = self._keys[kid]
        data = value.encode("utf-8")
        label = kind.encode("ascii")
        nonce = hmac.digest(index_key, label + b"\0" + data, "sha256")[:NONCE_BYTES]  # (one call into OpenSSL)
        sealed = nonce + aead.encrypt(nonce, data, label)
        return f"{PREFIX}{kid}.{base64.urlsafe_b64encode(sealed).decode('ascii')}"

    def _open(self, kind: str, cell: str) -> str:
        try:
            kid, body = cell[len(PREFIX):].split(".", 1)
            _index_key, aead = self._keys[kid]
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kind.encode("ascii")).decode("utf-8")
        except (KeyError, ValueError, InvalidTag, UnicodeError):
            raise CellKeyError("a protected cell cannot be opened with this key ring") from None

    def is_sealed(self, cell: str) -> bool:
        return cell.startswith(PREFIX)

    def key_of(self, cell: str) -> str | None:
        return cell[len(PREFIX):].split(".", 1)[0] if self.is_sealed(cell) else None


def _derive(key: bytes) -> tuple[bytes, AESGCM]:
    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)

    return hkdf(b"doorstep-cell-index"), AESGCM(hkdf(b"doorstep-cell-seal"))


def protect_engine(engine: Engine, codec: CellCodec | None) -> Engine:
    """Install the codec on the engine's dialect: protected columns are sealed and opened from now on."""
    setattr(engine.dialect, CODEC_ATTRIBUTE, codec)
    return engine


def codec_for(settings: Any, url: str | None = None) -> CellCodec:
    """The codec for the settings' key ring; an in-memory SQLite database without keys gets a throw-away key."""
    url = url if url is not None else settings.database_url
    if not settings.data_keys and not settings.key_file and url.split("?")[0] in ("sqlite://", "sqlite:///:memory:"):
        return CellCodec(KeyRing.generate())
    return CellCodec(load_key_ring(settings))


def protected_columns(tables: list[Table]) -> Iterator[tuple[Table, str, Any]]:
    """(table, column name, type) of every sealed column."""
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, (ProtectedText, ProtectedJSON)):
                yield table, column.name, column.type
