"""``doorstep sync status|purge``: the change feed's state, and purging old tombstones."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="sync feed: status, purge old tombstones")
    sub = parser.add_subparsers(dest="sync_command", required=True)
    status = sub.add_parser("status", help="last version, tombstone horizon, tombstones waiting")
    add_url_option(status)
    status.set_defaults(handler=_status)
    purge = sub.add_parser(
        "purge", help="delete tombstones older than the newest N versions",
        description="Deletes deleted rows whose version is more than --keep-versions below the newest, and "
                    "raises the tombstone horizon: a phone that has not synced since then is told to resync "
                    "(it pushes its outbox first, so nothing it holds is lost).",
    )
    purge.add_argument("--keep-versions", type=int, default=100_000,
                       help="how many of the newest versions keep their tombstones (default 100000)")
    add_url_option(purge)
    purge.set_defaults(handler=_purge)


def _feed_state(conn) -> dict:
    from sqlalchemy import func, select

    from shared.models import MODEL_BY_TABLE, SyncState
    from shared.sync_schema import SYNC_SPECS

    state = conn.execute(select(SyncState.__table__)).mappings().first()
    tombstones = 0
    for table_name in SYNC_SPECS:
        table = MODEL_BY_TABLE[table_name].__table__
        tombstones += conn.execute(select(func.count()).select_from(table).where(table.c.deleted.is_(True))).scalar()
    return {"last_version": state["last_version"] if state else 0,
            "tombstone_horizon": state["tombstone_horizon"] if state else 0, "tombstones": tombstones}


def _status(args: argparse.Namespace) -> int:
    from server.db import make_engine

    engine = make_engine(database_url(args))
    try:
        with engine.connect() as conn:
            state = _feed_state(conn)
    finally:
        engine.dispose()
    print(f"last version {state['last_version']}, tombstone horizon {state['tombstone_horizon']}, "
          f"tombstones {state['tombstones']}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from server.db import make_engine
    from server.services.sync_pull import purge_tombstones

    if args.keep_versions < 0:
        print("--keep-versions must be 0 or more")
        return 2
    engine = make_engine(database_url(args))
    try:
        with engine.begin() as conn:
            last = _feed_state(conn)["last_version"]
            purged = purge_tombstones(conn, last - args.keep_versions)
        with engine.connect() as conn:
            state = _feed_state(conn)
    finally:
        engine.dispose()
    print(f"purged {purged} tombstones; horizon now {state['tombstone_horizon']}")
    return 0
