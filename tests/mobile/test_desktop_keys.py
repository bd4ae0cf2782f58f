"""Desktop and browser builds: the device secret lives in the OS keyring or outside the data folder, so a copied
data folder holds nothing that lets anyone try PINs against it."""
from __future__ import annotations

import shutil

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from mobile.store import DeviceStore, FileKeyStore, KeyringKeyStore, StoreWiped, desktop_keystore
from mobile.store.keystore import outside_key_file

PIN = "135792"


class FakeOsKeyring(KeyringBackend):
    """An OS keyring of one machine, in memory."""

    priority = 5

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def os_keyring():
    previous = keyring.get_keyring()
    backend = FakeOsKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_os_keyring(tmp_path, monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv("DOORSTEP_DEVICE_KEY_FILE", raising=False)
    monkeypatch.delenv("APPDATA", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    yield
    keyring.set_keyring(previous)


def provisioned(folder):
    store = DeviceStore.open(folder, desktop_keystore(folder), scrypt_n=2**10)
    store.provision(PIN)
    store.set_meta("device_id", "d1")
    store.save("household", {"community_id": "c1", "grid_id": "g1", "address": "幸福路1号"}, now=_now())
    store.close()


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def secrets_of(keys) -> list[str]:
    return [v for v in keys.values() if len(v) > 20]


def assert_folder_holds_no_secret(folder, secrets: list[str]) -> None:
    assert secrets
    for path in folder.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not any(s.encode() in blob for s in secrets), path


def test_with_an_os_keyring_the_secret_is_there_and_a_copied_folder_opens_with_no_pin_elsewhere(os_keyring, tmp_path):
    folder = tmp_path / "data"
    assert isinstance(desktop_keystore(folder), KeyringKeyStore)
    provisioned(folder)
    assert_folder_holds_no_secret(folder, secrets_of({k[1]: v for k, v in os_keyring.entries.items()}))
    assert DeviceStore.open(folder, desktop_keystore(folder), scrypt_n=2**10).unlock(PIN) is None  # still opens
    stolen = tmp_path / "stolen"
    shutil.copytree(folder, stolen)
    keyring.set_keyring(FakeOsKeyring())  # another machine: its own keyring
    copy = DeviceStore.open(stolen, desktop_keystore(stolen), scrypt_n=2**10)
    with pytest.raises(StoreWiped):
        copy.unlock(PIN)  # not even the right PIN: without the secret there is nothing to guess against


def test_without_a_keyring_the_secret_is_a_file_outside_the_data_folder(no_os_keyring, tmp_path):
    folder = tmp_path / "data"
    keys = desktop_keystore(folder)
    assert isinstance(keys, FileKeyStore) and folder not in keys.path.parents
    assert keys.path.parent == tmp_path / "home-config" / "doorstep"
    provisioned(folder)
    assert oct(keys.path.stat().st_mode & 0o777) == "0o600"
    assert_folder_holds_no_secret(folder, secrets_of(keys._load()))
    stolen = tmp_path / "stolen"
    shutil.copytree(folder, stolen)
    with pytest.raises(StoreWiped):
        DeviceStore.open(stolen, desktop_keystore(stolen), scrypt_n=2**10).unlock(PIN)


def test_a_key_file_inside_the_data_folder_is_refused_and_an_old_one_is_moved_out(no_os_keyring, tmp_path,
                                                                                  monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("DOORSTEP_DEVICE_KEY_FILE", str(folder / "sub" / "keys.json"))
    with pytest.raises(ValueError):
        outside_key_file(folder)
    monkeypatch.delenv("DOORSTEP_DEVICE_KEY_FILE")
    old = FileKeyStore(folder / "keys.json")  # where an older build kept it
    store = DeviceStore.open(folder, old, scrypt_n=2**10)
    store.provision(PIN)
    store.close()
    moved = desktop_keystore(folder)
    assert not (folder / "keys.json").exists()
    assert DeviceStore.open(folder, moved, scrypt_n=2**10).unlock(PIN) is None
