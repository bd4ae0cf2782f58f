"""The seam in front of the phone's secure storage: where the device secret and the wrong-PIN count live.

On the phone the app adapts ``flet_secure_storage`` to this protocol; desktop and
browser builds use ``desktop_keystore``: the OS keyring (``KeyringKeyStore``) where
one exists, else a ``FileKeyStore`` outside the data folder, so a copied data
folder holds the wrapped key but never the device secret; tests use
``MemoryKeyStore``. Values are short strings.
"""
from __future__ import annotations

import hashlib
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


KEYRING_SERVICE = "doorstep"
LEGACY_FILE = "keys.json"  # where desktop builds kept the secret before: beside the data (moved out on start)


class KeyringKeyStore:
    """The operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service) via ``keyring``."""

    def __init__(self, backend: object) -> None:
        self.backend = backend

    @classmethod
    def available(cls) -> "KeyringKeyStore | None":
        """The keyring when a real backend exists on this machine, else None."""
        try:
            import keyring
            from keyring.backends import fail
        except ImportError:
            return None
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        return cls(backend)

    def get(self, key: str) -> str | None:
        return self.backend.get_password(KEYRING_SERVICE, key)

    def set(self, key: str, value: str) -> None:
        self.backend.set_password(KEYRING_SERVICE, key, value)

    def delete(self, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self.backend.delete_password(KEYRING_SERVICE, key)
        except PasswordDeleteError:
            pass


def outside_key_file(data_dir: Path) -> Path:
    """``DOORSTEP_DEVICE_KEY_FILE``, else a file in the user's settings folder named after the data folder.

    Never inside the data folder: a copy of that folder must not carry the secret.
    """
    data_dir = Path(data_dir).resolve()
    if os.environ.get("DOORSTEP_DEVICE_KEY_FILE"):
        path = Path(os.environ["DOORSTEP_DEVICE_KEY_FILE"]).expanduser().resolve()
    else:
        base = os.environ.get("APPDATA") or os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        tag = hashlib.sha256(str(data_dir).encode("utf-8")).hexdigest()[:16]
        path = Path(base).expanduser().resolve() / "doorstep" / f"device-keys-{tag}.json"
    if path == data_dir or data_dir in path.parents:
        raise ValueError("设备密钥文件不能放在数据文件夹里 / the key file must be outside the data folder")
    return path


def desktop_keystore(data_dir: Path) -> KeyStore:
    """Desktop and browser builds: the OS keyring where one exists, else a 0600 file outside the data folder.

    A secret left beside the data by an older build is moved over, then deleted.
    """
    keys: KeyStore = KeyringKeyStore.available() or FileKeyStore(outside_key_file(data_dir))
    legacy = Path(data_dir) / LEGACY_FILE
    if legacy.is_file():
        for key, value in FileKeyStore(legacy)._load().items():
            keys.set(key, value)
        legacy.unlink()
    return keys
