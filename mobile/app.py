"""The Flet app: page set-up (CJK font, theme), the router over the discovered screens, and the idle lock.

``create_main(config)`` returns the ``main`` that ``ft.run`` calls once per
page (a desktop window, a browser tab, the phone). ``main`` is the entry of a
packaged app (`flet build`): it reads its settings from the environment.
"""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

import flet as ft
import httpx

from mobile.routing import AppContext, Router, discover
from mobile.services.session import Session, default_data_dir, utc_clock
from mobile.services.sign_in import SignInService
from mobile.state import AppState
from mobile.store import KeyStore, desktop_keystore
from shared.collector import tune_collector

ASSETS_DIR = Path(__file__).parent / "assets"
FONT_FAMILY = "Doorstep Sans"
FONT_ASSET = "fonts/DoorstepSans.otf"  # relative to ASSETS_DIR; subset of Noto Sans CJK SC (OFL)
IDLE_CHECK_S = 15
PHONE_PLATFORMS = ("android", "ios")


@dataclass
class AppConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    keystore: Optional[KeyStore] = None  # None: secure storage on a phone, the OS keyring (or a file outside
    # the data folder) elsewhere
    transport: Optional[httpx.BaseTransport] = None
    clock: Callable[[], datetime] = utc_clock
    idle_check_s: float = IDLE_CHECK_S
    scrypt_n: Optional[int] = None  # None: the store's default cost


def configure_page(page: Any) -> None:
    page.title = "入户通"
    page.fonts = {FONT_FAMILY: FONT_ASSET}
    page.theme = ft.Theme(font_family=FONT_FAMILY, color_scheme_seed=ft.Colors.TEAL)
    page.theme_mode = ft.ThemeMode.LIGHT


def is_phone(page: Any) -> bool:
    platform = getattr(getattr(page, "platform", None), "value", "")
    return not getattr(page, "web", False) and platform in PHONE_PLATFORMS


def create_main(config: AppConfig) -> Callable[[Any], Awaitable[None]]:
    sessions: dict[Path, Session] = {}  # one per data folder, shared by the process's pages

    async def keystore_for(page: Any) -> KeyStore:
        if config.keystore is not None:
            return config.keystore
        if is_phone(page):
            from mobile.secure_keys import open_secure_keystore

            return await open_secure_keystore(page)
        # Desktop and web: the OS keyring, else a 0600 file outside the data folder (never beside the data)
        return desktop_keystore(config.data_dir)

    async def main(page: Any) -> None:
        configure_page(page)
        session = sessions.get(config.data_dir)
        if session is None:
            session = Session(config.data_dir, await keystore_for(page), clock=config.clock,
                              transport=config.transport, scrypt_n=config.scrypt_n)
            sessions[config.data_dir] = session
        ctx = AppContext(page, AppState(), session, discover())
        router = Router(ctx)
        ctx.service(SignInService).refresh()
        page.on_route_change = router.on_route_change
        page.on_view_pop = router.on_view_pop
        await router.handle(page.route)
        if config.idle_check_s:
            watcher = page.run_task(idle_lock, ctx, config.idle_check_s)
            page.on_close = lambda e: watcher.cancel()  # a closed tab stops its idle check

    return main


async def idle_lock(ctx: AppContext, every_s: float) -> None:
    """Lock the phone's data after the chosen idle minutes; the unlock screen comes up."""
    service = ctx.service(SignInService)
    while True:
        await asyncio.sleep(every_s)
        if service.lock_if_idle():
            with contextlib.suppress(Exception):  # the page may be gone (tab closed)
                await ctx.page.push_route("/unlock")


async def main(page: ft.Page) -> None:
    """Entry of the packaged app and of `flet run`: data in the app's data folder."""
    tune_collector()
    await create_main(AppConfig())(page)
