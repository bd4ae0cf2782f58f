"""Every route answers a wrongly typed body field or query parameter with a clear 4xx, never a 5xx.

The bodies are made from the app's own OpenAPI schema: a plausible body, then
each top-level field (and each field of a nested object or of a list's first
object) replaced by a value of another type or shape; each query parameter set
to text that is not what it takes. Sent as a coordinator, a manager and an
admin, each signed in again for every route (a route may sign a device out).
A manager's correction, whose fields are any of a resident's, is tried field by
field: a value the field cannot hold is refused and leaves the stored card as it was.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from server.services.privacy import NOT_CORRECTABLE
from shared.models import Resident
from shared.sync_codec import column_info
from shared.sync_schema import SYNC_SPECS
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world

WRONG = [None, True, -1, 2**63, 1.5, "", "x" * 3000, "2026-13-45", "\u0000", [], {}, ["a"], {"a": 1}]
WRONG_QUERY = ["-1", "x", "99999999999999999999", "", "\u0000", "2026-13-45", "1e309"]
SKIPPED = ("/api/v1/auth/logout", "/api/v1/auth/password")  # they end the session the next requests use
NO_ID = "00000000-0000-0000-0000-000000000000"


def _resolve(schema: dict, components: dict) -> dict:
    if "$ref" in schema:
        return _resolve(components[schema["$ref"].split("/")[-1]], components)
    if len(schema.get("allOf", ())) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _plausible(schema: dict, components: dict, depth: int = 0) -> Any:
    """A value of the schema's type (not necessarily one the route accepts)."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"] or schema["anyOf"]
        return _plausible(options[0], components, depth)
    if schema.get("default") is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {}) if depth < 4 else {}
        return {name: _plausible(sub, components, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [_plausible(schema.get("items", {}), components, depth + 1)] if depth < 4 else []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return {"date": "2026-11-01", "date-time": "2026-11-01T10:00:00+08:00"}.get(schema.get("format"), "abc")


def _bodies(base: Any) -> list[tuple[str, Any]]:
    """(what was changed, body) for each field of ``base`` given each wrong value."""
    cases: list[tuple[str, Any]] = [("(as made)", base)]
    if not isinstance(base, dict):
        return cases
    for name, value in base.items():
        cases += [(name, {**base, name: wrong}) for wrong in WRONG]
        inner = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else value
        if isinstance(inner, dict):
            for member in inner:
                for wrong in WRONG:
                    nested = {**inner, member: wrong}
                    cases.append((f"{name}.{member}", {**base, name: [nested] if isinstance(value, list) else nested}))
    return cases


def test_no_route_answers_a_wrongly_typed_field_with_a_server_error(sqlite_engine):
    world = build_world(sqlite_engine)
    client = ApiClient(make_app(sqlite_engine), raise_app_exceptions=False)
    person = world.residents["grid_a1"]
    known = {"resident_id": person.id, "household_id": person.household_id, "grid_id": world.areas["grid_a1"].id,
             "user_id": world.users["coord_a2"].id, "year": "2026"}  # (a user the test never signs in as)
    spec = client.app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    failures, sent = [], 0
    try:
        for path, operations in spec["paths"].items():
            if path in SKIPPED:
                continue
            url = re.sub(r"{(\w+)}", lambda m: known.get(m.group(1), NO_ID), path)
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                cases = [("body " + what, {"json": body}) for what, body in _bodies(
                    _plausible(content["application/json"]["schema"], components))] if "application/json" in content \
                    else [("(no body)", {})]
                cases += [(f"query {p['name']}={wrong!r}", {"params": {p["name"]: wrong}})
                          for p in operation.get("parameters", []) if p["in"] == "query" for wrong in WRONG_QUERY]
                for username in ("coord_a1", "manager_a", "admin"):
                    token = client.login(username, PASSWORD, device_name=f"hostile {username}")
                    for what, kwargs in cases:
                        answer = client.request(method.upper(), url, token=token, **kwargs)
                        sent += 1
                        if answer.status_code >= 500:
                            failures.append(f"{method.upper()} {path} as {username}, {what}: {answer.status_code}")
    finally:
        client.close()
    assert sent > 2000  # every route was reached with every case
    assert failures == []


def test_a_correction_of_any_field_with_a_wrong_value_is_refused_and_changes_nothing(sqlite_engine):
    world = build_world(sqlite_engine)
    client = ApiClient(make_app(sqlite_engine), raise_app_exceptions=False)
    person = world.residents["grid_a1"]
    table = Resident.__table__

    def stored() -> dict:
        with sqlite_engine.connect() as conn:
            return dict(conn.execute(select(table).where(table.c.id == person.id)).mappings().one())

    card, failures, taken = stored(), [], []
    try:
        token = client.login("manager_a", PASSWORD)
        for name in sorted(set(SYNC_SPECS["resident"].device_fields) - NOT_CORRECTABLE):
            for wrong in ("2026-13-45", "x" * 3000, "\u0000", -1, 2**63, 1.5, {"a": 1}, ["a", 1]):
                answer = client.post(f"/api/v1/residents/{person.id}/correction", token=token,
                                     json={"fields": {name: wrong}})
                now = stored()
                if answer.status_code >= 500:
                    failures.append(f"{name}={wrong!r}: {answer.status_code}")
                elif answer.status_code >= 400 and now != card:
                    failures.append(f"{name}={wrong!r}: refused, but the card changed")
                elif answer.status_code < 400:
                    taken.append((name, wrong))
                card = now
    finally:
        client.close()
    assert failures == []
    # only what the field can hold is taken: short text for a text field, a distance within range
    assert taken and all((column_info("resident", name).kind == "str" and wrong == "2026-13-45")
                         or (name, wrong) == ("job_wish_max_distance_km", 1.5) for name, wrong in taken), taken
