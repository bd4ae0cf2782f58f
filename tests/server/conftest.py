"""Server test fixtures: an app per test on a fresh database (SQLite in memory, or PostgreSQL), and a client."""
from __future__ import annotations

import pytest

from server.app import create_app
from server.settings import get_settings
from tests.server.client import ApiClient
from tests.server.factories import build_world


def make_app(engine, **settings):
    """The real app on ``engine`` (whose schema is made), with settings overridden for the test."""
    return create_app(get_settings(database_url=engine.url.render_as_string(hide_password=False), **settings),
                      engine=engine)


@pytest.fixture
def clients():
    """Make clients for apps; all are closed at the end of the test."""
    made: list[ApiClient] = []

    def make(app, **kwargs) -> ApiClient:
        client = ApiClient(app, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def app(sqlite_engine):
    return make_app(sqlite_engine)


@pytest.fixture
def client(app, clients):
    return clients(app)


@pytest.fixture
def world(sqlite_engine):
    return build_world(sqlite_engine)
