"""The KeyStore adapter over the client's async secure storage: the store provisions and unlocks through it."""
from __future__ import annotations

import asyncio

from mobile.secure_keys import PREFIX, SecureKeyStore
from mobile.store import DeviceStore
from tests.mobile.conftest import PIN, TEST_SCRYPT_N


class ClientStorage:
    """Stands in for the Flutter side of flet_secure_storage: async calls answered after a turn of the loop."""

    def __init__(self, values=None) -> None:
        self.values = dict(values or {})
        self.calls = []

    async def get_all(self):
        await asyncio.sleep(0)
        return dict(self.values)

    async def set(self, key, value):
        await asyncio.sleep(0.01)
        self.calls.append(("set", key))
        self.values[key] = value

    async def remove(self, key):
        await asyncio.sleep(0.01)
        self.calls.append(("remove", key))
        self.values.pop(key, None)


def test_the_store_provisions_unlocks_and_wipes_through_secure_storage(tmp_path):
    client = ClientStorage({"other.app.key": "x"})

    async def scenario():
        keys = SecureKeyStore(client, asyncio.get_running_loop())
        await keys.load()
        store = DeviceStore.open(tmp_path, keys, scrypt_n=TEST_SCRYPT_N)
        await asyncio.to_thread(store.provision, PIN)  # as the app does: store calls run in a worker thread
        written = {k for op, k in client.calls if op == "set"}
        assert written and all(k.startswith(PREFIX) for k in written)  # confirmed before provision returned
        store.lock()

        reloaded = SecureKeyStore(client, asyncio.get_running_loop())  # the app started again
        await reloaded.load()
        again = DeviceStore.open(tmp_path, reloaded, scrypt_n=TEST_SCRYPT_N)
        await asyncio.to_thread(again.unlock, PIN)
        assert again.is_unlocked
        await asyncio.to_thread(again.wipe)
        assert not any(k.startswith(PREFIX) for k in client.values)
        assert client.values == {"other.app.key": "x"}  # other apps' keys untouched

        reloaded.set("late", "1")  # on the loop's own thread: scheduled, then flushed
        assert "doorstep.late" not in client.values
        await reloaded.flush()
        assert client.values["doorstep.late"] == "1" and reloaded.get("late") == "1"

    asyncio.run(scenario())
