"""The app factory: ``create_app(settings, engine)`` builds the FastAPI app; nothing happens at import time.

``uvicorn --factory server.app:served_app`` (what ``doorstep serve`` runs)
calls ``create_app`` with no arguments (settings come from the environment),
builds its routing with one request no route answers (``server.warm_up``) and
then sets the garbage collector for batch work (``shared.collector``). Tests pass an
engine whose schema is already made; otherwise the schema comes from the
migrations (``doorstep db upgrade``), never from ``create_all``.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime
from typing import Callable

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from server.checkpointer import WalCheckpointer
from server.db import make_engine, protect, sqlite_file
from server.errors import COMMON_ERRORS, error_responses, install_error_handlers
from server.freshness import FreshnessHeaders
from server.middleware import RequestGuard
from server.openapi import install_openapi
from server.routes import discover_routers
from server.settings import Settings, get_settings
from server.warm_up import warm_up
from shared.collector import tune_collector
from shared.models import utc_now


def create_app(settings: Settings | None = None, engine: Engine | None = None, *,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The app; ``clock`` (aware UTC datetimes) is the server's time for sync (tests inject one), else ``utc_now``."""
    settings = settings or get_settings()
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                                   pooled=settings.database_pooled, settings=settings, background_checkpoints=True)
    # a SQLite file's WAL is checkpointed by a thread while the app runs, not inside a request's commit
    database_file = sqlite_file(engine.url) if own_engine else None
    checkpointer = WalCheckpointer(engine, database_file) if database_file else None
    protect(engine, settings)  # ID numbers and phones are sealed in the database (server.cells)

    reports_engine = engine
    if settings.reports_database_url:
        reports_engine = make_engine(settings.reports_database_url, pooled=settings.database_pooled,
                                     settings=settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if checkpointer:
            checkpointer.start()
        yield
        if checkpointer:
            checkpointer.stop()
        if own_engine:
            engine.dispose()
        if reports_engine is not engine:
            reports_engine.dispose()

    app = FastAPI(title="Doorstep 入户通", version="1", docs_url="/docs", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or utc_now
    app.state.reports_engine = reports_engine
    app.state.checkpointer = checkpointer  # None unless the database is a SQLite file the app opened
    install_error_handlers(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(FreshnessHeaders)
    for found in discover_routers():
        app.include_router(found.router, prefix=found.prefix, responses=error_responses(*COMMON_ERRORS))
    install_openapi(app)
    return app


def served_app() -> FastAPI:
    """What a server process runs: ``create_app()`` from the environment, then the collector tuned (once per
    process, after the app is built: its routes and models are never scanned again)."""
    app = create_app()
    warm_up(app)  # the routes built now, not by the first request (and frozen with the start-up heap below)
    tune_collector()
    return app
