"""Hostile input to the main routes never makes a 500: every refusal is a 4xx in the one error shape, names no
personal data, and leaves every table as it was.

Hypothesis draws the requests (wrong types, huge and negative numbers, zero limits, odd Unicode, control
characters, NaN and Infinity, deep nesting, unknown fields, bad UUIDs, impossible dates and months, areas
outside the caller's scope) against the real app on SQLite, and a smaller set on PostgreSQL.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from shared.models import AuditEvent, SpotCheck, new_id, server_tables, utc_now
from shared.sync_codec import CODE_FIELDS, column_info
from shared.sync_schema import SYNC_SPECS
from shared.vocab import ServiceItem
from tests.conftest import hypothesis_examples
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD
from tests.sync.server_kit import TestPhone, feed_world, now_ms

SECRET_NAME, SECRET_ID = "王芳", "110101199003071234"  # the world's residents: never in an error
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
API = "/api/v1"
PULL = f"{API}/sync/pull"


# --- the served world ------------------------------------------------------------------------------


@dataclass
class Site:
    """The world on one database, served by the real app, with a signed-in coordinator, manager and admin."""

    engine: Any
    world: Any
    client: ApiClient
    tokens: dict[str, str]
    phone: TestPhone  # the coordinator's fuzzed device
    item_id: str  # a spot-check item of street A

    def area(self, key: str) -> str:
        return self.world.areas[key].id


@pytest.fixture
def site(any_engine, clients) -> Site:
    world = feed_world(any_engine)
    client = clients(make_app(any_engine))
    other = TestPhone(client, "coord_a1")  # a second device's edit, so fuzzed pushes may conflict with it
    resident = world.residents["grid_a1"].id
    other.push([other.edit("resident", resident, {"notes": "第一次走访", "name": "王芳"})])
    phone = TestPhone(client, "coord_a1")
    phone.rows[("resident", resident)] = {"fields": {}, "stamps": {}}
    tokens = {"coordinator": phone.token, "manager": client.login("manager_a", PASSWORD),
              "admin": client.login("admin", PASSWORD), "none": "", "bad": "not-a-token"}
    item_id = new_id()
    with any_engine.begin() as conn:
        conn.execute(insert(SpotCheck.__table__).values(
            id=item_id, sample_id=new_id(), resident_id=resident, area_id=world.areas["street_a"].id, seed=1,
            drawn_at=utc_now(), method="phone"))
    return Site(any_engine, world, client, tokens, phone, item_id)


def dump(engine, skip: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every server table, sorted, as text; ``skip`` leaves out tables ("table"), columns
    ("table.column") and audit events ("audit_event:action")."""
    out = {}
    audit = AuditEvent.__table__
    with engine.connect() as conn:
        for table in [t for t in server_tables() if t.name not in skip]:
            columns = [c for c in table.columns if f"{table.name}.{c.name}" not in skip]
            stmt = select(*columns)
            if table is audit:
                stmt = stmt.where(audit.c.action.not_in([s.split(":", 1)[1] for s in skip if ":" in s]))
            rows = conn.execute(stmt).all()
            out[table.name] = sorted(tuple(json.dumps(v, sort_keys=True, default=str) for v in row) for row in rows)
    return out


def examples(engine) -> int:
    """The example count: ``hypothesis_examples(120)`` on SQLite, a quarter of it on PostgreSQL."""
    count = hypothesis_examples(120)
    return count if engine.dialect.name == "sqlite" else max(5, count // 4)


def run(site: Site, strategy, check) -> None:
    """Run ``check(site, drawn)`` for each drawn request."""

    @settings(max_examples=examples(site.engine), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(strategy)
    def each(drawn):
        note(f"request: {shown(drawn)}")
        check(site, drawn)

    each()


# --- hostile values ---------------------------------------------------------------------------------


def mostly(usual, rare, percent: int = 85):
    """``usual`` about ``percent`` % of the time, else ``rare`` (``one_of`` would pick each about as often)."""
    return st.integers(0, 99).flatmap(lambda i: usual if i < percent else rare)


class Raw(str):
    """Text put into the JSON body as it is (NaN, Infinity, 1e999, deep nesting, ...)."""


RAW_TOKENS = [
    "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0", "9" * 5000, "1" + "0" * 400, "9" * 400 + ".5",
    "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000, "[" * 200 + "1" + "]" * 200,
]
CONTROL_TEXT = ["\u0000", "a\x07b", "\x1f", "\x0b", "\ud800", "x\udfff"]
NASTY_TEXT = [
    "", " ", "\t", "\n\r", "\u00a0", "\u200b", "\u202e", "\ufeff", "Ａｂｃ１２３", "😀" * 20, "a" * 600, "𠀀" * 70,
    "'; DROP TABLE resident; --", "%00", "../../etc/passwd", "null", "true", "0", "-1", "1e3", "NaN", "e\u0301",
    "skills|家政", SECRET_NAME, SECRET_ID, "2026-13", "2026-02-30", "0000-00-00", "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00", "0001-01-01", "2026-11-01T08:00:00", "١٢٣", "13800138000", "１３８００１３８０００",
]
# text a form could hold, odd as it may be; a control character or a lone surrogate refuses the whole body (400),
# so only ``hostile_texts`` carries them, where a request is refused whole anyway
texts = st.one_of(st.sampled_from(NASTY_TEXT),
                  st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20))
hostile_texts = mostly(texts, st.one_of(st.sampled_from(CONTROL_TEXT), st.text(max_size=8)), 70)
huge_ints = st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**100])
ints = st.one_of(st.integers(-3, 3), st.integers(), huge_ints)
floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -1e308, 5e-324]))
raws = st.sampled_from(RAW_TOKENS).map(Raw)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts, texts, raws)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                      max_leaves=8)
bad_uuids = st.one_of(st.sampled_from(["", "x", "0" * 36, "00000000-0000-0000-0000-00000000000g", "-" * 36,
                                       str(uuid.UUID(int=0)).upper(), "{" + str(uuid.UUID(int=1)) + "}",
                                       str(uuid.UUID(int=2)) + "0", " " * 36, "%2e%2e", "a/b", "１" * 36]),
                      texts, st.uuids().map(str))
months = st.one_of(st.sampled_from(["2026-13", "2026-00", "2026-1", "0000-01", "9999-12", "1989-12", "2100-01",
                                    "２０２６-１１", "2026-11", "2026-11-01", "-2026-11", "2026‐11", "1990-01",
                                    "2099-12"]), texts)
date_texts = st.one_of(st.sampled_from(["2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2026-11-01",
                                        "2026-11-30", "1990-01-01", "2099-12-31", "20261101", "2026-11-01T00:00:00",
                                        "1900-01-01", "2100-01-01", "２０２６-１１-０１"]),
                       st.dates().map(str))
dates = st.one_of(date_texts, date_texts, texts)
datetimes = st.one_of(st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                       "2026-11-25T08:00:00+08:00", "2026-11-25T08:00:00", "2026-11-25 08:00Z",
                                       "2026-11-25T25:00:00+00:00", "1900-01-01T00:00:00+00:00"]),
                      st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), texts)


def q(value: str) -> str:
    """A path segment, percent-encoded (lone surrogates as their UTF-8-ish bytes)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def encode(body: Any) -> bytes:
    """JSON text of ``body`` with every ``Raw`` value spliced in unquoted."""
    raw_values: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, Raw):
            raw_values.append(str(value))
            return f"__raw_{len(raw_values) - 1}__"
        if isinstance(value, list):
            return [mark(v) for v in value]
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        return value

    text = json.dumps(mark(body))
    for index, raw in enumerate(raw_values):
        text = text.replace(f'"__raw_{index}__"', raw, 1)
    return text.encode("utf-8", "surrogatepass")


UNKNOWN_KEYS = st.sampled_from(["extra", "id", "__proto__", "", "username ", "ＩＤ", "Protocol"])


def with_extras(base):
    """Bodies of ``base`` (a dict strategy), now and then with a field dropped or an unknown one added."""
    how = mostly(st.just("as is"), st.sampled_from(["drop one", "add unknown"]), 80)
    return st.tuples(base, how, UNKNOWN_KEYS, values).map(lambda t: _vary(*t))


def _vary(body: dict, how: str, key: str, value: Any) -> dict:
    body = dict(body)
    if how == "drop one" and body:
        body.pop(sorted(body)[0])
    if how == "add unknown":
        body[key] = value
    return body


def shown(value: Any) -> str:
    """A drawn request for the failure report, cut short (Hypothesis warns about huge reprs)."""
    text = repr(value)
    return text if len(text) < 3000 else text[:3000] + f"... ({len(text)} characters)"


# --- what every answer must be -------------------------------------------------------------------------


def check_answer(response, before: dict, after: dict) -> None:
    assert response.status_code < 500, response.text
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert CODE.match(body["code"]) and isinstance(body["message"], str) and body["message"], body
    assert SECRET_NAME not in response.text and SECRET_ID not in response.text
    assert after == before, f"a refused request ({response.status_code} {body['code']}) changed the database"


def call(site: Site, who: str, method: str, url: str, body: Any = None, *, skip: frozenset[str] = frozenset(),
         raw: bytes | None = None):
    """Send one request as ``who`` (JSON ``body`` or ``raw`` bytes), check the answer and what it stored."""
    before = dump(site.engine, skip)
    content = raw if raw is not None else (None if body is None else encode(body))
    headers = {"content-type": "application/json"} if content is not None else {}
    response = site.client.request(method, url, token=site.tokens[who] or None, content=content, headers=headers)
    after = dump(site.engine, skip)
    check_answer(response, before, after)
    return response, before, after


def query(params: dict[str, Any]) -> str:
    """A query string (lone surrogates percent-encoded as their bytes)."""
    return urlencode({k: v for k, v in params.items() if v is not None}, encoding="utf-8", errors="surrogatepass")


# --- login ------------------------------------------------------------------------------------------------

login_bodies = with_extras(st.fixed_dictionaries({
    "username": st.one_of(st.sampled_from(["admin", " ADMIN ", "coord_a1", "nobody", "王芳"]), hostile_texts, values),
    "password": st.one_of(st.sampled_from(["guess", "", "x" * 300]), hostile_texts, values),
}, optional={"device_name": values}))


def test_login_refuses_hostile_bodies(site):
    def check(site, body):
        # a failed sign-in is audited and counted by the throttle: nothing else may change
        response, _, _ = call(site, "none", "POST", f"{API}/auth/login", body,
                              skip=frozenset({"audit_event:auth.login_failed", "login_throttle"}))
        assert response.status_code in (200, 400, 401, 422, 429), response.text

    run(site, login_bodies, check)


# --- push --------------------------------------------------------------------------------------------------

NEXT = "__next_seq__"  # replaced by the device's next sequence number when the push is sent
ID_FIELDS = frozenset({"grid_id", "community_id", "street_id", "household_id", "resident_id", "employer_id",
                       "vacancy_id", "referral_id", "coordinator_id", "recorded_by", "collected_by", "created_by",
                       "resolved_by"})


def stamps_for(site: Site):
    device = site.phone.device_id
    hostile = st.sampled_from([
        f"{now_ms() + 10**9:013d}.00000.{device}", f"{0:013d}.00000.{device}", f"{9999999999999:013d}.99999.{device}",
        "1.2.3", "", "x" * 80, f"{now_ms()}.0.{device}", f"{now_ms():013d}.00000.{'z' * 40}",
        f"{now_ms():013d}.00000.a|b", "١٧٦٤٠٦٠٠٠٠٠٠٠.00000." + device, f"{now_ms():013d}.０００００.{device}"])
    return mostly(st.builds(lambda: site.phone.stamp()), st.one_of(hostile, texts), 80)


def ids_for(site: Site):
    known = [a.id for a in site.world.areas.values()] + [h.id for h in site.world.households.values()]
    known += [r.id for r in site.world.residents.values()] + [u.id for u in site.world.users.values()]
    return mostly(st.one_of(st.sampled_from(known), st.uuids().map(str)), bad_uuids)


def field_value(site: Site, table: str, name: str):
    """A value for one field: mostly of its column's type (so the change gets past the type check), or anything."""
    try:
        kind = column_info(table, name).kind
    except ValueError:
        return values
    typed = {"str": ids_for(site) if name in ID_FIELDS else texts, "int": ints, "float": st.one_of(floats, raws),
             "bool": st.booleans(), "date": dates, "datetime": datetimes,
             "json": st.lists(st.one_of(texts, st.sampled_from([c.value for c in ServiceItem])), max_size=4)}[kind]
    codes = CODE_FIELDS.get((table, name))
    if codes is not None:
        typed = st.one_of(st.sampled_from([c.value for c in codes]), typed)
    return mostly(typed, values, 80)


def change_for(site: Site, table: str):
    spec = SYNC_SPECS.get(table)
    names = sorted(spec.fields) if spec else []
    field_names = mostly(st.sampled_from(names), texts) if names else texts
    known = [a.id for a in site.world.areas.values()] + [h.id for h in site.world.households.values()]
    known += [r.id for r in site.world.residents.values()]
    row_ids = mostly(st.one_of(st.sampled_from(known), st.uuids().map(str)), bad_uuids, 95)

    def build(chosen: list[str]):
        keys = sorted({spec.clock_key(n) if spec and n in names else n for n in chosen})
        # a group is written whole: add the other members of every group touched
        if spec:
            chosen = sorted({m for k in keys for m in (spec.members(k) if k in spec.groups else (k,))} | set(chosen))
        key_names = st.sampled_from(keys) if keys else texts
        return st.fixed_dictionaries({
            "seq": mostly(st.just(NEXT), st.sampled_from([0, -1, 2**31, 10**30, "1", 1.5, None]), 97),
            "table": st.just(table),
            "row_id": row_ids,
            "fields": st.fixed_dictionaries({n: field_value(site, table, n) for n in chosen}),
            "stamps": mostly(st.fixed_dictionaries({k: stamps_for(site) for k in keys}),
                             st.dictionaries(st.one_of(key_names, texts), stamps_for(site), max_size=3), 75),
        }, optional={
            "op": mostly(st.sampled_from(["upsert", "delete"]), st.sampled_from(["merge", "", "UPSERT"]), 95),
            "base": st.dictionaries(key_names, st.none() | stamps_for(site), max_size=3),
            "base_values": st.dictionaries(st.one_of(st.sampled_from(chosen) if chosen else texts, texts),
                                           values, max_size=3),
            "set_ops": st.dictionaries(mostly(st.sampled_from(["skills", "job_wish_occupations", "skills_required"]),
                                              texts, 90),
                                       st.lists(st.fixed_dictionaries({
                                           "element": texts, "present": mostly(st.booleans(), values, 95),
                                           "stamp": stamps_for(site)}), max_size=2), max_size=2),
            "delete_stamp": st.none() | stamps_for(site),
        })

    return st.lists(field_names, max_size=4, unique=True).flatmap(build)


def edit_of_seen_resident(site: Site):
    """An edit of the resident another device edited first: merges and conflicts, with hostile values."""
    resident = site.world.residents["grid_a1"].id
    spec = SYNC_SPECS["resident"]
    names = st.lists(st.sampled_from(["notes", "name", "phone", "id_number", "skills", "employment_status",
                                      "birth_date", "job_wish_min_wage", "household_id", "grid_id"]),
                     min_size=1, max_size=3, unique=True)

    def build(chosen: list[str]):
        keys = sorted({spec.clock_key(n) for n in chosen})
        chosen = sorted({m for k in keys for m in spec.members(k)})
        return st.fixed_dictionaries({
            "seq": st.just(NEXT), "table": st.just("resident"), "row_id": st.just(resident),
            "fields": st.fixed_dictionaries({n: field_value(site, "resident", n) for n in chosen}),
            "stamps": st.fixed_dictionaries({k: stamps_for(site) for k in keys}),
            "base": st.fixed_dictionaries({k: st.none() | stamps_for(site) for k in keys}),
            "base_values": st.fixed_dictionaries({n: values for n in chosen}),
        })

    return names.flatmap(build)


def push_bodies(site: Site):
    tables = mostly(st.sampled_from(sorted(SYNC_SPECS)), texts, 90)
    change = st.one_of(tables.flatmap(lambda t: change_for(site, t)), edit_of_seen_resident(site))
    changes = st.lists(change, max_size=4)
    return with_extras(st.fixed_dictionaries({
        "device_id": mostly(st.just(site.phone.device_id), bad_uuids, 95),
        "changes": mostly(changes, values, 95),
    }, optional={"protocol": mostly(st.just(1), st.one_of(ints, values), 90)}))


def number_changes(site: Site, body: Any) -> Any:
    """Give each change drawn with ``NEXT`` the device's next sequence number."""
    if isinstance(body, dict) and isinstance(body.get("changes"), list):
        for change in body["changes"]:
            if isinstance(change, dict) and change.get("seq") == NEXT:
                site.phone.seq += 1
                change["seq"] = site.phone.seq
    return body


def test_push_refuses_hostile_changes_and_keeps_what_is_stored(site):
    def check(site, body):
        # a push that answers every change "rejected" or "duplicate" moves only the device's last_seq and
        # last_stamp (its stamps keep their order) and the refusals remembered for a replay (push_rejection)
        response, before, after = call(site, "coordinator", "POST", f"{API}/sync/push", number_changes(site, body),
                                       skip=frozenset({"device.last_seq", "device.last_stamp", "push_rejection"}))
        if response.status_code == 200:
            answer = response.json()
            site.phone.seq = max(site.phone.seq, answer["last_seq"])
            for result in answer["results"]:
                if result["status"] == "rejected":
                    assert CODE.match(result["code"]) and result["message"]
                    assert SECRET_ID not in result["message"] and SECRET_NAME not in result["message"]
            if {r["status"] for r in answer["results"]} <= {"rejected", "duplicate"}:
                assert after == before, "a push whose changes were all refused changed the database"

    run(site, push_bodies(site), check)
    read_back_everything(site)


def read_back_everything(site: Site) -> None:
    """What the fuzzed pushes stored is read by every route that reads it: none may fail on it."""
    street, grid = site.area("street_a"), site.area("grid_a1")
    reads = [("coordinator", f"{PULL}?cursor=0&limit=5000"), ("manager", f"{PULL}?cursor=0"),
             ("coordinator", f"{API}/sync/conflicts?state=all"), ("manager", f"{API}/sync/conflicts"),
             ("coordinator", f"{API}/households?grid_id={grid}"), ("manager", f"{API}/areas")]
    reads += [("manager", f"{API}{path}?area_id={street}&month={month}")
              for path in COVERAGE_PATHS for month in ("2026-11", "2099-12")]
    reads += [("coordinator", f"{API}/households/{h.id}") for h in site.world.households.values()]
    for who, url in reads:
        response = site.client.get(url, token=site.tokens[who])
        assert response.status_code in (200, 403), (url, response.text)


# --- pull -----------------------------------------------------------------------------------------------

numbers_as_text = st.one_of(ints.map(str), st.sampled_from(["", "1.5", "NaN", "inf", "1e3", "0x10", "٣", "+5",
                                                            " 5", "5 ", "true"]), texts)


def test_pull_refuses_hostile_cursors_and_limits(site):
    params = st.fixed_dictionaries({}, optional={"cursor": numbers_as_text, "limit": numbers_as_text,
                                                 "extra": hostile_texts})

    def check(site, drawn):
        who, params = drawn
        call(site, who, "GET", f"{PULL}?{query(params)}")

    run(site, st.tuples(st.sampled_from(["coordinator", "manager", "none", "bad"]), params), check)


# --- coverage and reports ------------------------------------------------------------------------------


def area_ids(site: Site):
    return st.one_of(st.sampled_from([site.area(k) for k in site.world.areas]), bad_uuids)


def period_params(site: Site):
    return st.fixed_dictionaries({}, optional={
        "area_id": area_ids(site), "month": months, "start": dates, "end": dates,
        "coordinator_id": st.one_of(st.just(site.world.users["coord_a1"].id), bad_uuids),
        "state": st.one_of(st.sampled_from(["met", "overdue", "open", "all"]), hostile_texts),
    })


COVERAGE_PATHS = ["/coverage", "/coverage/not-visited", "/coverage/incomplete", "/coverage/zero-employment-overdue",
                  "/coverage/zero-employment", "/coverage/activity", "/reports/monthly"]


def test_coverage_and_reports_refuse_bad_periods_and_areas(site):
    def check(site, drawn):
        who, path, params = drawn
        response, _, _ = call(site, who, "GET", f"{API}{path}?{query(params)}")
        if response.status_code == 200 and path != "/reports/monthly":
            assert "period" in response.json()

    run(site, st.tuples(st.sampled_from(["coordinator", "manager", "admin"]), st.sampled_from(COVERAGE_PATHS),
                        period_params(site)), check)


# --- spot checks ----------------------------------------------------------------------------------------


def spot_check_requests(site: Site):
    draw = st.tuples(st.just("POST"), st.just("/spot-checks"), with_extras(st.fixed_dictionaries({}, optional={
        "area_id": area_ids(site), "month": months, "start": dates, "end": dates,
        "rate": st.one_of(st.floats(), st.sampled_from([0, -1, 1, 1.0001, 1e-300]), values),
        "community_share": st.one_of(st.floats(), values), "seed": ints, "method": hostile_texts | values})))
    item_ids = st.one_of(st.just(site.item_id), bad_uuids)
    result = st.tuples(st.just("POST"), item_ids.map(lambda i: f"/spot-checks/items/{q(i)}"),
                       with_extras(st.fixed_dictionaries({
                           "result": st.one_of(st.sampled_from(["confirmed", "not_confirmed", "unreachable"]),
                                               values)},
                           optional={"notes": st.one_of(hostile_texts, values), "method": st.one_of(texts, values)})))
    read = st.tuples(st.just("GET"), st.one_of(
        bad_uuids.map(lambda i: f"/spot-checks/{q(i)}"),
        st.tuples(bad_uuids, texts).map(lambda t: f"/spot-checks/{q(t[0])}/call-list?"
                                                  f"{query({'format': t[1]})}"),
        st.just("/spot-checks")), st.none())
    return st.one_of(draw, result, read)


def test_spot_checks_refuse_hostile_requests(site):
    def check(site, drawn):
        who, (method, path, body) = drawn
        call(site, who, method, f"{API}{path}", body)

    run(site, st.tuples(st.sampled_from(["manager", "coordinator", "admin"]), spot_check_requests(site)), check)


# --- records ----------------------------------------------------------------------------------------------


def record_urls(site: Site):
    ids = st.one_of(st.sampled_from([h.id for h in site.world.households.values()]
                                    + [r.id for r in site.world.residents.values()]), bad_uuids)
    return st.one_of(
        st.builds(lambda g, o, lim: f"/households?{query({'grid_id': g, 'offset': o, 'limit': lim})}",
                  st.one_of(area_ids(site), st.none()), st.none() | numbers_as_text, st.none() | numbers_as_text),
        ids.map(lambda i: f"/households/{q(i)}"),
        ids.map(lambda i: f"/residents/{q(i)}"),
        st.just("/areas"),
    )


def test_records_refuse_bad_ids_and_pages(site):
    def check(site, drawn):
        who, url = drawn
        response, _, _ = call(site, who, "GET", f"{API}{url}")
        if response.status_code == 200 and who == "coordinator" and url.startswith("/residents/"):
            assert response.json()["grid_id"] == site.area("grid_a1")

    run(site, st.tuples(st.sampled_from(["coordinator", "manager", "admin", "bad"]), record_urls(site)), check)


# --- bodies that are not what they claim ---------------------------------------------------------------

raw_bodies = st.one_of(st.sampled_from([t.encode() for t in RAW_TOKENS]),
                       st.sampled_from([b"", b"{", b'{"a":1,"a":2}', b"\xef\xbb\xbf{}", b"\xff\xfe", b"[]",
                                        b'{"changes": [' + b"{}," * 2000 + b"{}]}", b"\"\\ud800\"",
                                        b'{"username": "\\ud800", "password": "x"}']),
                       st.binary(max_size=64))
POST_PATHS = ["/auth/login", "/sync/push", "/spot-checks", "/spot-checks/items/x", "/admin/users"]


def test_raw_bodies_are_refused_in_the_shape(site):
    def check(site, drawn):
        who, path, raw = drawn
        call(site, who, "POST", f"{API}{path}", raw=raw)

    run(site, st.tuples(st.sampled_from(["coordinator", "manager", "admin", "none"]), st.sampled_from(POST_PATHS),
                        raw_bodies), check)
