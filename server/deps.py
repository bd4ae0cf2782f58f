"""Typed dependencies for routes: the request's connection, settings, the caller, their scope, role and area guards.

The area rule lives in ``server.services.access`` (re-exported here): a record
outside the caller's areas is 403 ``auth.outside_area``, a missing one 404.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import open_session
from server.errors import ApiError
from server.freshness import data_freshness
from server.services.access import ensure_area, ensure_grid, load_in_scope, not_found, outside_area
from server.services.auth import Caller, authenticate
from server.services.scope import Scope, load_scope
from server.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login.")


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """One connection per request; what a service did not commit is rolled back at the end."""
    with engine.connect() as conn:
        yield conn


def server_now(request: Request) -> datetime:
    """The server's time for this request: ``create_app(clock=...)`` (tests drive it), else the wall clock."""
    return request.app.state.clock()


EngineDep = Annotated[Engine, Depends(get_engine)]
ServerNow = Annotated[datetime, Depends(server_now)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ConnDep = Annotated[Connection, Depends(get_conn)]


def get_reports_conn(request: Request) -> Iterator[Connection]:
    """A read-only connection for reports: on the replica when ``DOORSTEP_REPORTS_DATABASE_URL`` names one.

    What it finds about its freshness goes into the answer's headers (``server.freshness``).
    """
    with request.app.state.reports_engine.connect() as conn:
        request.state.doorstep_data_freshness = data_freshness(conn)
        yield conn


ReportsConnDep = Annotated[Connection, Depends(get_reports_conn)]


def get_session(conn: ConnDep) -> Iterator[Session]:
    """An ORM session on the request's connection (for routes that prefer the ORM)."""
    with open_session(conn) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_caller(conn: ConnDep, settings: SettingsDep,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "auth.required", "Sign in first: a bearer token is required.",
                       headers={"WWW-Authenticate": "Bearer"})
    return authenticate(conn, credentials.credentials, settings)


CurrentDevice = Annotated[Caller, Depends(current_caller)]
CurrentUser = CurrentDevice  # the same caller: a user is always signed in through one device


def get_scope(conn: ConnDep, caller: CurrentUser) -> Scope:
    scope = load_scope(conn, caller.user_id)
    conn.commit()  # end the read so a service can start its own transaction
    return scope


ScopeDep = Annotated[Scope, Depends(get_scope)]


def require_role(*roles: str) -> Callable[[Caller], Caller]:
    """A dependency that lets only these roles through (403 ``auth.forbidden``)."""
    allowed = frozenset(str(role) for role in roles)

    def guard(caller: CurrentUser) -> Caller:
        if caller.role not in allowed:
            raise ApiError(403, "auth.forbidden", "Your role may not do this.")
        return caller

    guard.__name__ = f"require_{'_or_'.join(sorted(allowed))}"
    return guard


AdminUser = Annotated[Caller, Depends(require_role("admin"))]
ManagerUser = Annotated[Caller, Depends(require_role("manager", "admin"))]


__all__ = [
    "AdminUser", "ConnDep", "ReportsConnDep", "CurrentDevice", "CurrentUser", "EngineDep", "ManagerUser", "ScopeDep", "SessionDep",
    "SettingsDep", "ensure_area", "ensure_grid", "load_in_scope", "not_found", "outside_area", "require_role",
]
