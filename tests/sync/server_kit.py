"""Helpers for server-side sync tests: a world whose rows are in the change feed, and a scripted phone.

``TestPhone`` speaks the wire protocol directly (no local database): it keeps
a clock, a sequence number and the rows it pulled, so a test can write
exactly the change it means. The device engine's own tests use the real one.
"""
from __future__ import annotations

import gzip
import json
import time
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from server.services.change_log import LogEntry, record_changes
from server.services.sync_rows import row_scope
from shared import sync_protocol as proto
from shared.hlc import HybridClock
from shared.models import MODEL_BY_TABLE, new_id
from shared.sync_schema import SYNC_SPECS
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

DUMP_TABLES = (*SYNC_SPECS, "change_log", "sync_state")


def feed_world(engine: Engine):
    """``build_world`` plus a change-feed entry for every synced row it made (as a bulk load does)."""
    world = build_world(engine)
    with engine.begin() as conn:
        entries: list[LogEntry] = []
        for table_name in SYNC_SPECS:
            table = MODEL_BY_TABLE[table_name].__table__
            entries += [row_scope(table_name, dict(r)) for r in conn.execute(select(table)).mappings()]
        record_changes(conn, entries)
    return world


@contextmanager
def served(engine: Engine) -> Iterator[tuple[Engine, Any, ApiClient]]:
    """The fed world on ``engine`` and an in-process client of the real app: (engine, world, client)."""
    world = feed_world(engine)
    client = ApiClient(make_app(engine))
    try:
        yield engine, world, client
    finally:
        client.close()


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every synced table, the feed and the counter, sorted: to compare database states."""
    out = {}
    with engine.connect() as conn:
        for name in DUMP_TABLES:
            table = MODEL_BY_TABLE[name].__table__
            out[name] = sorted(tuple(json.dumps(v, sort_keys=True, default=str) for v in row)
                               for row in conn.execute(select(table)))
    return out


def now_ms() -> int:
    return int(time.time() * 1000)


class TestPhone:
    """A scripted device: signs in, stamps edits with its own hybrid clock, pushes and pulls."""

    __test__ = False  # not a pytest class

    def __init__(self, client: ApiClient, username: str, clock_offset_ms: int = 0) -> None:
        self.client = client
        response = client.post("/api/v1/auth/login",
                               json={"username": username, "password": PASSWORD, "device_name": username})
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        self.device_id = response.json()["device_id"]
        self.wire_answer: dict[str, Any] = {}  # the latest push answer as it came
        self.clock = HybridClock(self.device_id)
        self.offset = clock_offset_ms
        self.seq = 0
        self.cursor = 0
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    def stamp(self) -> str:
        return self.clock.tick(now_ms() + self.offset)

    def edit(self, table: str, row_id: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """A change writing ``fields``: one fresh stamp per clock key, base = what this phone saw."""
        spec = SYNC_SPECS.get(table, SYNC_SPECS["area"])  # an unknown table: stamp fields as they are
        stamp = self.stamp()
        seen = self.rows.get((table, row_id), {"fields": {}, "stamps": {}})
        keys = {spec.clock_key(f) for f in fields}
        self.seq += 1
        change = {"seq": self.seq, "table": table, "row_id": row_id, "fields": fields,
                  "stamps": {k: stamp for k in keys},
                  "base": {k: seen["stamps"].get(k) for k in keys},
                  "base_values": {f: seen["fields"].get(f) for k in keys for f in spec.members(k)}}
        change.update(extra)
        return change

    def create(self, table: str, fields: dict[str, Any], row_id: str | None = None) -> dict[str, Any]:
        change = self.edit(table, row_id or new_id(), fields)
        change["base"], change["base_values"] = {}, {}
        return change

    def delete(self, table: str, row_id: str) -> dict[str, Any]:
        self.seq += 1
        return {"seq": self.seq, "table": table, "row_id": row_id, "op": "delete", "delete_stamp": self.stamp()}

    def push(self, changes: list[dict[str, Any]], expect: int = 200):
        response = self.client.post("/api/v1/sync/push", token=self.token,
                                    json={"device_id": self.device_id, "changes": changes})
        assert response.status_code == expect, response.text
        if expect == 200:
            self.wire_answer = response.json()  # as sent: results leave out their default fields
            self.clock.observe(self.wire_answer["server_stamp"])
            return proto.PushResponse.model_validate(self.wire_answer).model_dump(mode="json")  # as a phone reads it
        return response

    def pull(self, limit: int = 500) -> list[dict[str, Any]]:
        """Pull every page from the cursor; remembers the rows; returns the rows of this sync."""
        got = []
        while True:
            response = self.client.get(f"/api/v1/sync/pull?cursor={self.cursor}&limit={limit}", token=self.token,
                                       headers={"accept-encoding": "gzip"})
            assert response.status_code == 200, response.text
            page = response.json()
            for row in page["rows"]:
                self.rows[(row["table"], row["id"])] = row
                for stamp in row["stamps"].values():
                    self.clock.observe(stamp)
            got += page["rows"]
            assert page["cursor"] >= self.cursor
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return got


def gunzip_json(body: bytes) -> Any:
    return json.loads(gzip.decompress(body))
