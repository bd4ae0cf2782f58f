"""The seam in front of the phone's secure storage: where the device secret and the wrong-PIN count live.

On the phone the app adapts ``flet_secure_storage`` to this protocol; desktop and
development use ``FileKeyStore``; tests use ``MemoryKeyStore``. Values are short strings.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class KeyStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryKeyStore:
    """Keeps values in a dict (tests; a copied database file plus this object models a stolen phone)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


class FileKeyStore:
    """A JSON file readable by its owner only (desktop and development; not secure storage)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, values: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(values, handle)
        os.replace(tmp, self.path)

    def get(self, key: str) -> str | None:
        return self._load().get(key)

    def set(self, key: str, value: str) -> None:
        values = self._load()
        values[key] = value
        self._save(values)

    def delete(self, key: str) -> None:
        values = self._load()
        if values.pop(key, None) is not None:
            self._save(values)
