"""Fixtures for the jobs tests: the app's fixtures (server in process, clock, app on a fake page) and phones
driven through their services (a real Session, DeviceStore and SyncEngine each)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mobile.services.jobs import JobsService
from mobile.services.session import Session
from mobile.services.sign_in import grid_ids_of
from mobile.state import AppState
from mobile.store import MemoryKeyStore
from tests.mobile.conftest import PIN, SERVER, TEST_SCRYPT_N, clock, cloud, make_app  # noqa: F401 - fixtures

__all__ = ["clock", "cloud", "make_app"]


@dataclass
class ServicePhone:
    """One coordinator's phone as its screens use it: the session, the jobs service, and sync."""

    session: Session
    jobs: JobsService

    @property
    def store(self):
        return self.session.store

    def sync(self):
        with self.session.sync_engine() as engine:
            engine.sleep = lambda s: None
            return engine.sync()


@pytest.fixture
def phone(tmp_path: Path, cloud, clock):  # noqa: F811 - the fixtures imported above
    """``phone(username)``: a signed-in, unlocked phone that has synced once."""
    made: list[ServicePhone] = []

    def make(username: str = "coord_a1") -> ServicePhone:
        answer = cloud.login(username)
        session = Session(tmp_path / f"{username}-{len(made)}", MemoryKeyStore(), clock=clock,
                          transport=cloud.transport, scrypt_n=TEST_SCRYPT_N)
        session.store.provision(PIN)
        user = dict(answer["user"], grid_ids=grid_ids_of(answer["user"]))  # as signing in keeps it
        for key, value in (("token", answer["token"]), ("device_id", answer["device_id"]), ("user", user)):
            session.store.set_meta(key, value)
        session.store.set_meta("server_url", SERVER)
        device = ServicePhone(session, JobsService(session, AppState()))
        device.sync()
        made.append(device)
        return device

    yield make
    for device in made:
        device.store.close()
