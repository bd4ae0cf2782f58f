"""The API's routers, found by ``discover_routers()``: every module here that defines ``router`` is served.

A new module (``sync.py``, ``coverage.py``, ...) needs no change elsewhere. Its
paths are relative to ``/api/v1`` unless the module sets ``PREFIX`` (for
example ``PREFIX = ""`` for pages outside the API). Routers stay thin: parse,
call one service, shape the answer.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from fastapi import APIRouter

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class FoundRouter:
    module: str
    router: APIRouter
    prefix: str


def discover_routers() -> list[FoundRouter]:
    """Every ``router`` in this package, in module-name order (so the OpenAPI document is stable)."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(FoundRouter(module.__name__, router, getattr(module, "PREFIX", API_PREFIX)))
    return found
