"""Server commands of ``doorstep``: each module defines ``register(subparsers)`` (see ``server.cli``)."""
from __future__ import annotations

import argparse


def add_url_option(parser: argparse.ArgumentParser) -> None:
    """``--url``: the database (default ``DOORSTEP_DATABASE_URL``, else the SQLite file in the data folder)."""
    parser.add_argument("--url", help="database URL (default: $DOORSTEP_DATABASE_URL or ./data/doorstep.sqlite3)")


def database_url(args: argparse.Namespace) -> str:
    from server.settings import get_settings

    return args.url or get_settings().database_url


def reports_database_url(args: argparse.Namespace) -> str:
    """Where reports read: ``--url``, else the reports replica (``DOORSTEP_REPORTS_DATABASE_URL``), else the database."""
    from server.settings import get_settings

    settings = get_settings()
    return args.url or settings.reports_database_url or settings.database_url
