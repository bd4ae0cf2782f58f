"""The served app builds its routing before the first request (``server.warm_up``): the first push builds nothing."""
from __future__ import annotations

import fastapi.routing

import server.app
from server.warm_up import warm_up
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world


def _routes_built_by_a_login(monkeypatch, app, clients, sqlite_engine) -> int:
    """How many route contexts FastAPI builds while the app answers its first login (FastAPI's own lazy step)."""
    build_world(sqlite_engine)
    built = []
    original = fastapi.routing._IncludedRouter._build_effective_context

    def counting(router, route):
        built.append(route)
        return original(router, route)

    monkeypatch.setattr(fastapi.routing._IncludedRouter, "_build_effective_context", counting)
    answer = clients(app).post("/api/v1/auth/login", json={"username": "coord_a1", "password": PASSWORD,
                                                           "device_name": "phone"})
    assert answer.status_code == 200, answer.text
    return len(built)


def test_without_the_warm_up_the_first_request_builds_the_routes(monkeypatch, clients, sqlite_engine):
    assert _routes_built_by_a_login(monkeypatch, make_app(sqlite_engine), clients, sqlite_engine) > 0


def test_after_the_warm_up_the_first_request_builds_nothing(monkeypatch, clients, sqlite_engine):
    app = make_app(sqlite_engine)
    assert warm_up(app) == 404  # the probe matches no route (and so walks every one)
    assert _routes_built_by_a_login(monkeypatch, app, clients, sqlite_engine) == 0


def test_the_served_app_is_warmed_up(monkeypatch, clients, sqlite_engine):
    app = make_app(sqlite_engine)
    monkeypatch.setattr(server.app, "create_app", lambda: app)
    monkeypatch.setattr(server.app, "tune_collector", lambda: None)  # process-wide: tests/shared/test_collector.py
    assert server.app.served_app() is app
    assert _routes_built_by_a_login(monkeypatch, app, clients, sqlite_engine) == 0
