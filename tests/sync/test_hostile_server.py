"""The phone's sync against a broken or hostile server: each bad answer is a SyncError, nothing bad is applied.

The real app answers everything except the path under attack, where the
answer is replaced: truncated gzip, HTML, wrong shapes, an unknown table, a
cursor that stands still or goes back, a body that inflates to 300 MB, a
slow drip. The unsynced edits stay in the outbox; the cursor and the rows
stay as they were.
"""
from __future__ import annotations

import gzip
import json
import time
import zlib
from typing import Any, Callable

import httpx
import pytest
import zstandard

from mobile.sync import BadAnswer, SyncEngine, SyncError
from tests.sync.device_kit import BASE_URL, Cloud, Phone, device_view

BOMB_BYTES = 300 * 1024 * 1024


def _bomb() -> bytes:
    """A gzip body of 300 MB of spaces (about 300 kB on the wire), made in small steps."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    parts = [squeeze.compress(block) for _ in range(BOMB_BYTES // len(block))]
    return b"".join(parts) + squeeze.flush()


BOMB = _bomb()


def _zstd_bomb() -> bytes:
    """A zstd frame that declares (and makes) 300 MB of spaces, in about 10 kB."""
    squeeze = zstandard.ZstdCompressor(level=3).compressobj(size=BOMB_BYTES)
    block = b" " * (1024 * 1024)
    return b"".join(squeeze.compress(block) for _ in range(BOMB_BYTES // len(block))) + squeeze.flush()


ZSTD_BOMB = _zstd_bomb()


def zs(data: Any) -> bytes:
    return zstandard.ZstdCompressor().compress(json.dumps(data).encode() if not isinstance(data, bytes) else data)


def zs_streamed(data: Any) -> bytes:
    """zstd without the frame's size (a streamed frame): the phone refuses to guess how much it makes."""
    squeeze = zstandard.ZstdCompressor().compressobj()
    return squeeze.compress(json.dumps(data).encode()) + squeeze.flush()


class Hostile(httpx.BaseTransport):
    """The real app, except that ``path``'s answers come from ``answer(real_response)``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.path = ""
        self.answer: Callable[[httpx.Response], httpx.Response] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        real = self.inner.handle_request(request)
        if self.answer is None or request.url.path != self.path:
            return real
        real.read()
        return self.answer(real)


def gz(data: Any) -> bytes:
    return gzip.compress(json.dumps(data).encode() if not isinstance(data, bytes) else data)


def respond(body: bytes, *, encoding: str | None = "gzip", status: int = 200) -> httpx.Response:
    """An answer streamed as a network would give it (httpx reads a ``content=`` answer at once)."""
    headers = {"content-type": "application/json", **({"content-encoding": encoding} if encoding else {})}
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def answer(body: bytes, *, encoding: str | None = "gzip", status: int = 200) -> Callable:
    return lambda _real: respond(body, encoding=encoding, status=status)


def edited(real: httpx.Response, change: Callable[[dict], None]) -> httpx.Response:
    data = json.loads(real.content)  # the in-process transport leaves the gzip to the client
    change(data)
    return respond(gz(data))


def _unknown_table(page: dict) -> None:
    page["rows"].append({"table": "user_account", "id": "x", "version": 1, "fields": {"username": "x"}})


def _cursor_stands_still(page: dict) -> None:
    page["has_more"], page["cursor"] = True, 0


def _wrong_field_type(page: dict) -> None:
    page["rows"][0]["fields"] = {"grid_id": {"nested": [1, 2]}, "name": 7}
    page["rows"][0]["table"] = "resident"


PUSH_ATTACKS = {
    "truncated gzip": answer(gz({"results": []})[:-9]),
    "html instead of json": answer(b"<html><body>502 Bad Gateway</body></html>", encoding=None),
    "wrong shape": answer(gz({"results": "all fine"})),
    "a list": answer(gz([1, 2, 3])),
    "answers for other changes": answer(gz({"results": [{"seq": 999, "status": "applied"}], "last_seq": 999,
                                            "server_stamp": "1700000000000.00000.server"})),
    "decompression bomb": answer(BOMB),
    "garbage compression": answer(b"\x1f\x8b\x08\x00" + b"\xff" * 64),
    "zstd bomb": answer(ZSTD_BOMB, encoding="zstd"),
    "truncated zstd": answer(zs({"results": []})[:-4], encoding="zstd"),
    "zstd without its size": answer(zs_streamed({"results": []}), encoding="zstd"),
    "zstd with data after it": answer(zs({"results": []}) + b"tail", encoding="zstd"),
}
PULL_ATTACKS = {
    "truncated gzip": lambda real: respond(real.content[: len(real.content) // 2]),
    "not json": answer(gz(b"\x00\x01 definitely not json")),
    "wrong shape": answer(gz({"rows": [{"table": "resident"}], "cursor": "next", "has_more": "maybe"})),
    "unknown table": lambda real: edited(real, _unknown_table),
    "cursor stands still": lambda real: edited(real, _cursor_stands_still),
    "cursor goes back": answer(gz({"rows": [], "cursor": -5, "has_more": False,
                                   "server_stamp": "1700000000000.00000.server"})),
    "rows that do not fit": lambda real: edited(real, _wrong_field_type),
    "decompression bomb": answer(BOMB),
    "zstd bomb": answer(ZSTD_BOMB, encoding="zstd"),
    "truncated zstd": lambda real: respond(zs(real.content)[:-4], encoding="zstd"),
}


@pytest.fixture(scope="module")
def world():
    cloud = Cloud(coordinators=1)
    yield cloud
    cloud.close()


@pytest.fixture
def phone(world, tmp_path):
    made = Phone(world, "coord_a1", tmp_path / "phone")
    made.sync()  # a first sync: the phone holds its grid
    yield made
    made.close()


def engine_for(phone: Phone, hostile: Hostile, **kwargs: Any) -> SyncEngine:
    return SyncEngine(phone.store, BASE_URL, phone.login["token"], transport=hostile, sleep=lambda s: None,
                      max_retries=1, **kwargs)


@pytest.mark.parametrize("attack", list(PUSH_ATTACKS))
def test_a_bad_push_answer_is_a_sync_error_and_the_edit_stays_in_the_outbox(world, phone, attack):
    resident = world.world.residents["grid_a1"].id
    phone.store.save("resident", {"notes": f"腿脚不便 {attack}"}, row_id=resident, now=phone.now())
    before = device_view(phone.store)
    hostile = Hostile(world.transport)
    hostile.path, hostile.answer = "/api/v1/sync/push", PUSH_ATTACKS[attack]
    with engine_for(phone, hostile) as engine, pytest.raises(SyncError) as raised:
        engine.sync()
    assert raised.value.code == "sync.bad_answer" and "服务器" in raised.value.message
    assert phone.store.pending_count() == 1 and device_view(phone.store) == before
    assert phone.store.get("resident", resident)["notes"] == f"腿脚不便 {attack}"
    phone.sync()  # the real server afterwards: the edit goes
    assert phone.store.pending_count() == 0


@pytest.mark.parametrize("attack", list(PULL_ATTACKS))
def test_a_bad_pull_page_is_a_sync_error_and_nothing_of_it_is_applied(world, phone, attack):
    cursor, before = phone.store.cursor, device_view(phone.store)
    household = world.world.households["grid_a1"].id
    with world.engine.begin() as conn:  # something new on the server, so the page has a row
        from server.services.change_log import LogEntry, record_changes
        from shared.models import Household

        table = Household.__table__
        conn.execute(table.update().where(table.c.id == household).values(notes=f"新备注 {attack}"))
        record_changes(conn, [LogEntry("household", household, grid_id=world.grid.id)])
    hostile = Hostile(world.transport)
    hostile.path, hostile.answer = "/api/v1/sync/pull", PULL_ATTACKS[attack]
    with engine_for(phone, hostile) as engine, pytest.raises(BadAnswer) as raised:
        engine.sync()
    assert "服务器返回的数据有误" in raised.value.message
    assert phone.store.cursor == cursor and device_view(phone.store) == before
    summary = phone.sync()
    assert summary.pulled >= 1 and phone.store.get("household", household)["notes"] == f"新备注 {attack}"


@pytest.mark.parametrize("attack", ["decompression bomb", "zstd bomb"])
def test_a_bomb_is_refused_at_the_limit_not_after_inflating_it(world, phone, attack):
    """gzip is inflated in bounded steps; a zstd frame is refused by the size it declares, before any is made."""
    hostile = Hostile(world.transport)
    hostile.path, hostile.answer = "/api/v1/sync/pull", PULL_ATTACKS[attack]
    with engine_for(phone, hostile, max_answer_bytes=1024 * 1024) as engine, pytest.raises(BadAnswer) as raised:
        engine.sync()
    assert raised.value.detail == "too large"


def test_a_server_that_drips_its_answer_is_given_up_on(world, phone):
    class Drip(httpx.SyncByteStream):
        def __iter__(self):
            for _ in range(50):
                time.sleep(0.02)
                yield b" "

    hostile = Hostile(world.transport)
    hostile.path = "/api/v1/sync/pull"
    hostile.answer = lambda _real: httpx.Response(200, stream=Drip())
    with engine_for(phone, hostile, answer_deadline_s=0.2) as engine, pytest.raises(BadAnswer) as raised:
        engine.sync()
    assert raised.value.detail == "too slow" and "太慢" in raised.value.message


def test_a_feed_that_never_ends_is_given_up_on(world, phone, monkeypatch):
    from mobile.sync import wire

    monkeypatch.setattr(wire, "MAX_PAGES", 5)
    served = []

    def endless(real: httpx.Response) -> httpx.Response:
        served.append(1)
        return respond(gz({"rows": [], "cursor": 10_000 + len(served), "has_more": True,
                           "server_stamp": "1700000000000.00000.server"}))

    hostile = Hostile(world.transport)
    hostile.path, hostile.answer = "/api/v1/sync/pull", endless
    with engine_for(phone, hostile) as engine, pytest.raises(BadAnswer) as raised:
        engine.sync()
    assert raised.value.detail == "endless feed" and len(served) == 6
