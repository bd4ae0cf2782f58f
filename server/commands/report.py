"""``doorstep report monthly|coverage``: the monthly report (月报) as a workbook, or the coverage rates as JSON or a table."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, reports_database_url


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser("report", help="monthly report (xlsx) and coverage rates of an area")
    kinds = report.add_subparsers(dest="report_command", required=True)
    monthly = kinds.add_parser("monthly", help="write the monthly report workbook (月报)")
    _common(monthly)
    monthly.add_argument("--out", required=True, help="the .xlsx file to write")
    monthly.set_defaults(handler=_monthly)
    rates = kinds.add_parser("coverage", help="print the coverage rates with numerators and denominators")
    _common(rates)
    rates.add_argument("--format", choices=("json", "table"), default="table")
    rates.set_defaults(handler=_coverage)


def _common(parser: argparse.ArgumentParser) -> None:
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--period", help="a month 2026-11, a quarter 2026-Q4, a half year 2026-H2 or a year 2026")
    when.add_argument("--month", help="YYYY-MM, e.g. 2026-11 (the same as --period 2026-11)")
    parser.add_argument("--area", required=True, help="a community, street or district: its name, code or id")
    add_url_option(parser)


def _load(args: argparse.Namespace):
    """(engine, area row, period), or an error message."""
    from server.db import make_engine
    from server.errors import ApiError
    from server.services.coverage import resolve_area
    from shared.coverage import Period

    try:
        period = Period.parse(args.period) if args.period else Period.month(args.month)
    except ValueError as error:
        return None, None, None, str(error)
    engine = make_engine(reports_database_url(args))
    try:
        with engine.connect() as conn:
            area = resolve_area(conn, args.area)
    except ApiError as error:
        engine.dispose()
        extra = "" if not error.details else ": " + ", ".join(f"{d['name']} ({d['level']}, {d['id']})"
                                                                for d in error.details)
        return None, None, None, f"{error.message}{extra}"
    return engine, area, period, None


def _monthly(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from server.services import monthly_report
    from server.services.coverage import system_scope
    from server.settings import get_settings
    from shared.models import utc_now

    engine, area, period, problem = _load(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        with engine.connect() as conn:
            book = monthly_report.build_workbook(conn, system_scope(conn, area["id"]), area["id"], period, utc_now(),
                                                 target=get_settings().full_employment_target)
    finally:
        engine.dispose()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    print(f"{out}: 月报 {period.label} {area['name']}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    import json
    import sys

    from server.services.coverage import coverage_report, system_scope
    from server.settings import get_settings

    engine, area, period, problem = _load(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        with engine.connect() as conn:
            report = coverage_report(conn, system_scope(conn, area["id"]), area["id"], period,
                                     get_settings().full_employment_target)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(_table(report))
    return 0


def _table(report) -> str:
    from shared.coverage import RATE_LABELS_ZH, RATE_NAMES

    rows = [report.area] + [c for c in report.children]
    lines = [f"{report.area.name} {report.period.label}  {report.district_target.text_zh}"]
    for item in rows:
        rates = item.counts.rates()
        cells = [f"{RATE_LABELS_ZH[n]} {rates[n].text} ({rates[n].numerator}/{rates[n].denominator})"
                 for n in RATE_NAMES]
        lines.append(f"{item.name}: " + "  ".join(cells))
    return "\n".join(lines)
