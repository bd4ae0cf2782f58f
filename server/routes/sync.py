"""Sync over HTTP: push a batch of changes, pull the change feed, list open conflicts (docs/sync-protocol.md)."""
from __future__ import annotations

import gzip
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from server.deps import ConnDep, CurrentDevice, ScopeDep, ServerNow
from server.errors import error_responses
from server.json_route import FastJSONRoute
from server.middleware import ACCEPTED_ENCODINGS
from server.services import privacy, sync_pull, sync_push
from shared import compression, json_text
from shared import sync_protocol as proto

router = APIRouter(prefix="/sync", tags=["sync"], responses=error_responses(401, 403, 422), route_class=FastJSONRoute)
GZIP_MIN_BYTES = 1024
MAX_CURSOR = 2**31 - 1  # versions are 32-bit integer columns on PostgreSQL (a larger bound is a DataError)


@router.post("/push", response_model=proto.PushResponse, responses=error_responses(400))
def push(request: Request, body: proto.PushRequest, caller: CurrentDevice, scope: ScopeDep, conn: ConnDep,
         now: ServerNow) -> Response:
    """Apply a batch of changes; every change gets its own answer (applied, duplicate, conflict, rejected).

    The answer is compressed like a pulled page, its results without default fields (``PushResponse.wire``);
    ``Accept-Encoding`` tells the phone what the next push body may be compressed with."""
    return json_response(sync_push.push_changes(conn, caller.user_id, caller.device_id, scope, body, now).wire(),
                         request)


@router.get("/pull", response_model=proto.PullResponse, responses=error_responses(410))
def pull(request: Request, caller: CurrentDevice, scope: ScopeDep, conn: ConnDep, now: ServerNow,
         cursor: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0,
         limit: Annotated[int, Query(ge=1, le=proto.MAX_PAGE_SIZE)] = proto.DEFAULT_PAGE_SIZE,
         own_from: Annotated[int | None, Query(ge=1, le=MAX_CURSOR)] = None,
         own_cursor: Annotated[int | None, Query(ge=0, le=MAX_CURSOR)] = None) -> Response:
    """The rows changed after ``cursor`` that the caller may see, gzip-compressed when the client accepts it.

    ``own_from`` and ``own_cursor`` (together): the device holds its own pushes answered with a version
    from ``own_from`` on, of rows it had seen at ``own_cursor``; those are not sent back.
    """
    own = (sync_pull.OwnPushes(caller.device_id, own_from, own_cursor)
           if own_from is not None and own_cursor is not None and caller.device_id else None)
    page = sync_pull.pull_changes(conn, scope, cursor, limit, int(now.timestamp() * 1000), own)
    privacy.record_pull(conn, caller, page)  # who received whose data: one audit event per page
    return json_response(page, request)


@router.get("/conflicts", response_model=list[proto.PulledRow])
def conflicts(request: Request, scope: ScopeDep, conn: ConnDep,
              state: Literal["open", "resolved", "all"] = "open") -> Response:
    """Conflict records of the caller's areas (coordinators of the grid, managers above it)."""
    rows = sync_pull.list_conflicts(conn, scope, None if state == "all" else state)
    return json_response(rows, request)


def json_response(content: object, request: Request) -> Response:
    """Compact JSON, compressed when the client accepts it and it is worth it: zstd where both ends have it
    (faster at the same size), else gzip. ``Accept-Encoding`` tells the client what a request body may use."""
    body = json_text.dumps(content)
    headers = {"Vary": "Accept-Encoding", "Accept-Encoding": ACCEPTED_ENCODINGS}
    accepted = _codings(request.headers.get("accept-encoding", ""))
    if len(body) >= GZIP_MIN_BYTES and compression.ZSTD in accepted and compression.zstd_available():
        body = compression.zstd_compress(body)
        headers["Content-Encoding"] = compression.ZSTD
    elif len(body) >= GZIP_MIN_BYTES and "gzip" in accepted:
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


def _codings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header accepts (``q=0`` refuses one)."""
    accepted = set()
    for item in header.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            if float(quality) > 0:
                accepted.add(name.strip())
        except ValueError:
            continue
    return accepted
