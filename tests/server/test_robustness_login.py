"""Password guessing meets growing delays per account and per address, kept in the database (every server process
sees them), and never a lock-out: the right password from the user's own phone works while someone else guesses."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from server.db import make_engine
from shared.models import AuditEvent, Device, LoginThrottle, SQLModel, server_tables
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

LOGIN = "/api/v1/auth/login"
FREE = 5  # the default free failures per account


def _login(client, username: str, password: str, **extra):
    return client.post(LOGIN, json={"username": username, "password": password, "device_name": "phone", **extra})


def _wait_out(engine, by: timedelta) -> None:
    """As if ``by`` had passed since every failure."""
    table = LoginThrottle.__table__
    with engine.begin() as conn:
        for key, at in conn.execute(select(table.c.key, table.c.last_failed_at)):
            conn.execute(update(table).where(table.c.key == key).values(last_failed_at=at - by))


@pytest.fixture(params=["sqlite file", "postgres"])
def two_processes(request, tmp_path):
    """Two engines on one database, as two server processes have (a SQLite file in WAL mode, or PostgreSQL)."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_engine").url
    else:
        url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    engines = [make_engine(url) for _ in range(2)]
    SQLModel.metadata.create_all(engines[0], tables=server_tables())
    yield engines
    for engine in engines:
        engine.dispose()


def test_failures_in_two_processes_bring_doubling_delays_not_a_lock(two_processes, clients):
    engine = two_processes[0]
    build_world(engine)
    first, second = (clients(make_app(e)) for e in two_processes)  # two server processes, one database
    for attempt in range(FREE):
        answer = _login(first if attempt % 2 else second, "coord_a1", f"guess {attempt}")
        assert answer.status_code == 401 and answer.json()["code"] == "auth.invalid_credentials"
    refused = _login(first, " COORD_A1 ", PASSWORD)  # too soon: not even the right password is checked
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["code"] == "auth.too_many_attempts" and set(body) == {"code", "message", "details"}
    assert int(refused.headers["retry-after"]) == body["details"]["retry_after_seconds"] == 2
    # after the wait one more guess is checked; the next wait is twice as long, in the other process too
    _wait_out(engine, timedelta(seconds=2))
    assert _login(second, "coord_a1", "guess again").status_code == 401
    assert int(_login(first, "coord_a1", PASSWORD).headers["retry-after"]) == 4
    # other users are not slowed down
    assert _login(first, "coord_a2", PASSWORD).status_code == 200
    # the delay never exceeds five minutes, and after it the right password works
    for _ in range(10):
        _wait_out(engine, timedelta(minutes=5))
        assert _login(second, "coord_a1", "guess").status_code == 401
    assert int(_login(first, "coord_a1", "guess").headers["retry-after"]) == 300
    _wait_out(engine, timedelta(minutes=5))
    assert _login(second, "coord_a1", PASSWORD).status_code == 200
    # the right password cleared the account's failures
    assert [_login(first, "coord_a1", "typo").status_code for _ in range(FREE + 1)] == [401] * FREE + [429]


def test_the_right_password_from_the_users_own_phone_works_while_someone_else_guesses(sqlite_engine, clients):
    build_world(sqlite_engine)
    app = make_app(sqlite_engine)
    phone, attacker = clients(app, address="10.0.0.7"), clients(app, address="203.0.113.9")
    old_token = phone.login("coord_a1", PASSWORD, device_name="张伟的手机")
    assert phone.post("/api/v1/auth/logout").status_code == 204  # signed out: the token is still proof of the phone
    for attempt in range(FREE + 3):
        assert _login(attacker, "coord_a1", f"guess {attempt}").status_code in (401, 429)
    assert _login(attacker, "coord_a1", PASSWORD).status_code == 429  # the guesser is slowed down
    assert _login(phone, "coord_a1", PASSWORD).status_code == 429  # a new phone waits like anyone
    mine = _login(phone, "coord_a1", PASSWORD, device_token=old_token)
    assert mine.status_code == 200, mine.text
    # the attacker cannot borrow another user's phone token, nor a phone an administrator revoked
    other = clients(app).login("coord_a2", PASSWORD)
    assert _login(attacker, "coord_a1", PASSWORD, device_token=other).status_code == 429
    new_token = mine.json()["token"]
    admin = clients(app)
    admin.login("admin", PASSWORD)
    assert admin.post(f"/api/v1/admin/devices/{mine.json()['device_id']}/revoke").status_code == 200
    assert _login(phone, "coord_a1", PASSWORD, device_token=new_token).status_code == 429
    # guessing with the phone's token is throttled per phone
    for attempt in range(FREE):
        assert _login(attacker, "coord_a1", f"guess {attempt}", device_token=old_token).status_code == 401
    assert _login(phone, "coord_a1", PASSWORD, device_token=old_token).status_code == 429


def test_one_address_guessing_many_accounts_is_slowed_others_are_not(sqlite_engine, clients):
    build_world(sqlite_engine)
    app = make_app(sqlite_engine, login_address_free_failures=3)
    attacker, office = clients(app, address="198.51.100.4"), clients(app, address="10.1.1.1")
    names = ["admin", "manager_a", "manager_b", "coord_a1"]
    assert [_login(attacker, name, "123456").status_code for name in names] == [401, 401, 401, 429]
    assert _login(attacker, "coord_a2", PASSWORD).status_code == 429  # the address waits, whatever the account
    assert _login(office, "coord_a2", PASSWORD).status_code == 200


def test_an_office_behind_one_address_signs_in_all_day(sqlite_engine, clients):
    build_world(sqlite_engine)
    office = clients(make_app(sqlite_engine, login_address_free_failures=3), address="10.1.1.1")
    for _ in range(4):
        for name in ("coord_a1", "coord_a2", "manager_a"):
            assert _login(office, name, PASSWORD).status_code == 200
    assert [_login(office, "coord_a1", "typo").status_code for _ in range(2)] == [401, 401]
    assert _login(office, "coord_a1", PASSWORD).status_code == 200


def test_an_unknown_username_is_slowed_like_a_real_one_and_is_not_stored(sqlite_engine, clients):
    """So a 429 does not tell an attacker whether the account exists, and the typed name is not kept."""
    build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine))
    answers = [_login(client, "张三丰", f"guess {attempt}") for attempt in range(FREE + 1)]
    assert [a.status_code for a in answers] == [401] * FREE + [429]
    with sqlite_engine.connect() as conn:
        events = conn.execute(select(AuditEvent.__table__)).mappings().all()
        keys = conn.execute(select(LoginThrottle.__table__.c.key)).scalars().all()
    assert len(events) == FREE and "张三丰" not in str(events) + str(keys)
    assert {e["row_id"] for e in events} == {events[0]["row_id"]} and events[0]["row_id"].startswith("login:")
    assert len(events[0]["row_id"]) == len("login:") + 3  # 4,096 buckets: the bucket does not name the person
    assert "127.0.0.1" not in str(keys)  # the address is kept only as a hash
    assert _login(client, "coord_a1", PASSWORD).status_code == 200


def test_the_delays_are_settings(sqlite_engine, clients):
    build_world(sqlite_engine)
    strict = clients(make_app(sqlite_engine, login_free_failures=2, login_first_delay_seconds=30))
    assert [_login(strict, "admin", "x").status_code for _ in range(3)] == [401, 401, 429]
    assert int(_login(strict, "admin", PASSWORD).headers["retry-after"]) == 30
    off = clients(make_app(sqlite_engine, login_throttle=False))
    assert _login(off, "admin", PASSWORD).status_code == 200


def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_the_free_ones(pg_engine, clients):
    """Every attempt is counted before the slow password check, compare-and-set: parallel guesses cannot all pass."""
    build_world(pg_engine)
    app = make_app(pg_engine, login_free_failures=2)
    guessers = [clients(app, address=f"192.0.2.{n}") for n in range(8)]
    codes: list[int] = []
    start = threading.Barrier(len(guessers))

    def guess(client, n):
        start.wait()
        codes.append(_login(client, "coord_a1", f"guess {n}").status_code)

    threads = [threading.Thread(target=guess, args=(c, n)) for n, c in enumerate(guessers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(codes)) <= [401, 429] and len(codes) == len(guessers)
    assert 1 <= codes.count(401) <= 2, codes
    with pg_engine.connect() as conn:
        assert conn.execute(select(Device.__table__)).all() == []
