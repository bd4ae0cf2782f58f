"""Bad input gets a 4xx in the one error shape, never a 500, never echoes what was sent, and stores nothing."""
from __future__ import annotations

import gzip
import json

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.models import UserAccount
from tests.conftest import hypothesis_examples
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

USERS = "/api/v1/admin/users"
LOGIN = "/api/v1/auth/login"
SECRET = "110101199003071234"  # an ID number: must never come back in an error


def _user_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(UserAccount.__table__)).scalar_one()


def _new_user(**change) -> dict:
    return {"username": "new_user", "display_name": "新用户", "password": "a-long-password", "role": "admin"} | change


def _is_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and body["message"]


@pytest.fixture
def admin(sqlite_engine, clients):
    build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine, max_body_bytes=4096))
    client.login("admin", PASSWORD)
    return client


def test_malformed_json_is_400(admin, sqlite_engine):
    response = admin.post(USERS, content=b'{"username": "x",', headers={"content-type": "application/json"})
    _is_error(response, 400, "request.invalid_json")
    _is_error(admin.post(USERS, content=b'{"a": "\xff\xfe"}', headers={"content-type": "application/json"}),
              400, "request.invalid_json")
    assert _user_count(sqlite_engine) == 5


def test_unknown_field_is_422_naming_the_field_without_its_value(admin, sqlite_engine):
    response = admin.post(USERS, json=_new_user(id_number=SECRET))
    _is_error(response, 422, "request.invalid")
    assert response.json()["details"] == [
        {"loc": "body.id_number", "type": "extra_forbidden", "msg": "Extra inputs are not permitted"}]
    assert SECRET not in response.text
    assert _user_count(sqlite_engine) == 5


def test_an_unknown_key_that_is_not_a_field_name_is_not_echoed(admin, sqlite_engine):
    """An unknown key may be a value (a person's name, an ID number): its place shows as ``?``."""
    for key in ("王芳", SECRET, "13800138000"):
        response = admin.post(USERS, json={**_new_user(), key: None})
        _is_error(response, 422, "request.invalid")
        assert response.json()["details"] == [
            {"loc": "body.?", "type": "extra_forbidden", "msg": "Extra inputs are not permitted"}]
        assert key not in response.text
    assert _user_count(sqlite_engine) == 5


def test_wrong_types_are_422(admin, sqlite_engine):
    response = admin.post(USERS, json=_new_user(display_name=12, area_ids="not a list", password=SECRET + "!" * 300))
    _is_error(response, 422, "request.invalid")
    assert {d["loc"] for d in response.json()["details"]} == {"body.display_name", "body.area_ids", "body.password"}
    assert SECRET not in response.text
    _is_error(admin.post(USERS, content=b"[1, 2]", headers={"content-type": "application/json"}),
              422, "request.invalid")


@pytest.mark.parametrize("raw", [
    b'{"username": "new_user", "display_name": "\\u0000", "password": "a-long-password", "role": "admin"}',
    b'{"username": "new_user", "display_name": "a\\u001Fb", "password": "a-long-password", "role": "admin"}',
    b'{"username": "new_user", "display_name": "a\x00b", "password": "a-long-password", "role": "admin"}',
    b'{"username": "new_user", "display_name": "ok", "password": "a-long-\\u0007password", "role": "admin"}',
    b'{"username": "new_user", "display_name": "ok", "password": "a-long-password", "role": "admin", "\\u0000": 1}',
])
def test_control_characters_are_refused_and_nothing_is_stored_on_either_database(any_engine, clients, raw):
    build_world(any_engine)
    client = clients(make_app(any_engine))
    client.login("admin", PASSWORD)
    response = client.post(USERS, content=raw, headers={"content-type": "application/json"})
    _is_error(response, 400, "request.control_character")
    assert _user_count(any_engine) == 5


@pytest.mark.parametrize("url", [
    "/api/v1/households/ab%00c", "/api/v1/households?grid_id=a%00b", "/api/v1/admin/devices?user_id=%01",
    "/api/v1/residents/%ff%fe", "/api/v1/admin/devices?user_id=%c3",
    "/api/v1/households?grid_id=x&offset=99999999999999999999999",
])
def test_bad_addresses_are_4xx_on_either_database(any_engine, clients, url):
    build_world(any_engine)
    client = clients(make_app(any_engine))
    client.login("admin", PASSWORD)
    response = client.get(url)
    assert response.status_code in (400, 422) and set(response.json()) == {"code", "message", "details"}


def test_a_body_in_another_encoding_than_gzip_is_415(admin):
    for encoding in ("deflate", "br", "gzip, gzip"):
        response = admin.post(USERS, content=b"\x1f\x8b...", headers={"content-type": "application/json",
                                                                    "content-encoding": encoding})
        _is_error(response, 415, "request.unsupported_media_type")
    form = admin.post(USERS, content=gzip.compress(b"a=b"), headers={
        "content-type": "application/x-www-form-urlencoded", "content-encoding": "gzip"})
    _is_error(form, 415, "request.unsupported_media_type")


def _zstd(data: bytes, *, sized: bool = True) -> bytes:
    if sized:
        return zstandard.ZstdCompressor().compress(data)
    squeeze = zstandard.ZstdCompressor().compressobj()  # a streamed frame: no size in its header
    return squeeze.compress(data) + squeeze.flush()


def _damaged(encoding: str) -> list[bytes]:
    raw = json.dumps({"username": "zipped"}).encode()
    if encoding == "gzip":
        body = gzip.compress(raw)
        return [b"\x1f\x8b...", body[:-6], body + b"tail", body[:12] + b"\xff" * 8 + body[20:]]
    body = _zstd(raw)  # also a frame that does not declare its size
    return [b"\x28\xb5\x2f\xfd...", body[:-3], body + b"tail", _zstd(raw, sized=False), body[:6] + b"\xff" * 6]


@pytest.mark.parametrize("encoding", ["gzip", "zstd"])
def test_a_damaged_or_truncated_compressed_body_is_400_and_stores_nothing(admin, sqlite_engine, encoding):
    for damaged in _damaged(encoding):
        response = admin.post(USERS, content=damaged, headers={"content-type": "application/json",
                                                               "content-encoding": encoding})
        _is_error(response, 400, "request.bad_request")
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(UserAccount).where(
            UserAccount.username == "zipped")).scalar() == 0


def test_a_gzip_bomb_is_refused_before_it_is_inflated_whole(admin):
    bomb = gzip.compress(b'{"username": "' + b"a" * (64 * 1024 * 1024) + b'"}')
    assert len(bomb) < 2 * 1024 * 1024  # under the body limit as sent
    response = admin.post(USERS, content=bomb, headers={"content-type": "application/json",
                                                        "content-encoding": "gzip"})
    _is_error(response, 413, "request.too_large")


def test_a_gzip_json_body_is_read_as_its_json_and_checked_as_it(admin):
    raw = b'{"username": "a\\u0001b", "display_name": "x", "password": "a-long-password", "role": "admin"}'
    response = admin.post(USERS, content=gzip.compress(raw), headers={"content-type": "application/json",
                                                                      "content-encoding": "gzip"})
    _is_error(response, 400, "request.control_character")  # the guard sees the inflated text


def test_escaped_backslashes_and_allowed_whitespace_are_not_control_characters(admin, sqlite_engine):
    # "\\u0000" is a backslash followed by the text u0000; tab, newline and return are allowed in text
    district = admin.get("/api/v1/auth/me").json()["areas"][0]["id"]  # an admin gives an admin an area of theirs
    raw = (b'{"username": "new_user", "display_name": "a\\\\u0000\\t\\n\\r", "password": "a-long-password", '
           b'"role": "admin", "area_ids": ["' + district.encode() + b'"]}')
    response = admin.post(USERS, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["display_name"] == "a\\u0000"  # surrounding whitespace is trimmed


def test_an_oversized_body_is_413_before_it_is_read(admin, sqlite_engine):
    body = json.dumps(_new_user(display_name="x" * 5000)).encode()
    response = admin.post(USERS, content=body, headers={"content-type": "application/json"})
    _is_error(response, 413, "request.too_large")
    assert _user_count(sqlite_engine) == 5


def test_an_oversized_chunked_body_is_refused_as_soon_as_it_passes_the_limit(admin, sqlite_engine):
    sent = []

    async def chunks():
        yield b'{"username": "new_user", "display_name": "'
        for _ in range(100):  # 100 KiB in all, against a 4 KiB limit
            sent.append(1024)
            yield b"x" * 1024
        yield b'", "password": "a-long-password", "role": "admin"}'

    response = admin.post(USERS, content=chunks(), headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    _is_error(response, 413, "request.too_large")
    assert sum(sent) <= 4096 + 1024  # reading stopped at the chunk that crossed the limit
    assert _user_count(sqlite_engine) == 5


def test_a_body_that_is_not_json_is_415(admin, sqlite_engine):
    response = admin.post(USERS, content=b"username=new_user", headers={"content-type": "text/plain"})
    _is_error(response, 415, "request.unsupported_media_type")
    response = admin.post(USERS, content=b'{"username": "x"}', headers={"content-type": ""})
    _is_error(response, 415, "request.unsupported_media_type")


def test_unknown_paths_and_methods_use_the_shape(admin):
    _is_error(admin.get("/api/v1/nothing-here"), 404, "not_found")
    _is_error(admin.request("DELETE", LOGIN), 405, "request.method_not_allowed")


def test_a_bug_is_500_internal_without_details(sqlite_engine, clients):
    app = make_app(sqlite_engine)

    def broken() -> None:
        raise RuntimeError(f"failed for {SECRET}")

    app.add_api_route("/api/v1/broken", broken)
    client = clients(app, raise_app_exceptions=False)
    response = client.get("/api/v1/broken")
    _is_error(response, 500, "internal")
    assert SECRET not in response.text


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_field_names = st.sampled_from(["username", "display_name", "password", "role", "area_ids", "device_name"])
_bodies = st.one_of(
    st.binary(max_size=300),
    _json.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(_field_names, _json, max_size=6).map(lambda v: json.dumps(v).encode()),
)


def test_no_request_body_makes_a_500(admin, sqlite_engine):
    @settings(max_examples=hypothesis_examples(), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(path=st.sampled_from([USERS, LOGIN]), body=_bodies,
           media_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
    def check(path, body, media_type):
        response = admin.post(path, content=body, headers={"content-type": media_type})
        assert 400 <= response.status_code < 500, response.text
        assert set(response.json()) == {"code", "message", "details"}

    check()
    assert _user_count(sqlite_engine) == 5


def test_a_zstd_json_body_is_read_as_its_json_and_checked_as_it(admin):
    raw = b'{"username": "a\\u0001b", "display_name": "x", "password": "a-long-password", "role": "admin"}'
    response = admin.post(USERS, content=_zstd(raw), headers={"content-type": "application/json",
                                                              "content-encoding": "zstd"})
    _is_error(response, 400, "request.control_character")
    account = json.dumps({"username": "zstd_user", "display_name": "压缩", "password": "a-long-password",
                          "role": "coordinator"}, ensure_ascii=False).encode()
    packed = admin.post(USERS, content=_zstd(account), headers={"content-type": "application/json",
                                                                "content-encoding": "zstd"})
    plain = admin.post(USERS, content=account, headers={"content-type": "application/json"})
    assert packed.status_code == plain.status_code and packed.json()["code"] == plain.json()["code"]  # same route
    assert packed.json()["code"] != "request.invalid_json"


def test_a_zstd_bomb_is_refused_by_the_size_its_frame_declares(admin):
    squeeze = zstandard.ZstdCompressor().compressobj(size=64 * 1024 * 1024 + len(b'{"username": "') + 2)
    bomb = squeeze.compress(b'{"username": "') + b"".join(
        squeeze.compress(b"a" * (1024 * 1024)) for _ in range(64)) + squeeze.compress(b'"}') + squeeze.flush()
    assert len(bomb) < 64 * 1024
    response = admin.post(USERS, content=bomb, headers={"content-type": "application/json",
                                                        "content-encoding": "zstd"})
    _is_error(response, 413, "request.too_large")
