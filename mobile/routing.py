"""Screens as plug-ins, the context every screen gets, and the router that stacks them (see docs/mobile-app.md).

Every module in ``mobile/views/`` that defines ``ROUTE`` (or ``ROUTES``) and
``build(ctx) -> ft.View`` is a screen; nothing else needs editing to add one.
A module may also define ``NAV`` (an entry of the bottom navigation bar),
``CARD_ACTIONS`` (buttons on the household or resident card) and ``PUBLIC =
True`` (reachable before the PIN: sign-in and unlock screens).

Route patterns name their parameters in braces: ``/household/{household_id}``;
``build`` finds them in ``ctx.params``.
"""
from __future__ import annotations

import asyncio
import importlib
import pkgutil
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

from mobile.services.session import Session
from mobile.state import LOCKED, READY, REAUTH, SET_PIN, SIGNED_OUT, AppState
from shared.vocab import Role

HOME = "/"
PHASE_ROUTES = {SIGNED_OUT: "/sign-in", SET_PIN: "/pin/new", LOCKED: "/unlock", REAUTH: "/reauth"}
ALL_ROLES: frozenset[str] = frozenset(r.value for r in Role)
MAX_NAV_ENTRIES = 5  # a phone's bottom bar holds five destinations at most


@dataclass(frozen=True)
class NavEntry:
    """A destination of the bottom navigation bar, shown to the roles in ``roles`` (five or fewer per role).

    ``home=True``: the screen those roles land on after unlock (the coordinator's
    worklist, the manager's coverage); a role without one lands on ``HOME``.
    """

    label: str
    icon: Any  # an ft.Icons value
    route: str
    order: int = 100
    roles: frozenset[str] = ALL_ROLES
    home: bool = False

    def shows_for(self, role: Optional[str]) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class CardAction:
    """A button on the household card (``card="household"``) or on each member (``card="resident"``).

    ``route`` may use {household_id} and, on a member, {resident_id}; ``visible``
    decides from the record's row (the household, or the member) whether it shows.
    """

    card: str
    label: str
    route: str
    icon: Any = None
    order: int = 100
    visible: Optional[Callable[[dict], bool]] = None

    def target(self, **ids: str) -> str:
        return self.route.format(**ids)


@dataclass(frozen=True)
class Screen:
    pattern: str
    build: Callable[["AppContext"], Any]
    module: str
    public: bool = False

    def match(self, route: str) -> Optional[dict[str, str]]:
        want, got = self.pattern.strip("/").split("/"), route.split("?")[0].strip("/").split("/")
        if len(want) != len(got):
            return None
        params: dict[str, str] = {}
        for w, g in zip(want, got, strict=True):
            if w.startswith("{") and w.endswith("}"):
                if not g:
                    return None
                params[w[1:-1]] = g
            elif w != g:
                return None
        return params


@dataclass
class Registry:
    screens: list[Screen] = field(default_factory=list)
    nav: list[NavEntry] = field(default_factory=list)
    card_actions: list[CardAction] = field(default_factory=list)

    def add_module(self, module: Any) -> None:
        patterns = getattr(module, "ROUTES", None) or ((module.ROUTE,) if hasattr(module, "ROUTE") else ())
        if not patterns or not callable(getattr(module, "build", None)):
            return
        for pattern in patterns:
            self.screens.append(Screen(pattern, module.build, module.__name__, bool(getattr(module, "PUBLIC", False))))
        if getattr(module, "NAV", None) is not None:
            self.nav.append(module.NAV)
        self.card_actions.extend(getattr(module, "CARD_ACTIONS", ()))
        self.nav.sort(key=lambda n: n.order)
        self.card_actions.sort(key=lambda a: a.order)

    def match(self, route: str) -> tuple[Optional[Screen], dict[str, str]]:
        # literal segments beat parameters: "/resident/new" before "/resident/{resident_id}"
        for screen in sorted(self.screens, key=lambda s: s.pattern.count("{")):
            params = screen.match(route)
            if params is not None:
                return screen, params
        return None, {}

    def actions_for(self, card: str, row: dict) -> list[CardAction]:
        return [a for a in self.card_actions if a.card == card and (a.visible is None or a.visible(row))]

    def nav_for(self, role: Optional[str]) -> list[NavEntry]:
        """The bottom bar of a role, in order."""
        return [n for n in self.nav if n.shows_for(role)]

    def home_for(self, role: Optional[str]) -> str:
        """Where a role lands after unlock and at the bottom of every back stack."""
        return next((n.route for n in self.nav_for(role) if n.home), HOME)

    def is_root(self, route: str, role: Optional[str] = None) -> bool:
        """A root screen of the role: its home or one of its bar's destinations (no back arrow)."""
        return route == self.home_for(role) or any(n.route == route for n in self.nav_for(role))


def discover(package: str = "mobile.views") -> Registry:
    """Import every module of the views package and register the screens it declares."""
    registry = Registry()
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            registry.add_module(importlib.import_module(f"{package}.{info.name}"))
    return registry


@dataclass
class AppContext:
    """What a screen's ``build`` gets: the page, the state, services, route parameters and navigation."""

    page: Any
    state: AppState
    session: Session
    registry: Registry
    params: dict[str, str] = field(default_factory=dict)
    router: Optional["Router"] = None
    _services: dict = field(default_factory=dict)

    def service(self, cls: type) -> Any:
        """The page's instance of a service class (made on first use with ``cls(session, state)``)."""
        if cls not in self._services:
            self._services[cls] = cls(self.session, self.state)
        return self._services[cls]

    def with_params(self, params: dict[str, str]) -> "AppContext":
        return replace(self, params=params)  # shares the services dict

    def touch(self) -> None:
        from mobile.services.sign_in import SignInService

        self.service(SignInService).touch()

    @property
    def home(self) -> str:
        """The signed-in user's home route (by role)."""
        return self.registry.home_for(self.state.role)

    def update(self) -> None:
        """Redraw after a change; every handler that changes something ends with it (and counts as activity)."""
        self.touch()
        self.page.update()

    async def go(self, route: str) -> None:
        """Open ``route``; the route already shown is rebuilt (Flet fires no route change for it)."""
        self.touch()
        if route == self.page.route and self.router is not None and self.router.target_for(route) == route:
            self.refresh()
            return
        await self.page.push_route(route)

    def refresh(self) -> None:
        """Rebuild the screen on top with fresh data (a new month, a retry) and redraw."""
        if self.router is not None:
            self.router.rebuild_top()

    async def resume(self) -> None:
        """After the PIN: back to the screens the lock covered, as they were (a half-typed form), else home."""
        if self.router is None or not await self.router.resume():
            await self.go(self.home)

    async def back(self) -> None:
        if self.router is not None:
            await self.router.back()

    def show_dialog(self, dialog: Any) -> None:
        self.page.show_dialog(dialog)

    def close_dialog(self) -> None:
        self.page.pop_dialog()

    def toast(self, text: str) -> None:
        import flet as ft

        self.page.show_dialog(ft.SnackBar(ft.Text(text), duration=3000))

    def run_task(self, make_coro: Callable[[], Any]) -> Any:
        """Start a background coroutine (e.g. a sync) without blocking the handler."""
        return asyncio.get_running_loop().create_task(make_coro())


class Router:
    """Keeps ``page.views`` as a stack: a root screen, then what was opened from it."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        ctx.router = self
        self.stack: list[tuple[str, Any]] = []
        self.held: list[tuple[str, Any]] = []  # the screens under the lock, kept as they were

    def target_for(self, route: str) -> str:
        """Where the app's phase allows this route to go."""
        if self.ctx.state.phase == READY and not self.ctx.session.store.is_unlocked:
            self.ctx.state.phase = LOCKED  # another window of this data folder locked it
        phase = self.ctx.state.phase
        screen, _ = self.ctx.registry.match(route)
        if phase != READY:
            wanted = PHASE_ROUTES[phase]
            return route if screen is not None and screen.public and route == wanted else wanted
        home = self.ctx.home
        if screen is None or screen.public or (route.split("?")[0] == HOME and home != HOME):
            return home
        return route

    async def handle(self, route: str) -> None:
        route = route or HOME
        target = self.target_for(route)
        if target != route:
            await self.ctx.page.push_route(target)
            return
        self.show(route)

    def show(self, route: str) -> None:
        screen, params = self.ctx.registry.match(route)
        routes = [r for r, _ in self.stack]
        home = self.ctx.home
        if screen.public:
            self._hold_or_forget()
        if routes and routes[-1] == route and self.stack[-1][1] is not None:
            pass  # already on top (back from the lock): kept as it is
        elif screen.public or self.ctx.registry.is_root(route, self.ctx.state.role):
            keep = [] if screen.public or route == home else [(home, None)]
            self.stack = keep + [(route, None)]
        elif route in routes:
            self.stack = self.stack[: routes.index(route) + 1]
            self.stack[-1] = (route, None)  # shown again: rebuilt with fresh data
        else:
            if not self.stack or self.stack[0][0] != home:
                self.stack = [(home, None)]
            self.stack.append((route, None))
        self.stack = [(r, view if view is not None else self._build(r)) for r, view in self.stack]
        self.ctx.page.views.clear()
        self.ctx.page.views.extend(view for _, view in self.stack)
        self.ctx.page.update()

    def _hold_or_forget(self) -> None:
        """The lock screen covers the open screens (kept for after the PIN); signing out forgets them."""
        public = {s.pattern for s in self.ctx.registry.screens if s.public}
        if self.ctx.state.phase == LOCKED:
            if self.stack and not any(r in public for r, _ in self.stack):
                self.held = self.stack
        else:
            self.held = []

    async def resume(self) -> bool:
        """Put the held screens back (same controls, typed values kept); False when none are held."""
        held, self.held = self.held, []
        if not held or self.ctx.state.phase != READY:
            return False
        self.stack = held
        route = held[-1][0]
        if route == self.ctx.page.route:
            self.show(route)
        else:
            await self.ctx.page.push_route(route)
        return True

    def rebuild_top(self) -> None:
        if self.stack:
            route = self.stack[-1][0]
            self.stack[-1] = (route, None)
            self.show(route)

    def _build(self, route: str) -> Any:
        screen, params = self.ctx.registry.match(route)
        view = screen.build(self.ctx.with_params(params))
        view.route = route
        return view

    async def back(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()
            route = self.stack[-1][0]
            self.stack[-1] = (route, None)
            await self.ctx.page.push_route(route)

    async def on_route_change(self, e: Any) -> None:
        await self.handle(e.route)

    async def on_view_pop(self, e: Any) -> None:
        await self.back()
