"""``doorstep import FILE.xlsx|FILE.csv``: import households, residents and past visits from a ledger (docs/ledger-template.md)."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="import a ledger spreadsheet (xlsx or csv, template in docs/ledger-template.md)",
        description="Bad rows are reported with their line and reason; the good ones are imported. "
                    "Re-importing a file changes nothing. Exit status: 0 all rows imported, "
                    "1 some rows rejected, 2 the file could not be read.")
    parser.add_argument("file", help="the .xlsx or .csv file")
    parser.add_argument("--coordinator", help="the coordinator (user name) of visits whose row names none "
                                              "(default: the grid's coordinator)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--dry-run", action="store_true",
                        help="store nothing: list, per person, what would change (names masked)")
    add_url_option(parser)
    parser.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from server.db import make_engine
    from server.services.ledger_import import import_file
    from server.services.ledger_parse import ImportFileError
    from shared.models import utc_now

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: 文件不存在 / no such file", file=sys.stderr)
        return 2
    engine = make_engine(database_url(args))
    try:
        report = import_file(engine, path, now=utc_now(), coordinator=args.coordinator, dry_run=args.dry_run)
    except ImportFileError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        if args.dry_run:
            print("试运行（未保存任何内容）：")
            for line in report.per_person_zh():
                print(f"  {line}")
        print(("将" if args.dry_run else "") + report.summary_zh())
        for error in report.errors:
            print(f"  {error}")
    return 1 if report.errors else 0
