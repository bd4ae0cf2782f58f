"""``doorstep db upgrade|downgrade|current|revision``: the server database's schema (Alembic migrations)."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="create or migrate the server database")
    actions = db.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="migrate to the newest schema (creates it on an empty database)")
    up.add_argument("revision", nargs="?", default="head")
    add_url_option(up)
    up.set_defaults(handler=_upgrade)
    down = actions.add_parser("downgrade", help="migrate back to a revision ('-1', 'base', or an id)")
    down.add_argument("revision")
    add_url_option(down)
    down.set_defaults(handler=_downgrade)
    current = actions.add_parser("current", help="print the database's revision and the newest one")
    add_url_option(current)
    current.set_defaults(handler=_current)
    revision = actions.add_parser("revision", help="write a new migration (developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true", help="diff the models against the database")
    add_url_option(revision)
    revision.set_defaults(handler=_revision)


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _upgrade(args: argparse.Namespace) -> int:
    from server import migrate

    url = database_url(args)
    migrate.upgrade(url, args.revision)
    print(f"{_shown(url)}: at revision {migrate.current_revision(url)}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    from server import migrate

    url = database_url(args)
    migrate.downgrade(args.revision, url)
    print(f"{_shown(url)}: at revision {migrate.current_revision(url) or 'base (empty)'}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from server import migrate

    url = database_url(args)
    current, head = migrate.current_revision(url), migrate.head_revision()
    print(f"{_shown(url)}: at revision {current or 'base (empty)'}; newest is {head}")
    return 0 if current == head else 1


def _revision(args: argparse.Namespace) -> int:
    from alembic import command

    from server import migrate

    command.revision(migrate.alembic_config(database_url(args)), message=args.message,
                     autogenerate=args.autogenerate)
    return 0
