"""The OpenAPI document says what ``server.middleware.RequestGuard`` enforces: request text holds no control characters.

Every string of a request (query and path parameters, body fields, the keys
of free-form objects) gets ``pattern`` ``NO_CONTROL`` unless it already has a
pattern, a format or a fixed set of values; so a client generated from the
document (or a fuzzer) knows such text is refused with 400
``request.control_character``. Tab, line feed and carriage return are allowed.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

NO_CONTROL = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"
_FIXED = ("pattern", "format", "enum", "const")
_REF = "#/components/schemas/"


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that marks request strings (built once, then cached like FastAPI's)."""

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            mark_request_strings(build())  # FastAPI's document, cached on the app
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def mark_request_strings(document: dict[str, Any]) -> None:
    """Add ``NO_CONTROL`` to the strings of every parameter and request body, and of the schemas they use."""
    components = document.get("components", {}).get("schemas", {})
    used: set[str] = set()
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _mark(parameter.get("schema", {}), components, used)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _mark(media.get("schema", {}), components, used)


def _mark(schema: Any, components: dict[str, Any], used: set[str]) -> None:
    if isinstance(schema, list):
        for item in schema:
            _mark(item, components, used)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        name = ref[len(_REF):]
        if name not in used and name in components:
            used.add(name)
            _mark(components[name], components, used)
        return
    if schema.get("type") == "string" and not any(key in schema for key in _FIXED):
        schema["pattern"] = NO_CONTROL
    if schema.get("type") == "object" and "additionalProperties" in schema and "propertyNames" not in schema:
        schema["propertyNames"] = {"pattern": NO_CONTROL}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            for sub in value.values():
                _mark(sub, components, used)
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems"):
            _mark(value, components, used)
