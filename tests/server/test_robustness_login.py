"""Password guessing is throttled per username, in the database: every server process sees the same count."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shared.models import AuditEvent
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

LOGIN = "/api/v1/auth/login"
LIMIT = 10


def _login(client, username: str, password: str):
    return client.post(LOGIN, json={"username": username, "password": password, "device_name": "phone"})


def _age_failures(engine, by: timedelta) -> None:
    """Move every failed sign-in back in time (as if ``by`` had passed)."""
    table = AuditEvent.__table__
    with engine.begin() as conn:
        for event_id, at in conn.execute(select(table.c.id, table.c.at).where(table.c.action == "auth.login_failed")):
            conn.execute(update(table).where(table.c.id == event_id).values(at=at - by))


@pytest.mark.parametrize("engine_name", ["sqlite_engine", "pg_engine"])
def test_ten_failures_in_two_processes_lock_the_username_for_fifteen_minutes(request, engine_name, clients):
    engine = request.getfixturevalue(engine_name)
    build_world(engine)
    first, second = clients(make_app(engine)), clients(make_app(engine))  # two server processes, one database
    for attempt in range(LIMIT):
        answer = _login(first if attempt % 2 else second, "coord_a1", f"guess {attempt}")
        assert answer.status_code == 401 and answer.json()["code"] == "auth.invalid_credentials"
    for client in (first, second):
        refused = _login(client, " COORD_A1 ", PASSWORD)  # the right password does not help now
        assert refused.status_code == 429, refused.text
        body = refused.json()
        assert body["code"] == "auth.too_many_attempts" and set(body) == {"code", "message", "details"}
        assert 1 <= int(refused.headers["retry-after"]) <= 15 * 60
        assert body["details"]["retry_after_seconds"] == int(refused.headers["retry-after"])
    # other users are not affected
    assert _login(first, "coord_a2", PASSWORD).status_code == 200
    # once the failures are older than the window, the right password works again
    _age_failures(engine, timedelta(minutes=15, seconds=1))
    assert _login(second, "coord_a1", PASSWORD).status_code == 200


def test_a_successful_sign_in_clears_the_count(sqlite_engine, clients):
    build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine))
    for attempt in range(LIMIT - 1):
        assert _login(client, "coord_a1", f"guess {attempt}").status_code == 401
    assert _login(client, "coord_a1", PASSWORD).status_code == 200
    for attempt in range(LIMIT - 1):
        assert _login(client, "coord_a1", f"again {attempt}").status_code == 401
    assert _login(client, "coord_a1", PASSWORD).status_code == 200


def test_an_unknown_username_is_throttled_like_a_real_one_and_is_not_stored(sqlite_engine, clients):
    """So a 429 does not tell an attacker whether the account exists, and the typed name is not kept."""
    build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine))
    answers = [_login(client, "张三丰", f"guess {attempt}") for attempt in range(LIMIT + 1)]
    assert [a.status_code for a in answers] == [401] * LIMIT + [429]
    assert answers[-1].json()["code"] == "auth.too_many_attempts"
    with sqlite_engine.connect() as conn:
        events = conn.execute(select(AuditEvent.__table__)).mappings().all()
    assert len(events) == LIMIT and "张三丰" not in str(events)
    assert {e["row_id"] for e in events} == {events[0]["row_id"]} and events[0]["row_id"].startswith("login:")
    assert len(events[0]["row_id"]) == len("login:") + 3  # 4,096 buckets: the bucket does not name the person
    assert _login(client, "coord_a1", PASSWORD).status_code == 200


def test_the_limit_is_a_setting(sqlite_engine, clients):
    build_world(sqlite_engine)
    strict = clients(make_app(sqlite_engine, login_max_failures=2, login_window_seconds=60))
    assert [_login(strict, "admin", "x").status_code for _ in range(3)] == [401, 401, 429]
    assert int(_login(strict, "admin", PASSWORD).headers["retry-after"]) <= 60
    off = clients(make_app(sqlite_engine, login_max_failures=0))
    assert _login(off, "admin", PASSWORD).status_code == 200
