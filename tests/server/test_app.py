"""The app factory: nothing happens at import, routers are found, settings come from the environment, serve runs."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlmodel import select

from server.app import create_app
from server.deps import CurrentUser, ScopeDep, SessionDep
from server.routes import discover_routers
from server.settings import get_settings
from shared.models import Area
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_app_touches_no_database_or_folder(tmp_path):
    env = os.environ | {"DOORSTEP_DATA_DIR": str(tmp_path / "data")}
    code = "import server.app, server.deps, server.routes.auth, server.cli, server.commands.serve"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path, capture_output=True)
    assert list(tmp_path.iterdir()) == []


def test_building_the_app_does_not_connect(clients):
    # nothing listens on port 1: the app must still build and serve its documentation
    settings = get_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = clients(create_app(settings))
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/auth/login", "/api/v1/admin/users", "/api/v1/households/{household_id}"} <= set(paths)


def test_every_routes_module_with_a_router_is_served():
    modules = {found.module for found in discover_routers()}
    assert {"server.routes.auth", "server.routes.admin", "server.routes.records"} <= modules
    app = create_app(get_settings(database_url="sqlite://"))
    served = set(app.openapi()["paths"])
    for found in discover_routers():
        for route in found.router.routes:
            if not route.include_in_schema:  # a page outside the API (the employer's check page)
                continue
            assert found.prefix + found.router.prefix + route.path.removeprefix(found.router.prefix) in served


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOORSTEP_MAX_BODY_BYTES", "1234")
    settings = get_settings()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'doorstep.sqlite3'}"
    assert settings.max_body_bytes == 1234
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert get_settings().database_url == "postgresql+psycopg://u@h/db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_doorstep_serve_starts_on_a_fresh_sqlite_file_and_answers_docs(tmp_path):
    port = _free_port()
    env = os.environ | {"DOORSTEP_DATA_DIR": str(tmp_path / "data")}
    env.pop("DOORSTEP_DATABASE_URL", None)
    doorstep = [sys.executable, "-c", "import sys; from doorstep.cli import main; sys.exit(main())"]
    subprocess.run(doorstep + ["db", "upgrade"], check=True, env=env, cwd=tmp_path, capture_output=True)
    server = subprocess.Popen(doorstep + ["serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "doorstep serve exited"
                assert time.monotonic() < deadline, "doorstep serve did not answer"
                time.sleep(0.1)
        assert docs.status_code == 200
        login = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login", json={"username": "x", "password": "y"})
        assert login.status_code == 401 and login.json()["code"] == "auth.invalid_credentials"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_route_may_use_the_orm_session_after_the_caller_is_known(sqlite_engine, clients):
    build_world(sqlite_engine)
    app = make_app(sqlite_engine)

    def add_grid(caller: CurrentUser, scope: ScopeDep, session: SessionDep) -> dict:
        grid = Area(level="grid", name=f"{caller.username}的网格")
        session.add(grid)
        session.commit()
        return {"id": grid.id, "districts": len(scope.district_ids)}

    app.add_api_route("/api/v1/test-grid", add_grid, methods=["POST"])
    client = clients(app)
    client.login("admin", PASSWORD)
    answer = client.post("/api/v1/test-grid")
    assert answer.status_code == 200 and answer.json()["districts"] == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(Area.name).where(Area.id == answer.json()["id"])).scalar() == "admin的网格"
