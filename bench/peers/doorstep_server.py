"""Doorstep's server for one bench run: a fresh database, `doorstep db upgrade`, the area tree and its coordinator, `doorstep serve`."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from .procs import Launched, free_port, wait_http
from .workload import AREAS

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
USERNAME = "peers_coordinator"


def postgres_reachable() -> str | None:
    """None when PostgreSQL at 127.0.0.1:5432 takes user postgres without a password, else why not."""
    import psycopg

    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@dataclass
class Database:
    """A fresh server database: a SQLite file in the run's folder, or a PostgreSQL database made (and dropped) here."""

    kind: str  # sqlite | postgresql
    folder: Path
    url: str = ""
    name: str = ""

    def create(self) -> str:
        if self.kind == "sqlite":
            self.url = f"sqlite:///{(self.folder / 'server.sqlite3').resolve()}"
        else:
            self.name = f"doorstep_peers_{os.getpid()}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
            self.url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.name}"
        return self.url

    def drop(self) -> None:
        if self.kind == "postgresql" and self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.name = ""

    def analyze(self) -> None:
        """ANALYZE after a bulk load (this cluster runs with autovacuum off); nothing to do on SQLite."""
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.name, autocommit=True) as conn:
                conn.execute("ANALYZE")

    @staticmethod
    def _admin(*statements: str) -> None:
        import psycopg

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True,
                             connect_timeout=10) as conn:
            for statement in statements:
                conn.execute(statement)


def server_env(url: str, data_dir: Path, root: Path = ROOT) -> dict[str, str]:
    """The environment of the worktree's `doorstep` commands: that checkout (``root``) first on the path, quiet logs."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "DOORSTEP_DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(data_dir),
            "DOORSTEP_LOG_LEVEL": "warning", "PYTHONDONTWRITEBYTECODE": "1"}


def doorstep(*args: str) -> list[str]:
    return [sys.executable, "-m", "doorstep.cli", *args]


def migrate(url: str, data_dir: Path, log: Path) -> None:
    with open(log, "ab") as out:
        code = subprocess.call(doorstep("db", "upgrade", "--url", url), cwd=ROOT, env=server_env(url, data_dir),
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    if code:
        raise RuntimeError(f"doorstep db upgrade failed ({code}); see {log}")


def seed(url: str, data_dir: Path) -> str:
    """The area tree (district > street > community > grid, the workload's ids) and one coordinator of its grid.

    Made with the project's test factories and given change-feed entries the way
    its loaders do, so the phones pull the areas. Returns the password.
    """
    from sqlalchemy import insert

    from server.db import make_engine
    from server.services.change_log import record_changes
    from server.services.sync_rows import row_scope
    from server.settings import get_settings
    from shared.models import Area, UserAccount, UserArea
    from tests.server.factories import PASSWORD, area, user

    tree, parent = [], None
    for level, name in (("district", "武昌区"), ("street", "徐家棚街道"), ("community", "秦园路社区"),
                        ("grid", "秦园路第一网格")):
        node = area(level, name, parent, code=f"PEERS-{level}")
        node.id = AREAS[level]  # before its child is made: the child copies its ancestors' ids
        tree.append(node)
        parent = node
    account, links = user(USERNAME, "coordinator", [tree[-1]], display_name="网格员")
    engine = make_engine(url, settings=get_settings(database_url=url, data_dir=data_dir))
    try:
        with engine.begin() as conn:
            rows = [node.model_dump() for node in tree]
            conn.execute(insert(Area.__table__), rows)
            record_changes(conn, [row_scope("area", row) for row in rows])
            conn.execute(insert(UserAccount.__table__), [account.model_dump()])
            conn.execute(insert(UserArea.__table__), [link.model_dump() for link in links])
    finally:
        engine.dispose()
    return PASSWORD


class DoorstepServer:
    """`doorstep serve` (uvicorn, one process) on a free loopback port, on the run's database."""

    def __init__(self, url: str, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = Launched("doorstep serve", doorstep("serve", "--host", "127.0.0.1", "--port", str(self.port),
                                                           "--url", url, "--no-upgrade"),
                                log, cwd=ROOT, env=server_env(url, data_dir))
        try:
            wait_http(self.base_url + "/api/v1/auth/me", self.process)
        except BaseException:
            self.process.stop()
            raise

    def login(self, password: str, device_name: str) -> dict:
        answer = httpx.post(self.base_url + "/api/v1/auth/login", timeout=60,
                            json={"username": USERNAME, "password": password, "device_name": device_name})
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        self.process.stop()
