"""Entry point of the `doorstep` command; each part registers its own sub-commands.

The server's commands need the `server` extra, the app's the main dependencies.
A part whose module does not exist (yet, or in this build) is skipped quietly;
a part that exists but fails to import is reported.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

# modules that expose register(subparsers): each adds its sub-commands
PARTS = ("server.cli", "mobile.cli", "doorstep.demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doorstep", description="Doorstep 入户通")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in PARTS:
        if not _exists(name):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError as error:  # e.g. the server extra missing on a phone build
            print(f"({name} unavailable: {error})", file=sys.stderr)
            continue
        module.register(sub)
    return parser


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its package is missing
        return False


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
