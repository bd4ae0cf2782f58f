"""The server's sub-commands of ``doorstep``: every module in ``server/commands/`` with ``register(subparsers)``.

A new command (``seed-demo``, ``import``, ``report``) is a new module there;
nothing else changes. Command modules import only ``argparse`` at the top and
their real work inside the handler, so ``doorstep --help`` stays quick.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil

from server import commands


def register(subparsers: argparse._SubParsersAction) -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if callable(getattr(module, "register", None)):
            module.register(subparsers)
