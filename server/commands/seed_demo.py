"""``doorstep seed-demo``: fill the server database with the deterministic demo data set and print the logins."""
from __future__ import annotations

import argparse
import sys
from datetime import date

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seed-demo", help="load demo data: one district, 2,500 households, accounts with a demo password",
        description="Loads a deterministic demo data set (same seed, same rows) into a database made by "
                    "`doorstep db upgrade`. Refuses a database that has data, unless --reset.",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    add_url_option(parser)
    parser.add_argument("--reset", action="store_true", help="delete the database's data rows first")
    parser.add_argument("--households", type=int, default=2500, help="size of the data set (default 2500)")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the day the data set ends on, YYYY-MM-DD (default 2026-11-25)")
    parser.set_defaults(handler=_seed_demo)


def _seed_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from server.db import make_engine
    from server.demo import DEMO_TODAY, DatabaseNotEmpty, build_demo, load_demo

    url = database_url(args)
    shown = make_url(url).render_as_string(hide_password=True)
    if args.households < 1:
        print("--households must be at least 1", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("change_log"):
            print(f"{shown} has no Doorstep schema yet: run `doorstep db upgrade` first", file=sys.stderr)
            return 1
        data = build_demo(args.seed, args.today or DEMO_TODAY, households=args.households)
        try:
            counts = load_demo(engine, data, reset=args.reset)
        except DatabaseNotEmpty:
            print(f"{shown} already has data: pass --reset to delete it and load the demo data", file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    print(f"Demo data (seed {data.seed}, up to {data.today}) loaded into {shown}:")
    print("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    print()
    print(login_table(data))
    return 0


def login_table(data) -> str:
    """The demo accounts: username, role, password and areas (no residents' data)."""
    rows = [("username", "role", "password", "areas")]
    rows += [(u.username, u.role, u.password, "、".join(u.area_names)) for u in data.users]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]  # ASCII columns first, names last
    lines = ["Demo accounts:"]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3])
    return "\n".join(lines)
