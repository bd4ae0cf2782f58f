"""`doorstep demo`: demo data, the server and the coordinator's app on this computer, in one command.

Migrates and seeds ``<data-dir>/doorstep.sqlite3`` (the seed is skipped when
the database already has data), starts ``doorstep serve`` in a child process,
then serves the app to the browser (offline-capable web mode) with its own
phone data folder ``<data-dir>/device``. Ctrl+C stops both.

The data set is drawn up to today (China Standard Time), so the month the
screens open on has its visits. A port already taken is replaced by a free
one when it was the default, and named when it was asked for.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVER_START_TIMEOUT_S = 60
DEFAULT_SERVER_PORT, DEFAULT_APP_PORT = 8000, 8550


class PortTaken(RuntimeError):
    """A port asked for on the command line is in use."""


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(host: str, asked: int | None, default: int, what: str, avoid: tuple[int, ...] = ()) -> int:
    """The port asked for (``PortTaken`` if in use), else the default, else a free one the system picks."""
    if asked is not None:
        if not port_free(host, asked):
            raise PortTaken(f"port {asked} ({what}) is already in use on {host}: stop what uses it, "
                            f"or leave out the option to let the demo pick a free port")
        return asked
    if default not in avoid and port_free(host, default):
        return default
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        if port not in avoid:
            print(f"Port {default} ({what}) is in use: using {port} instead.")
            return port


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="try Doorstep: demo data, the server and the app on this computer")
    demo.add_argument("--data-dir", type=Path, default=Path("data"), help="where the demo keeps its files (./data)")
    demo.add_argument("--host", default="127.0.0.1", help="address both listen on (default 127.0.0.1)")
    demo.add_argument("--server-port", type=int, default=None,
                      help=f"the server's port (default {DEFAULT_SERVER_PORT}, or a free one if that is taken)")
    demo.add_argument("--app-port", type=int, default=None,
                      help=f"the app's port (default {DEFAULT_APP_PORT}, or a free one if that is taken)")
    demo.add_argument("--households", type=int, default=2500, help="size of the demo data set (default 2500)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    demo.add_argument("--empty", action="store_true",
                      help="no demo data: start on an empty database, as an office does (it says what to do next)")
    demo.set_defaults(handler=_demo)


def prepare_database(data_dir: Path, households: int, empty: bool = False) -> str:
    """Migrate the demo database and seed it unless it has data (or ``empty``); returns its URL."""
    from server import migrate
    from server.db import make_engine
    from server.demo import build_demo, has_data, load_demo
    from server.settings import sqlite_url

    data_dir.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(data_dir / "doorstep.sqlite3")
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            seeded = has_data(conn)
        if empty:
            print(f"No demo data ({data_dir / 'doorstep.sqlite3'}): set up your office with the commands below.")
        elif seeded:
            print(f"Demo data already in {data_dir / 'doorstep.sqlite3'}: not seeding again.")
        else:
            print(f"Loading the demo data set ({households:,} households)…", flush=True)
            counts = load_demo(engine, build_demo(today=china_today(), households=households))
            print("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    finally:
        engine.dispose()
    return url


def wait_for_port(host: str, port: int, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit code {process.returncode})")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start listening on {host}:{port} within {timeout_s:.0f} s")


def china_today():
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone(timedelta(hours=8))).date()


def logins_text(url: str | None = None) -> str:
    """Who each demo login is, what they cover and what they can do (their areas from the database if given)."""
    from server.demo.catalog import ADMIN, COORDINATORS, DEMO_PASSWORD, MANAGER

    areas = _assigned_areas(url) if url else {}
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for username, name, grids in COORDINATORS:
        where = "、".join(areas.get(username, [])) or f"{grids} 个网格"
        lines.append(f"  {username:<10} {name}  协管员（coordinator）: {where}")
    lines.append("             visits door to door on the phone, offline: households, residents, visits, vacancies,"
                 " job matches, referral slips; syncs when back online")
    lines.append(f"  {MANAGER[0]:<10} {MANAGER[1]}  街道/区管理员（manager）: the whole district — coverage and rates per"
                 " community, grid and coordinator (month, quarter, half year, year), the lists behind them, the"
                 " monthly report (Excel), spot checks, coordinator assessment")
    lines.append(f"  {ADMIN[0]:<10} {ADMIN[1]}  系统管理员（admin）: areas, accounts and devices (revoke a lost phone);"
                 " sees what the manager sees")
    return "\n".join(lines)


def _assigned_areas(url: str) -> dict[str, list[str]]:
    from sqlalchemy import select

    from server.db import make_engine
    from shared.models import Area, UserAccount, UserArea

    user, link, area = UserAccount.__table__, UserArea.__table__, Area.__table__
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(user.c.username, area.c.name).join(link, link.c.user_id == user.c.id)
                                .join(area, area.c.id == link.c.area_id).order_by(area.c.code)).all()
    finally:
        engine.dispose()
    result: dict[str, list[str]] = {}
    for username, name in rows:
        result.setdefault(username, []).append(name)
    return result


def empty_text(url: str) -> str:
    """What to do next on an empty database (the commands use this database)."""
    from server.db import make_engine
    from server.services.office_setup import next_steps, setup_status

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            steps = next_steps(setup_status(conn))
    finally:
        engine.dispose()
    return "\n".join([f"Next steps (in another terminal, with DOORSTEP_DATABASE_URL={url}):"]
                     + [f"  {step}" for step in steps])


def phones_text(host: str, app_port: int, server_url: str, data_dir: Path) -> str:
    return (f"One app process is one phone: its data (encrypted) is in {data_dir / 'device'}, and every browser tab"
            f" of it is the same phone.\nTo try a second phone (say a colleague's, or a conflict), start another:\n"
            f"  doorstep app --web --port {app_port + 1} --data-dir {data_dir / 'device2'} --server {server_url}\n"
            f"and open http://{host}:{app_port + 1}/")


def _demo(args: argparse.Namespace) -> int:
    from mobile.cli import run_app

    try:
        server_port = choose_port(args.host, args.server_port, DEFAULT_SERVER_PORT, "the server")
        app_port = choose_port(args.host, args.app_port, DEFAULT_APP_PORT, "the app", avoid=(server_port,))
    except PortTaken as error:
        print(f"doorstep demo: {error}", file=sys.stderr)
        return 2
    data_dir = args.data_dir.resolve()
    url = prepare_database(data_dir, args.households, empty=args.empty)
    server_url = f"http://{args.host}:{server_port}"
    env = dict(os.environ, DOORSTEP_DATABASE_URL=url)
    server = subprocess.Popen([sys.executable, "-m", "doorstep.cli", "serve", "--host", args.host,
                               "--port", str(server_port), "--url", url], env=env)
    try:
        wait_for_port(args.host, server_port, server, SERVER_START_TIMEOUT_S)
        print()
        print(f"Server:  {server_url}  (API documentation: {server_url}/docs)")
        print(empty_text(url) if args.empty else logins_text(url))
        print(phones_text(args.host, app_port, server_url, data_dir))
        print()
        print(f"App:     http://{args.host}:{app_port}/  (open it in the browser; the sign-in screen has the server"
              " address filled in)")
        print("Press Ctrl+C to stop.", flush=True)
        run_app(web=True, host=args.host, port=app_port, data_dir=data_dir / "device",
                server_url=server_url, open_browser=not args.no_browser)
    except RuntimeError as error:
        print(f"doorstep demo: {error}", file=sys.stderr)
        return 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0
