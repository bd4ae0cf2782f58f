"""What fuzzing the API found, pinned down: each of these was a 500, a wrong answer or a leak before."""
from __future__ import annotations

import json
import threading
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.pool import QueuePool

from server.db import make_engine
from server.openapi import NO_CONTROL
from shared.models import Device, Resident, SQLModel, server_tables
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world
from tests.sync.server_kit import TestPhone, dump, feed_world

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code and body["message"]
    return body


@pytest.fixture
def served(any_engine, clients):
    world = feed_world(any_engine)
    client = clients(make_app(any_engine))
    return any_engine, world, client


def test_a_pull_cursor_beyond_the_version_column_is_422_not_a_database_error(served):
    engine, _world, client = served
    phone = TestPhone(client, "coord_a1")
    for cursor in (2**31, 2**63, 10**40):
        _error(client.get(PULL, params={"cursor": cursor}, token=phone.token), 422, "request.invalid")
    assert client.get(PULL, params={"cursor": 2**31 - 1}, token=phone.token).status_code == 200


def test_a_seq_beyond_the_device_column_refuses_the_push_whole(served):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    good = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "走访过"})
    huge = {**phone.edit("resident", world.residents["grid_a1"].id, {"notes": "再次走访"}), "seq": 2**31}
    before = dump(engine)
    response = client.post(PUSH, token=phone.token, json={"device_id": phone.device_id, "changes": [good, huge]})
    [detail] = _error(response, 422, "request.invalid")["details"]
    assert (detail["loc"], detail["type"]) == ("body.changes.1.seq", "less_than_equal")
    assert str(2**31 - 1) in detail["msg"]
    assert dump(engine) == before
    assert phone.push([good])["results"][0]["status"] == "applied"


@pytest.mark.parametrize(("field", "value"), [
    ("consent_given_at", "0001-01-01T00:00:00+14:00"),  # before year 1 in UTC: was an OverflowError
    ("consent_given_at", "9999-12-31T23:59:59-14:00"),  # after year 9999 in UTC
    ("birth_date", "1899-12-31"),
    ("unemployment_registered_on", "9999-12-31"),  # later a deadline past year 9999 in the coverage report
])
def test_dates_out_of_range_are_rejected_per_change(served, field, value):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    spec_groups = {"consent_given_at": {"consent_scope": "就业服务"},
                   "unemployment_registered_on": {"unemployment_registered": True}}
    fields = {field: value, **spec_groups.get(field, {})}
    bad = phone.edit("resident", world.residents["grid_a1"].id, fields)
    good = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "走访过"})
    results = phone.push([bad, good])["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "sync.invalid_value"), ("applied", None)]
    assert field in results[0]["message"] and value not in results[0]["message"]


def test_a_stamp_in_other_digits_cannot_win_for_ever(served):
    """'١٧٦٤...' parses as a number but sorts after every ASCII stamp: it would beat all later edits."""
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    change = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "甲"})
    digits = change["stamps"]["notes"].split(".", 1)[0]
    arabic = "".join(chr(0x0660 + int(d)) for d in digits)
    change["stamps"]["notes"] = arabic + change["stamps"]["notes"][13:]
    [result] = phone.push([change])["results"]
    assert (result["status"], result["code"]) == ("rejected", "sync.invalid_value")


def test_an_unknown_field_named_like_personal_data_is_not_echoed(served):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    change = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "x"})
    change["fields"] |= {"110101199003071234": "x", "王芳": 1, "nickname": 2}
    [result] = phone.push([change])["results"]
    assert result["code"] == "sync.invalid_value"
    assert result["message"] == "Some fields do not sync: nickname, 2 other name(s)"


@pytest.mark.parametrize("raw", [
    b'{"device_id": "x", "changes": [], "protocol": NaN}', b'{"rate": Infinity}', b'[-Infinity]', b'{"a": 1e999}',
    b'{"a": -1e400}',
])
def test_nan_infinity_and_overflowing_numbers_are_not_json(served, raw):
    engine, _world, client = served
    phone = TestPhone(client, "coord_a1")
    before = dump(engine)
    for path in (PUSH, "/api/v1/spot-checks", "/api/v1/auth/login"):
        response = client.post(path, content=raw, token=phone.token, headers={"content-type": "application/json"})
        _error(response, 400, "request.invalid_json")
    assert dump(engine) == before


def test_nan_as_text_is_just_text(served):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    change = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "NaN Infinity 1e999"})
    assert phone.push([change])["results"][0]["status"] == "applied"


def test_deep_nesting_is_a_400(served):
    engine, _world, client = served
    phone = TestPhone(client, "coord_a1")
    deep = b'{"device_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post(PUSH, content=deep, token=phone.token, headers={"content-type": "application/json"})
    assert response.status_code == 400 and set(response.json()) == {"code", "message", "details"}


def test_the_report_of_a_span_of_days_downloads_with_an_ascii_file_name(served):
    """The label of a span has a dash (—): it was put raw into a Latin-1 header, a 500."""
    engine, world, client = served
    client.login("manager_a", PASSWORD)
    response = client.get("/api/v1/reports/monthly", params={"area_id": world.areas["street_a"].id,
                                                             "start": "2026-11-03", "end": "2026-11-20"})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert 'filename="report-2026-11-03_2026-11-20.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]).startswith("统计报表-2026-11-03—2026-11-20")
    month = client.get("/api/v1/reports/monthly", params={"area_id": world.areas["street_a"].id, "month": "2026-11"})
    assert 'filename="report-2026-11.xlsx"' in month.headers["content-disposition"]


@pytest.fixture
def manager(sqlite_engine, clients):
    """Street A's manager on SQLite (periods are checked before any query)."""
    world = build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine))
    client.login("manager_a", PASSWORD)
    return client, world.areas["street_a"].id


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "２０２６-１１"])
def test_impossible_months_are_refused_by_the_pattern(manager, month):
    client, street = manager
    _error(client.get("/api/v1/coverage", params={"area_id": street, "month": month}), 422, "request.invalid")


@pytest.mark.parametrize("params", [
    {"month": "9999-12"}, {"month": "0001-01"}, {"month": "1989-12"}, {"month": "2100-01"},
    {"start": "0001-01-01", "end": "0001-01-31"}, {"start": "2026-01-01", "end": "9999-12-31"},
    {"start": "0227-05-30", "end": "1790-11-11"},
    {"start": "2000-01-01", "end": "2026-12-31"},  # 27 years: the activity table would run month by month
    {"start": "2026-11-30", "end": "2026-11-01"}, {"start": "2026-11-01"}, {"month": "2026-11", "end": "2026-11-30"},
])
def test_periods_outside_the_served_years_or_too_long_are_period_invalid(manager, params):
    client, street = manager
    for path in ("/coverage", "/coverage/activity", "/coverage/not-visited", "/reports/monthly"):
        response = client.get(f"/api/v1{path}", params={"area_id": street, **params})
        _error(response, 422, "period.invalid")
    _error(client.post("/api/v1/spot-checks", json={"area_id": street, **params}), 422, "period.invalid")


def test_five_years_is_still_a_period(manager):
    client, street = manager
    response = client.get("/api/v1/coverage/activity", params={"area_id": street, "start": "2022-01-01",
                                                               "end": "2026-12-31"})
    assert response.status_code == 200, response.text
    assert response.json()["period"]["label"] == "2022-01-01—2026-12-31"


def test_method_not_allowed_names_every_method_of_the_path(client, world):
    response = client.request("OPTIONS", "/api/v1/spot-checks")
    _error(response, 405, "request.method_not_allowed")
    assert response.headers["allow"] == "GET, POST"  # the two routes at this path (HEAD is not served)
    assert client.request("DELETE", "/api/v1/auth/login").headers["allow"] == "POST"


def test_no_database_connection_in_time_is_503_server_busy(tmp_path, clients):
    """Every pooled connection is taken (a burst of slow reports): the next request waits, then gets a 503."""
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    SQLModel.metadata.create_all(engine, tables=server_tables())
    build_world(engine)
    small = make_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    small.pool = QueuePool(small.pool._creator, pool_size=1, max_overflow=0, timeout=0.2)
    client = clients(make_app(small), raise_app_exceptions=False)
    token = client.login("coord_a1", PASSWORD)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with small.connect():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        response = client.get("/api/v1/auth/me", token=token)
        body = _error(response, 503, "server.busy")
        assert response.headers["retry-after"] == "2" and body["details"] is None
    finally:
        release.set()
        holder.join()
    assert client.get("/api/v1/auth/me", token=token).status_code == 200
    small.dispose()
    engine.dispose()


def test_the_openapi_document_shows_the_common_errors_and_that_request_text_has_no_control_characters(client):
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert {"400", "413", "415", "422", "500", "503"} <= set(operation["responses"]), (method, path)
    assert "429" in document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    login = document["components"]["schemas"]["LoginRequest"]["properties"]
    assert login["username"]["pattern"] == NO_CONTROL and login["password"]["pattern"] == NO_CONTROL
    change = document["components"]["schemas"]["Change"]["properties"]
    assert change["fields"]["propertyNames"] == {"pattern": NO_CONTROL}
    pull = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/sync/pull"]["get"]["parameters"]}
    assert pull["cursor"]["maximum"] == 2**31 - 1
    assert json.dumps(document)  # still plain JSON


def test_a_refused_push_leaves_last_seq_alone(served):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    response = client.post(PUSH, token=phone.token, json={"device_id": phone.device_id, "changes": [
        {"seq": 5, "table": "resident", "row_id": world.residents["grid_a1"].id, "fields": {"notes": 1},
         "stamps": {"notes": phone.stamp()}, "unknown": True}]})
    _error(response, 422, "request.invalid")
    with engine.connect() as conn:
        assert conn.execute(select(Device.__table__.c.last_seq)
                            .where(Device.__table__.c.id == phone.device_id)).scalar_one() == 0
        assert conn.execute(select(Resident.__table__.c.notes)
                            .where(Resident.__table__.c.id == world.residents["grid_a1"].id)).scalar_one() != 1


@pytest.mark.parametrize("token", ["9" * 400 + ".5", "[" * 60 + "]" * 60])  # reads as infinity; 60 levels deep
def test_free_form_values_that_a_json_column_cannot_store_are_rejected(served, token):
    """The base value goes into the conflict record's JSON column: PostgreSQL refused Infinity there (a 500)."""
    engine, world, client = served
    other, phone = TestPhone(client, "coord_a1"), TestPhone(client, "coord_a1")
    other.push([other.edit("resident", world.residents["grid_a1"].id, {"notes": "第一次"})])
    change = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "走访过"})
    change["base_values"] = {"notes": "__token__"}
    raw = json.dumps({"device_id": phone.device_id, "changes": [change]}).replace('"__token__"', token)
    before = dump(engine)
    response = client.post(PUSH, content=raw.encode(), token=phone.token, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "sync.invalid_value")
    assert dump(engine) == before
