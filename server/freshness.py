"""How fresh the figures of a report are: read from the primary, or from a replica and up to when.

``data_freshness(conn)`` asks the database the report was read from;
``FreshnessHeaders`` copies what a route's reports connection found into the
answer's headers, so every report and download says where its figures come
from (``X-Doorstep-Data-Source``: primary | replica) and, from a replica, the
time of the last transaction it has replayed (``X-Doorstep-Data-As-Of``) and
whether it has replayed all it has received (``X-Doorstep-Replica-Caught-Up``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATE_KEY = "doorstep_data_freshness"


def data_freshness(conn: Connection) -> dict[str, str]:
    """Headers describing the database behind ``conn`` (one cheap query on PostgreSQL, none on SQLite)."""
    if conn.dialect.name != "postgresql":
        return {"x-doorstep-data-source": "primary"}
    standby, replayed, caught_up = conn.execute(text(
        "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), "
        "pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()")).one()
    conn.commit()
    if not standby:
        return {"x-doorstep-data-source": "primary"}
    headers = {"x-doorstep-data-source": "replica", "x-doorstep-replica-caught-up": "yes" if caught_up else "no"}
    if isinstance(replayed, datetime):
        headers["x-doorstep-data-as-of"] = replayed.isoformat()
    return headers


class FreshnessHeaders:
    """Adds the freshness headers a route's reports connection left in the request's state."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            found = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and found:
                message["headers"] = list(message.get("headers", [])) + [
                    (k.encode(), v.encode()) for k, v in found.items()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
