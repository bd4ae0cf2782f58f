"""Fault tests' harness: a real `doorstep serve`, a TCP proxy that cuts answers, signed-in phones, the checks.

- ``ServeProcess``: `doorstep serve` on a database URL, killable with SIGKILL
  and started again on the same port.
- ``CuttingProxy``: forwards HTTP/1.1 on loopback; told to, it reads the
  server's whole answer to the next matching request and passes on only its
  first k bytes, then closes the connection (the phone sees a cut answer after
  the server committed).
- ``FieldPhone``: a coordinator's phone (real ``DeviceStore`` in a folder with
  a file key store, so another process can open it; real ``SyncEngine``).
- ``check_phone``: the invariants after a fault and a retry: nothing lost,
  nothing applied twice, the phone's file intact, its rows equal the server's.
"""
from __future__ import annotations

import socket
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine

from mobile.store import DeviceStore
from mobile.store.keystore import FileKeyStore
from mobile.sync import SyncEngine
from server.services.change_log import record_changes
from server.services.sync_rows import row_scope
from shared.models import MODEL_BY_TABLE, SyncState, Visit
from shared.sync_schema import SYNC_SPECS
from tests.browser.processes import doorstep, free_port, stop, wait_for_port
from tests.server.factories import PASSWORD, build_world, household, resident

PIN = "246810"
SEED_STAMP = "1700000000000.00000.seed"


# --- the server ---------------------------------------------------------------------------------------------

def seed_world(url: str, households: int = 6) -> dict[str, Any]:
    """The test world plus ``households`` homes of two people in grid a1, each in the change feed."""
    engine = create_engine(url)
    world = build_world(engine)
    grid = world.areas["grid_a1"]
    homes, people = [], []
    for i in range(households):
        home = household(grid, address=f"故障路{i}号")
        homes.append(home)
        people += [resident(home, name=f"居民{i}甲", id_number=None), resident(home, name=f"居民{i}乙", id_number=None)]
    with engine.begin() as conn:
        for table, rows in (("household", homes), ("resident", people)):
            dumped = [dict(r.model_dump(), stamps={"notes": SEED_STAMP}) for r in rows]
            conn.execute(insert(MODEL_BY_TABLE[table].__table__), dumped)
        record_changes(conn, [row_scope(t, dict(r)) for t in SYNC_SPECS
                              for r in conn.execute(select(MODEL_BY_TABLE[t].__table__)).mappings()])
    engine.dispose()
    return {"grid": grid, "user": world.users["coord_a1"]}


@dataclass
class ServeProcess:
    url: str
    log: Path
    port: int = field(default_factory=free_port)
    process: Any = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServeProcess":
        self.process = doorstep("serve", "--host", "127.0.0.1", "--port", str(self.port), "--url", self.url,
                                log=self.log)
        wait_for_port(self.port, self.process, self.log, "doorstep serve")
        return self

    def kill(self) -> None:
        """SIGKILL, no goodbye: the open transaction dies with the process."""
        import os
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class CuttingProxy:
    """A loopback HTTP/1.1 proxy to ``upstream_port`` that can cut the answer to a chosen request."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts: list[tuple[str, str]] = []  # (path fragment, "0" | "1" | "half" | "all_but_one")
        self.done: list[tuple[str, int, int]] = []  # (path, bytes passed on, answer size) of each cut
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_next(self, path_part: str, keep: str) -> None:
        with self._lock:
            self.cuts.append((path_part, keep))

    def close(self) -> None:
        self._closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        try:
            reader, up_reader = client.makefile("rb"), upstream.makefile("rb")
            while True:
                request = _read_message(reader, is_request=True)
                if request is None:
                    return
                path = request.split(b" ", 2)[1].decode()
                upstream.sendall(request)
                answer = _read_message(up_reader, is_request=False)
                if answer is None:
                    return
                cut = self._take_cut(path)
                if cut is None:
                    client.sendall(answer)
                    continue
                keep = {"0": 0, "1": 1, "half": len(answer) // 2, "all_but_one": len(answer) - 1}[cut]
                client.sendall(answer[:keep])
                self.done.append((path, keep, len(answer)))
                return  # the connection drops mid-answer
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def _take_cut(self, path: str) -> str | None:
        with self._lock:
            for index, (part, keep) in enumerate(self.cuts):
                if part in path:
                    del self.cuts[index]
                    return keep
        return None


def _read_message(stream, *, is_request: bool) -> bytes | None:
    """One whole HTTP/1.1 message (head and body: Content-Length or chunked), or None at the end of the stream."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        if not line:
            return None
        head += line
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size_line = stream.readline()
            body += size_line
            size = int(size_line.split(b";")[0], 16)
            body += stream.read(size + 2)
            if size == 0:
                break
    elif b"content-length" in headers:
        body = stream.read(int(headers[b"content-length"]))
    elif not is_request and not head.split(b" ", 2)[1].startswith((b"1", b"204", b"304")):
        body = stream.read()  # until the server closes
    return head + body


# --- the phone ----------------------------------------------------------------------------------------------

class FieldPhone:
    """coord_a1's phone: a store in ``folder`` (file key store beside it), signed in through the real login."""

    def __init__(self, folder: Path, server: str, login: dict[str, Any] | None = None) -> None:
        self.folder = folder
        self.server = server
        self.store = DeviceStore.open(folder / "data", FileKeyStore(folder / "keys.json"), scrypt_n=2**10)
        if login is None:
            answer = httpx.post(f"{server}/api/v1/auth/login", timeout=30,
                                json={"username": "coord_a1", "password": PASSWORD, "device_name": "故障测试"})
            answer.raise_for_status()
            login = answer.json()
            self.store.provision(PIN)
            for key in ("device_id", "user", "token"):
                self.store.set_meta(key, login[key])
            self.store.set_meta("server_url", server)
        else:
            self.store.unlock(PIN)
        self.login = login

    @classmethod
    def reopen(cls, folder: Path, server: str, login: dict[str, Any]) -> "FieldPhone":
        return cls(folder, server, login)

    def sync(self, via: str | None = None, retries: int = 3):
        engine = SyncEngine(self.store, via or self.server, self.login["token"], sleep=lambda _s: None,
                            max_retries=retries, timeout=30)
        with engine:
            return engine.sync()

    def day_of_work(self, visits: int = 5, edits: int = 5, tag: str = "") -> list[str]:
        """Visits to the first households and notes on the first residents (distinct rows); the visit ids."""
        now = datetime.now(timezone.utc)
        homes = sorted(self.store.rows("household"), key=lambda r: r["id"])
        people = sorted(self.store.rows("resident"), key=lambda r: r["id"])
        made = []
        for i in range(visits):
            home = homes[i % len(homes)]
            made.append(self.store.append("visit", {
                "household_id": home["id"], "grid_id": home["grid_id"], "coordinator_id": self.login["user"]["id"],
                "visited_at": now, "outcome": "met", "services": ["policy_consultation"]}, now=now))
        for i in range(edits):
            self.store.save("resident", {"notes": f"走访记录{tag}{i}"}, row_id=people[i % len(people)]["id"], now=now)
        return made

    def close(self) -> None:
        self.store.close()


# --- the checks ---------------------------------------------------------------------------------------------

def last_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(SyncState.__table__.c.last_version)).scalar() or 0


def visit_count(engine: Engine, ids: list[str]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Visit.__table__)
                            .where(Visit.__table__.c.id.in_(ids))).scalar_one()


def integrity(store: DeviceStore) -> str:
    with sqlite3.connect(store.path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def phone_matches_server(store: DeviceStore, engine: Engine, tables=("household", "resident", "visit")) -> list[str]:
    """Rows of the phone whose version or notes differ from the server's (empty when they agree)."""
    problems = []
    with engine.connect() as conn:
        for table in tables:
            t = MODEL_BY_TABLE[table].__table__
            server = {r.id: (r.version, r.notes) for r in conn.execute(select(t.c.id, t.c.version, t.c.notes))}
            for row in store.all_rows(table):
                if server.get(row["id"]) != (row["version"], row["notes"]):
                    problems.append(f"{table} {row['id']}: phone {(row['version'], row['notes'])} "
                                    f"server {server.get(row['id'])}")
    return problems


def today() -> date:
    return datetime.now(timezone.utc).date()
