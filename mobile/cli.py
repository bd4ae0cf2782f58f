"""`doorstep app`: the coordinator's app in a desktop window where a display exists, else served to the browser.

Web mode always serves the Flutter engine from the installed flet-web package
(``no_cdn``, ``FLET_WEB_NO_CDN=1``): without it the page waits for a CDN that
an offline laptop cannot reach. The CJK font comes from ``mobile/assets``.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
from importlib.util import find_spec
from pathlib import Path

DEFAULT_APP_PORT = 8550


def register(subparsers: argparse._SubParsersAction) -> None:
    app = subparsers.add_parser("app", help="open the coordinator's app (a window, or the browser)")
    app.add_argument("--web", action="store_true", help="serve it to a browser even where a window could open")
    app.add_argument("--host", default="127.0.0.1", help="web mode: address to listen on (default 127.0.0.1)")
    app.add_argument("--port", type=int, default=DEFAULT_APP_PORT, help=f"web mode: port (default {DEFAULT_APP_PORT})")
    app.add_argument("--data-dir", type=Path, default=None,
                     help="the phone's data folder (default $DOORSTEP_DEVICE_DIR or ./data/device)")
    app.add_argument("--server", default=None, help="server address shown on the sign-in screen")
    app.add_argument("--no-browser", action="store_true", help="web mode: do not open a browser tab")
    app.set_defaults(handler=_app)


def has_display() -> bool:
    if platform.system() != "Linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _app(args: argparse.Namespace) -> int:
    web = args.web or not has_display() or find_spec("flet_desktop") is None
    if not args.web and web and has_display():
        print("(flet-desktop is not installed: opening the app in the browser)", file=sys.stderr)
    run_app(web=web, host=args.host, port=args.port, data_dir=args.data_dir, server_url=args.server,
            open_browser=not args.no_browser)
    return 0


def run_app(*, web: bool, host: str = "127.0.0.1", port: int = DEFAULT_APP_PORT, data_dir: Path | None = None,
            server_url: str | None = None, open_browser: bool = True) -> None:
    """Run the app until its window closes or the process is interrupted."""
    import flet as ft

    from mobile.app import ASSETS_DIR, AppConfig, create_main
    from mobile.services.session import default_data_dir
    from shared.collector import tune_collector

    if server_url:
        os.environ["DOORSTEP_SERVER_URL"] = server_url
    config = AppConfig(data_dir=Path(data_dir) if data_dir else default_data_dir())
    tune_collector()  # the app is imported: its code and models are never scanned again
    if not web:
        ft.run(create_main(config), assets_dir=str(ASSETS_DIR))
        return
    os.environ["FLET_WEB_NO_CDN"] = "1"
    print(f"入户通 app: http://{host}:{port}/  (data: {config.data_dir})", flush=True)
    if not open_browser:
        os.environ["FLET_FORCE_WEB_SERVER"] = "1"  # serve only (Flet opens no tab when forced)
    ft.run(create_main(config), view=ft.AppView.WEB_BROWSER, host=host, port=port, assets_dir=str(ASSETS_DIR),
           no_cdn=True)
