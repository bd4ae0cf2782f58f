"""A KeyStore (mobile.store's seam) over the phone's secure storage (flet_secure_storage, async, in the client).

DeviceStore calls the KeyStore synchronously, usually from a worker thread
(services run store calls with ``asyncio.to_thread``); SecureStorage is async
and answers through the page's connection. The adapter bridges the two:

- ``await keys.load()`` reads every Doorstep key once, at start; ``get`` then
  answers from that copy, so it never waits on the client;
- ``set`` and ``delete`` update the copy and write through: from a worker
  thread they wait for the client to confirm (so a provisioned key is really
  stored before the PIN screen says so); on the event loop's own thread, where
  waiting would dead-lock, the write is scheduled and ``await keys.flush()``
  waits for it.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any

PREFIX = "doorstep."
WRITE_TIMEOUT_S = 15.0


class SecureKeyStore:
    def __init__(self, storage: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._storage = storage  # flet_secure_storage.SecureStorage registered on the page
        self._loop = loop
        self._values: dict[str, str] = {}
        self._pending: set[asyncio.Future] = set()
        self._lock = threading.Lock()

    async def load(self) -> None:
        values = await self._storage.get_all() or {}
        with self._lock:
            self._values = {k[len(PREFIX):]: v for k, v in values.items() if k.startswith(PREFIX)}

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value
        self._write(lambda: self._storage.set(PREFIX + key, value))

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)
        self._write(lambda: self._storage.remove(PREFIX + key))

    async def flush(self) -> None:
        """Wait for writes scheduled from the event loop's thread."""
        while self._pending:
            await asyncio.gather(*list(self._pending))

    def _write(self, make_call) -> None:
        if self._on_loop_thread():
            task = self._loop.create_task(make_call())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            asyncio.run_coroutine_threadsafe(make_call(), self._loop).result(WRITE_TIMEOUT_S)

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False


async def open_secure_keystore(page: Any) -> SecureKeyStore:
    """Register SecureStorage on the page and load Doorstep's keys (call from the app's main)."""
    from flet_secure_storage import SecureStorage

    storage = SecureStorage()
    if storage not in page.services:
        page.services.append(storage)
    keys = SecureKeyStore(storage, asyncio.get_running_loop())
    await keys.load()
    return keys
