"""`doorstep demo`: demo data, the server and the coordinator's app on this computer, in one command.

Migrates and seeds ``<data-dir>/doorstep.sqlite3`` (the seed is skipped when
the database already has data), starts ``doorstep serve`` in a child process,
then serves the app to the browser (offline-capable web mode) with its own
phone data folder ``<data-dir>/device``. Ctrl+C stops both.
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


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="try Doorstep: demo data, the server and the app on this computer")
    demo.add_argument("--data-dir", type=Path, default=Path("data"), help="where the demo keeps its files (./data)")
    demo.add_argument("--host", default="127.0.0.1", help="address both listen on (default 127.0.0.1)")
    demo.add_argument("--server-port", type=int, default=8000, help="the server's port (default 8000)")
    demo.add_argument("--app-port", type=int, default=8550, help="the app's port (default 8550)")
    demo.add_argument("--households", type=int, default=2500, help="size of the demo data set (default 2500)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    demo.set_defaults(handler=_demo)


def prepare_database(data_dir: Path, households: int) -> str:
    """Migrate the demo database and seed it unless it has data; returns its URL."""
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
        if seeded:
            print(f"Demo data already in {data_dir / 'doorstep.sqlite3'}: not seeding again.")
        else:
            print(f"Loading the demo data set ({households:,} households)…", flush=True)
            counts = load_demo(engine, build_demo(households=households))
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


def logins_text() -> str:
    from server.demo.catalog import ADMIN, COORDINATORS, DEMO_PASSWORD, MANAGER

    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {username:<10} {name}  协管员, {grids} 个网格" for username, name, grids in COORDINATORS]
    lines += [f"  {MANAGER[0]:<10} {MANAGER[1]}  管理员", f"  {ADMIN[0]:<10} {ADMIN[1]}"]
    return "\n".join(lines)


def _demo(args: argparse.Namespace) -> int:
    from mobile.cli import run_app

    data_dir = args.data_dir.resolve()
    url = prepare_database(data_dir, args.households)
    server_url = f"http://{args.host}:{args.server_port}"
    env = dict(os.environ, DOORSTEP_DATABASE_URL=url)
    server = subprocess.Popen([sys.executable, "-m", "doorstep.cli", "serve", "--host", args.host,
                               "--port", str(args.server_port), "--url", url], env=env)
    try:
        wait_for_port(args.host, args.server_port, server, SERVER_START_TIMEOUT_S)
        print()
        print(f"Server:  {server_url}  (API documentation: {server_url}/docs)")
        print(f"App:     http://{args.host}:{args.app_port}/  (sign in with the server address above)")
        print(logins_text())
        print("Press Ctrl+C to stop.", flush=True)
        run_app(web=True, host=args.host, port=args.app_port, data_dir=data_dir / "device",
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
