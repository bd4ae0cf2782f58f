"""``doorstep privacy retention``: anonymise residents deleted longer ago than the retention period (PIPL)."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("privacy", help="personal data: the retention rule")
    sub = parser.add_subparsers(dest="privacy_command", required=True)
    retention = sub.add_parser(
        "retention", help="anonymise residents deleted more than DOORSTEP_RETENTION_DAYS ago",
        description="Blanks name, ID number, phone, employer and notes of every resident deleted longer ago "
                    "than the retention period (DOORSTEP_RETENTION_DAYS, default 3 years; 0 keeps them), and "
                    "keeps what the figures count. Run it daily (cron); phones take the change on their next "
                    "sync. See docs/privacy.md.",
    )
    retention.add_argument("--days", type=int, help="retention period in days (default: the setting)")
    add_url_option(retention)
    retention.set_defaults(handler=_retention)


def _retention(args: argparse.Namespace) -> int:
    from server.db import make_engine
    from server.services.privacy import apply_retention
    from server.settings import get_settings
    from shared.models import utc_now

    days = get_settings().retention_days if args.days is None else args.days
    if days < 0:
        print("--days must be 0 or more")
        return 2
    engine = make_engine(database_url(args))
    try:
        with engine.connect() as conn:
            done = apply_retention(conn, utc_now(), days)
    finally:
        engine.dispose()
    print(f"anonymised {done} residents deleted more than {days} days ago" if days else "retention is off (0 days)")
    return 0
