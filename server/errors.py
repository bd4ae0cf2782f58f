"""The one error shape of the API, ``{"code", "message", "details"}``, and the handlers that produce it.

Codes are stable dotted names that clients may switch on; messages are for
people and never contain the request's values (they may be personal data).

=============================  ======  =============================================
code                           status  when
=============================  ======  =============================================
request.invalid                422     a field is missing, unknown, or of the wrong type
request.invalid_json           400     the body is not JSON (or not UTF-8)
request.control_character      400     a JSON string holds a control character
request.too_large              413     the body is over ``max_body_bytes``
request.unsupported_media_type 415     a body that is not JSON (or a form)
request.bad_request            400     other malformed requests
request.method_not_allowed     405
not_found                      404     no such path, or no such record
auth.required                  401     no bearer token
auth.invalid_token             401     unknown or expired token
auth.device_revoked            401     the device was signed out or revoked; ``details.wipe``: revoked as lost
auth.invalid_credentials       401     wrong username or password (one message for both)
auth.too_many_attempts         429     too many failed sign-ins for this username (``Retry-After``)
auth.forbidden                 403     the role may not do this
auth.outside_area              403     the record is outside the user's areas
privacy.not_correctable        422     a correction names a field that cannot be corrected there
period.invalid                 422     a month or span of days that is not a real, bounded period
conflict                       409     e.g. a username that exists
server.busy                    503     no database connection or lock came in time: retry (``Retry-After``)
internal                       500     a bug; nothing about it is sent
=============================  ======  =============================================
"""
from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import Match

log = logging.getLogger("doorstep.server")

# HTTP status -> code, for errors raised as plain HTTPException (by Starlette or FastAPI)
_STATUS_CODES = {
    400: "request.bad_request", 401: "auth.required", 403: "auth.forbidden", 404: "not_found",
    405: "request.method_not_allowed", 409: "conflict", 413: "request.too_large",
    415: "request.unsupported_media_type", 422: "request.invalid", 429: "request.too_many",
}
# What any route may answer besides its own errors: a refused URL or body (400, 413, 415), a bad
# field (422), a busy server (503) and a bug (500). Added to every route's OpenAPI entry.
COMMON_ERRORS = (400, 413, 415, 422, 500, 503)
BUSY_RETRY_SECONDS = 2
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_STATUS_MESSAGES = {
    404: "Not found.", 405: "Method not allowed.", 413: "Request body too large.",
    415: "Unsupported media type: send application/json.",
}


class ErrorBody(BaseModel):
    """What every error response holds (for the OpenAPI document)."""

    code: str
    message: str
    details: Any = None


class ApiError(HTTPException):
    """An error with a stable code, raised anywhere below a route.

    It is an ``HTTPException`` so that FastAPI lets it through unchanged even
    while it reads the body (the size limit raises it from there).
    """

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": details}, status_code=status,
                        headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: documents the error shape for these statuses."""
    return {status: {"model": ErrorBody} for status in statuses}


_LOC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Where and why each field failed, without the values sent (``input`` and ``ctx`` are dropped).

    A place is named by positions and names shaped like field names; any other key the client sent (an unknown
    key may be a value: a person's name, an ID number) shows as ``?``."""
    return [
        {"loc": ".".join(str(part) if isinstance(part, int) or _LOC_NAME.fullmatch(str(part)) else "?"
                         for part in error.get("loc", ())),
         "type": str(error.get("type", "")), "msg": str(error.get("msg", ""))}
        for error in errors
    ]


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    status = exc.status_code
    code = _STATUS_CODES.get(status, f"http.{status}")
    message = _STATUS_MESSAGES.get(status) or (exc.detail if isinstance(exc.detail, str) else "Request failed.")
    headers = exc.headers
    if status == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return error_response(status, code, message, None, headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only those of the first route that matched)."""
    allowed = []
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _busy(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError) and is_unreachable(exc):
        log.warning("database unreachable on %s %s", _request.method, _request.url.path)
        return error_response(503, "server.database_unavailable",
                              "数据库暂时无法连接，请稍后再试 / The database cannot be reached: try again later.",
                              headers={"Retry-After": str(BUSY_RETRY_SECONDS)})
    if isinstance(exc, OperationalError) and not is_lock_timeout(exc):
        return await _internal_error(_request, exc)
    log.warning("database busy on %s %s: %s", _request.method, _request.url.path, type(exc).__name__)
    return error_response(503, "server.busy", "The server is busy: try again in a moment.",
                          headers={"Retry-After": str(BUSY_RETRY_SECONDS)})


def is_unreachable(exc: OperationalError) -> bool:
    """The connection could not be made or was lost (the database, or a replica, is down or restarting)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(sign in text for sign in ("connection refused", "could not connect", "connection failed",
                                         "server closed the connection", "terminating connection",
                                         "the database system is"))


def is_lock_timeout(exc: OperationalError) -> bool:
    """SQLite's busy timeout ran out, or PostgreSQL gave up waiting for a lock (lock_timeout)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, "request.invalid_json", "The request body is not valid JSON.")
    return error_response(422, "request.invalid", "Some fields are missing or invalid.",
                          validation_details(errors))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    # The type and the path only: the message may quote values.
    log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(500, "internal", "Internal server error.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(Exception, _internal_error)
