"""``doorstep keys status|rotate``: the key ring that seals ID numbers and phones in the database."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keys", help="data keys: which seal the database's cells, rotate them")
    sub = parser.add_subparsers(dest="keys_command", required=True)
    status = sub.add_parser("status", help="how many cells each key seals (and how many are not sealed)")
    add_url_option(status)
    status.set_defaults(handler=_status)
    rotate = sub.add_parser(
        "rotate", help="make a new current key and reseal every cell with it",
        description="Adds a new key to the key file (DOORSTEP_KEY_FILE, default <data dir>/server-keys.json), "
                    "reseals every ID number, phone and conflict value with it in one transaction, then "
                    "drops the old keys from the file (--keep-old keeps them). Stop the server processes "
                    "first and start them again afterwards: they read the key ring at start.",
    )
    rotate.add_argument("--keep-old", action="store_true", help="keep the old keys in the file")
    add_url_option(rotate)
    rotate.set_defaults(handler=_rotate)


def _status(args: argparse.Namespace) -> int:
    from server.cells import CellCodec, load_key_ring
    from server.db import make_engine
    from server.services.data_keys import key_ids_in_use
    from server.settings import get_settings
    from shared.models import server_tables

    ring = load_key_ring(get_settings(), create=False)
    engine = make_engine(database_url(args))
    try:
        with engine.connect() as conn:
            counts = key_ids_in_use(conn, CellCodec(ring), server_tables())
    finally:
        engine.dispose()
    print(f"current key {ring.current}; keys in the ring: {', '.join(sorted(ring.keys))}")
    for kid, count in sorted(counts.items()):
        print(f"  {kid}: {count} cells")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from server.cells import CellCodec, key_file_of, load_key_ring, write_key_file
    from server.db import make_engine
    from server.services.data_keys import reseal_all
    from server.settings import get_settings
    from shared.models import server_tables

    settings = get_settings()
    if settings.data_keys:
        print("The key ring comes from DOORSTEP_DATA_KEYS: rotate needs the key file (DOORSTEP_KEY_FILE) "
              "instead, so the new key can be stored.")
        return 2
    path = key_file_of(settings)
    old = load_key_ring(settings, create=False)
    ring = old.with_new_key()
    write_key_file(path, ring)  # both keys first: whatever happens below, every cell can still be opened
    engine = make_engine(database_url(args))
    try:
        with engine.begin() as conn:
            written = reseal_all(conn, CellCodec(ring), server_tables())
    finally:
        engine.dispose()
    if not args.keep_old:
        write_key_file(path, ring.only_current())
    print(f"new current key {ring.current}; {written} cells resealed"
          + ("" if args.keep_old else f"; old keys {', '.join(sorted(old.keys))} removed from {path}"))
    return 0
