"""The phone's local store: one encrypted SQLite file, the outbox, and the keys (see docs/device-store.md)."""
from mobile.store.crypto import DecryptionError
from mobile.store.device_store import DeviceStore, Saved
from mobile.store.errors import NotProvisioned, StoreError, StoreLocked, StoreWiped, WrongPin
from mobile.store.keystore import FileKeyStore, KeyringKeyStore, KeyStore, MemoryKeyStore, desktop_keystore
from mobile.store.vault import MAX_WRONG_PINS

__all__ = [
    "DecryptionError", "DeviceStore", "Saved", "FileKeyStore", "KeyStore", "KeyringKeyStore", "MAX_WRONG_PINS",
    "MemoryKeyStore", "desktop_keystore",
    "NotProvisioned", "StoreError", "StoreLocked", "StoreWiped", "WrongPin",
]
