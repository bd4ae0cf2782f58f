"""``doorstep serve``: run the API with uvicorn (several workers may share one PostgreSQL)."""
from __future__ import annotations

import argparse
import os
import sys

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the server (API and /docs)")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=None, help="server processes (default 1)")
    add_url_option(serve)
    serve.add_argument("--no-upgrade", action="store_true",
                       help="do not migrate a SQLite database to the newest schema before starting")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server import migrate
    from server.settings import get_settings

    url = database_url(args)
    # The workers build their app from the environment (uvicorn's factory mode), so pass the URL on.
    os.environ["DOORSTEP_DATABASE_URL"] = url
    settings = get_settings()
    current, head = migrate.current_revision(url), migrate.head_revision()
    if current != head:
        # A SQLite file belongs to this one server: bring it up to date. A shared
        # PostgreSQL is migrated on purpose, once, with `doorstep db upgrade`.
        if settings.is_sqlite and not args.no_upgrade:
            migrate.upgrade(url)
            print(f"database migrated to revision {head}", file=sys.stderr)
        else:
            print(f"the database is at revision {current or 'base (empty)'}, the server needs {head}: "
                  "run `doorstep db upgrade` first", file=sys.stderr)
            return 2
    _say_what_next(url)
    uvicorn.run("server.app:served_app", factory=True, host=args.host or settings.host,
                port=args.port or settings.port, workers=args.workers or settings.workers,
                log_level=settings.log_level)
    return 0


def _say_what_next(url: str) -> None:
    """On a database that is not set up yet (no administrator, areas or staff), say what to do next."""
    from server.db import make_engine
    from server.services.office_setup import next_steps, setup_status

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            status = setup_status(conn)
    finally:
        engine.dispose()
    if not status.done:
        print("这个数据库还没有设置完成（没有管理员、区域或协管员）。下一步：", file=sys.stderr)
        for step in next_steps(status):
            print(f"  {step}", file=sys.stderr)
        print("（只想先看看？ `doorstep demo` 用演示数据运行）", file=sys.stderr, flush=True)
